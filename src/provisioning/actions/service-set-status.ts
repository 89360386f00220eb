import { z } from 'zod';
import { defineAction } from './action.js';

/** Moves the service to a status through its lifecycle table (a forbidden move fails the task). */
export const serviceSetStatus = defineAction({
  name: 'service.set_status',
  summary: 'Move the service to another status (suspended, active, expired, terminated)',
  kinds: ['lifecycle'],
  args: z.object({ status: z.enum(['active', 'suspended', 'expired', 'terminated']), reason: z.string().max(100).optional() }),
  async run(ctx, args) {
    const s = await ctx.deps.services.changeStatus(ctx.vars.service.id, args.status, args.reason ?? null);
    ctx.log(`Service ${s.id} "${s.name}" is ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}.`);
    return { output: { serviceId: s.id, status: s.status, reason: s.statusReason, periodEnd: s.currentPeriodEnd } };
  },
});
