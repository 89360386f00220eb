import { z } from 'zod';
import { advise, checkFailed, say } from '../preflight-texts.js';
import { defineAction } from './action.js';

/** Service test (read-only): the customer's modem has opened a session (RADIUS accounting). */
export const checkModemSeen = defineAction({
  name: 'check.modem_seen',
  summary: 'Check that the modem has been seen on the network (read-only)',
  kinds: ['diagnostic'],
  readOnly: true,
  args: z.object({ username: z.string().min(1), mac: z.string().optional() }),
  async run(ctx, args) {
    const seen = await ctx.deps.network.lastSession(args.username, ctx.signal);
    if (!seen) throw checkFailed(say('diagnostic.modemNeverSeen', { username: args.username }), advise('diagnostic.checkModem', {}));
    if (args.mac && seen.mac && seen.mac.toUpperCase() !== args.mac.toUpperCase()) {
      throw checkFailed(say('diagnostic.modemOther', { mac: seen.mac, username: args.username, expected: args.mac }), advise('diagnostic.whichModem', {}));
    }
    ctx.log(`The modem was last seen at ${seen.at}${seen.mac ? ` (${seen.mac})` : ''}.`);
    return { output: { username: args.username, lastSeenAt: seen.at, mac: seen.mac } };
  },
});
