import { z } from 'zod';
import { defineAction } from './action.js';

/** Adds a balance to an OCS account, once per balance ID (R9.3): a retried top-up adds nothing. */
export const ocsAddBalance = defineAction({
  name: 'ocs.add_balance',
  summary: 'Add a balance (data, minutes, money, a feature) to the OCS account, once per balance ID',
  args: z.object({
    account: z.string().min(1),
    balance_id: z.string().min(1),
    type: z.enum(['data', 'voice', 'monetary', 'feature']),
    amount: z.coerce.number().min(0),
    unit: z.string().min(1),
  }),
  async run(ctx, args) {
    const before = await ctx.deps.ocs.getAccount(args.account, ctx.signal);
    const { account, added } = await ctx.deps.ocs.addBalance({ account: args.account, balanceId: args.balance_id, type: args.type, amount: args.amount, unit: args.unit }, ctx.signal);
    const key = `${args.type}:${args.unit}`;
    ctx.log(added ? `Added ${args.amount} ${args.unit} of ${args.type} to ${args.account}.` : `Balance ${args.balance_id} was already on ${args.account}; nothing added.`);
    return { output: { account: args.account, balanceId: args.balance_id, added, before: before?.totals[key] ?? 0, after: account.totals[key] ?? 0, unit: args.unit, type: args.type } };
  },
});
