import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction } from './action.js';

/**
 * Changes the RADIUS user of an existing broadband line (an add-on: a static IP, a faster
 * profile): the profile when given, and the attributes given merged into those it has. Undone by
 * putting back the profile and attributes it had before; a line removed meanwhile stays removed.
 */
export const networkUpdateRadiusUser = defineAction({
  name: 'network.update_radius_user',
  summary: 'Change the RADIUS user of an existing broadband line: its profile, and attributes merged into its own',
  kinds: ['addon', 'lifecycle'],
  args: z.object({ username: z.string().min(1), profile: z.string().min(1).optional() }).catchall(z.unknown()),
  async run(ctx, args) {
    const { username, profile, ...attributes } = args;
    const before = await ctx.deps.network.getRadiusUser(username, ctx.signal);
    if (!before) {
      throw new TaskError('RADIUS_USER_NOT_FOUND', `RADIUS has no user ${username} to change.`, "Check that the service's broadband line is active (its RADIUS user exists), then retry.");
    }
    const after = { username, profile: profile ?? before.profile, attributes: { ...before.attributes, ...attributes } };
    await ctx.deps.network.upsertRadiusUser(after, ctx.signal);
    ctx.log(`RADIUS user ${username}: profile ${before.profile} → ${after.profile}${Object.keys(attributes).length ? `, ${Object.keys(attributes).join(', ')} set` : ''}.`);
    // A repeated attempt reads what the first one wrote: putting that back is then a no-op, never a loss.
    return { output: { username, profile: after.profile, attributes: after.attributes }, undo: { username, profile: before.profile, attributes: before.attributes } };
  },
  async undo(ctx, undo) {
    const username = String(undo.username);
    if (!(await ctx.deps.network.getRadiusUser(username, ctx.signal))) {
      ctx.log(`RADIUS user ${username} is gone; nothing to put back.`);
      return;
    }
    await ctx.deps.network.upsertRadiusUser({ username, profile: String(undo.profile), attributes: (undo.attributes ?? {}) as Record<string, unknown> }, ctx.signal);
    ctx.log(`RADIUS user ${username} put back to profile ${String(undo.profile)}.`);
  },
});
