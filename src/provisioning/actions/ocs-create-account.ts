import { z } from 'zod';
import { defineAction } from './action.js';

const balance = z.object({ type: z.enum(['data', 'voice', 'monetary', 'feature']), amount: z.coerce.number().min(0), unit: z.string().min(1) });

/** Creates the service's OCS account with its plan and starting balances. */
export const ocsCreateAccount = defineAction({
  name: 'ocs.create_account',
  summary: 'Create the OCS account of the service, with its plan and starting balances',
  kinds: ['service'],
  args: z.object({ account: z.string().min(1), plan: z.string().nullable().default(null), balances: z.array(balance).default([]) }),
  async run(ctx, args) {
    const { account, created } = await ctx.deps.ocs.createAccount(args, ctx.signal);
    ctx.log(created ? `OCS account ${args.account} created (${ctx.deps.ocs.kind}).` : `OCS account ${args.account} was already there; nothing changed.`);
    return { output: { account: account.account, plan: args.plan, totals: account.totals }, undo: { account: args.account } };
  },
  undoFor: (args) => ({ account: args.account }),
  async undo(ctx, undo) {
    const { deleted } = await ctx.deps.ocs.deleteAccount(String(undo.account), ctx.signal);
    ctx.log(deleted ? `OCS account ${String(undo.account)} removed.` : `OCS account ${String(undo.account)} was already gone.`);
  },
});
