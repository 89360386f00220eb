import { z } from 'zod';
import { defineAction } from './action.js';

/** Removes a broadband user from RADIUS (termination). */
export const networkDeleteRadiusUser = defineAction({
  name: 'network.delete_radius_user',
  summary: 'Remove the RADIUS user of a broadband line',
  args: z.object({ username: z.string().min(1) }),
  async run(ctx, args) {
    const { deleted } = await ctx.deps.network.deleteRadiusUser(args.username, ctx.signal);
    ctx.log(deleted ? `RADIUS user ${args.username} removed.` : `RADIUS user ${args.username} was already gone.`);
    return { output: { username: args.username, deleted } };
  },
});
