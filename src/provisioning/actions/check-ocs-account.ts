import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction } from './action.js';

/** Service test (read-only): the OCS account exists, is enabled, and its balance can be read. */
export const checkOcsAccount = defineAction({
  name: 'check.ocs_account',
  summary: 'Check that the OCS account exists, is enabled, and its balance is readable (read-only)',
  kinds: ['diagnostic'],
  readOnly: true,
  args: z.object({ account: z.string().min(1) }),
  async run(ctx, args) {
    const a = await ctx.deps.ocs.getAccount(args.account, ctx.signal);
    if (!a) throw new TaskError('CHECK_FAILED', `The OCS has no account ${args.account}.`, 'Retry the service’s provisioning, or ask the billing team to recreate the account.');
    if (a.state !== 'active') throw new TaskError('CHECK_FAILED', `The OCS account ${args.account} is ${a.state}: calls and data are refused.`, 'Unsuspend the service if it should work.');
    const balance = Object.entries(a.totals).map(([k, v]) => `${k.replace(':', ' ')} ${v}`).join(', ') || 'none';
    ctx.log(`OCS account ${args.account} is active; balance read: ${balance}.`);
    return { output: { account: a.account, state: a.state, totals: a.totals } };
  },
});
