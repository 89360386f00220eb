import { z } from 'zod';
import { advise, checkFailed, say } from '../preflight-texts.js';
import { defineAction } from './action.js';

/** Service test (read-only): an outside system (IPTV middleware, SIP registrar) knows the subscriber. */
export const checkHttpResource = defineAction({
  name: 'check.http_resource',
  summary: 'Check that an outside system knows the subscriber: GET a path, 404 is a failed check (read-only)',
  kinds: ['diagnostic'],
  readOnly: true,
  args: z.object({ system: z.string().regex(/^[a-z0-9][a-z0-9-]*$/), path: z.string().startsWith('/'), what: z.string().min(1).max(100) }),
  async run(ctx, args) {
    const r = await ctx.deps.http.lookup({ system: args.system, path: args.path, idempotencyKey: ctx.idempotencyKey }, ctx.signal);
    if (!r.found) throw checkFailed(say('diagnostic.resourceUnknown', { system: args.system, what: args.what, path: args.path }), advise('diagnostic.register', {}));
    ctx.log(`${args.system} knows ${args.what}${r.simulated ? ' (simulated)' : ''}.`);
    return { output: { system: args.system, path: args.path, simulated: r.simulated } };
  },
});
