import { z } from 'zod';
import { defineAction } from './action.js';

/** The service record becomes active, with its final name (R8.1, R13.3). */
export const serviceActivate = defineAction({
  name: 'service.activate',
  summary: 'Make the service record active, with its name',
  kinds: ['service'],
  args: z.object({ name: z.string().min(1).max(200) }),
  async run(ctx, args) {
    const service = await ctx.deps.services.activate(ctx.vars.service.id, args.name);
    ctx.log(`Service ${service.id} "${service.name}" is ${service.status}.`);
    // Billing starts with the service: its first period, the setup fee and the first price (R5.1).
    const charges = await ctx.deps.billing.startService(service.id);
    for (const c of charges) ctx.log(`Charge ${c.id}: ${c.description}, ${(c.amount / 100).toFixed(2)} ${c.currency}.`);
    return { output: { serviceId: service.id, name: service.name, status: service.status, contractEnd: service.contractEnd, charges: charges.map((c) => c.id) } };
  },
});
