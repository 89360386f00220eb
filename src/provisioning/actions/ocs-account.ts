import { z } from 'zod';
import { defineAction } from './action.js';

/** Enables or disables the service's OCS account (suspend, unsuspend, expire, renew). */
export const ocsSetAccountState = defineAction({
  name: 'ocs.set_account_state',
  summary: 'Enable or disable the OCS account of a service',
  args: z.object({ account: z.string().min(1), state: z.enum(['active', 'disabled']) }),
  async run(ctx, args) {
    const { changed } = await ctx.deps.ocs.setAccountState(args.account, args.state, ctx.signal);
    ctx.log(changed ? `OCS account ${args.account} is now ${args.state}.` : `OCS account ${args.account} was already ${args.state}.`);
    return { output: { account: args.account, state: args.state }, undo: { account: args.account, state: args.state === 'active' ? 'disabled' : 'active' } };
  },
  async undo(ctx, undo) {
    await ctx.deps.ocs.setAccountState(String(undo.account), undo.state === 'active' ? 'active' : 'disabled', ctx.signal);
  },
});

/** Removes the service's OCS account (termination). */
export const ocsDeleteAccount = defineAction({
  name: 'ocs.delete_account',
  summary: 'Remove the OCS account of a service',
  args: z.object({ account: z.string().min(1) }),
  async run(ctx, args) {
    const { deleted } = await ctx.deps.ocs.deleteAccount(args.account, ctx.signal);
    ctx.log(deleted ? `OCS account ${args.account} removed.` : `OCS account ${args.account} was already gone.`);
    return { output: { account: args.account, deleted } };
  },
});
