import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
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
    if (!seen) throw new TaskError('CHECK_FAILED', `The modem of ${args.username} has never been seen on the network.`, 'Check that the modem is connected to the line and switched on; the engineer may not have installed it yet.');
    if (args.mac && seen.mac && seen.mac.toUpperCase() !== args.mac.toUpperCase()) {
      throw new TaskError('CHECK_FAILED', `Another modem (${seen.mac}) logged in as ${args.username}, not the one assigned (${args.mac}).`, 'Check which modem the customer uses.');
    }
    ctx.log(`The modem was last seen at ${seen.at}${seen.mac ? ` (${seen.mac})` : ''}.`);
    return { output: { username: args.username, lastSeenAt: seen.at, mac: seen.mac } };
  },
});
