import { z } from 'zod';
import type { Charge } from '../../billing/billing.service.js';
import { formatMoney } from '../../billing/billing.service.js';
import { defineAction } from './action.js';

/**
 * Moves the service to a status through its lifecycle table (a forbidden move fails the task).
 * Terminating settles the final bill in the same transaction as the status (issue 13): the credit
 * of the current period's unused days and the early termination charge, each written once
 * whatever the number of attempts; the charge is then collected once.
 */
export const serviceSetStatus = defineAction({
  name: 'service.set_status',
  summary: 'Move the service to another status (suspended, active, expired, terminated; terminated settles the final bill)',
  kinds: ['lifecycle'],
  args: z.object({ status: z.enum(['active', 'suspended', 'expired', 'terminated']), reason: z.string().max(100).optional() }),
  async run(ctx, args) {
    const serviceId = ctx.vars.service.id;
    let settled: Charge[] = [];
    const s = await ctx.deps.services.changeStatus(
      serviceId,
      args.status,
      args.reason ?? null,
      args.status === 'terminated'
        ? async (trx) => {
            settled = (await ctx.deps.billing.settleTermination(trx, serviceId)).charges;
          }
        : undefined,
    );
    ctx.log(`Service ${s.id} "${s.name}" is ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}.`);
    for (const c of settled) ctx.log(`Charge ${c.id}: ${c.description}, ${formatMoney(c.amount, c.currency)}.`);
    if (args.status === 'terminated') {
      const fee = await ctx.deps.billing.collectTerminationFee(serviceId, ctx.signal);
      if (fee) ctx.log(`Early termination charge ${fee.charge.id}: ${fee.outcome === 'paid' ? 'paid' : `not paid (${fee.message ?? fee.outcome})`}.`);
    }
    return { output: { serviceId: s.id, status: s.status, reason: s.statusReason, periodEnd: s.currentPeriodEnd, ...(settled.length && { charges: settled.map((c) => c.id) }) } };
  },
});
