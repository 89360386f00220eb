import { z } from 'zod';
import { defineAction } from './action.js';

/** Creates the broadband line's user on RADIUS (a new service; an add-on changes it with network.update_radius_user). */
export const networkCreateRadiusUser = defineAction({
  name: 'network.create_radius_user',
  summary: 'Create or update the RADIUS user of a broadband line',
  args: z.object({ username: z.string().min(1), profile: z.string().min(1) }).catchall(z.unknown()),
  async run(ctx, args) {
    const { username, profile, ...attributes } = args;
    const { created } = await ctx.deps.network.upsertRadiusUser({ username, profile, attributes }, ctx.signal);
    ctx.log(created ? `RADIUS user ${username} created with profile ${profile}.` : `RADIUS user ${username} updated to profile ${profile}.`);
    return { output: { username, profile, ...attributes }, undo: { username } };
  },
  undoFor: (args) => ({ username: args.username }),
  async undo(ctx, undo) {
    await ctx.deps.network.deleteRadiusUser(String(undo.username), ctx.signal);
    ctx.log(`RADIUS user ${String(undo.username)} removed.`);
  },
});
