import { z } from 'zod';
import { advise, checkFailed, say } from '../preflight-texts.js';
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
    if (!a) throw checkFailed(say('diagnostic.ocsNoAccount', { account: args.account }), advise('diagnostic.recreateOcs', {}));
    if (a.state !== 'active') throw checkFailed(say('diagnostic.ocsNotActive', { account: args.account, status: a.state }), advise('diagnostic.unsuspend', {}));
    const balance = Object.entries(a.totals).map(([k, v]) => `${k.replace(':', ' ')} ${v}`).join(', ') || 'none';
    ctx.log(`OCS account ${args.account} is active; balance read: ${balance}.`);
    return { output: { account: a.account, state: a.state, totals: a.totals } };
  },
});
