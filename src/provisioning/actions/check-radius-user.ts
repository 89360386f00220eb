import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
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
    if (!u) throw new TaskError('CHECK_FAILED', `RADIUS has no user ${args.username}: the modem cannot log in.`, 'Retry the service’s provisioning to create it again.');
    ctx.log(`RADIUS has the user ${args.username} (profile ${u.profile}).`);
    return { output: { username: u.username, profile: u.profile } };
  },
});
