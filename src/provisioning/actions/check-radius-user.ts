import { z } from 'zod';
import { advise, checkFailed, say } from '../preflight-texts.js';
import { defineAction } from './action.js';

/** Service test (read-only): RADIUS has the user, with the line's profile. */
export const checkRadiusUser = defineAction({
  name: 'check.radius_user',
  summary: 'Check that RADIUS has the broadband user (read-only)',
  kinds: ['diagnostic'],
  readOnly: true,
  args: z.object({ username: z.string().min(1) }),
  async run(ctx, args) {
    const u = await ctx.deps.network.getRadiusUser(args.username, ctx.signal);
    if (!u) throw checkFailed(say('diagnostic.radiusNoUser', { username: args.username }), advise('diagnostic.reprovision', {}));
    ctx.log(`RADIUS has the user ${args.username} (profile ${u.profile}).`);
    return { output: { username: u.username, profile: u.profile } };
  },
});
