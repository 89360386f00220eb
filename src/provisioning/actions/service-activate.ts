import { z } from 'zod';
import { groupSignal } from '../../shared/signals.js';
import { defineAction, type RowOutcome } from './action.js';

/** The service record becomes active, with its name (R8.1, R13.3). */
export const serviceActivate = defineAction({
  name: 'service.activate',
  summary: 'Make the service record active, with its name',
  kinds: ['service'],
  args: z.object({ name: z.string().min(1).max(200) }),
  async run(ctx, args) {
    const service = await ctx.deps.services.activate(ctx.vars.service.id, args.name);
    ctx.log(`Service ${service.id} "${service.name}" is ${service.status}.`);
    // Billing starts with the service: its first period, the setup fee and the first price (R5.1).
    const charges = await ctx.deps.billing.startService(service.id, ctx.signal);
    for (const c of charges) ctx.log(`Charge ${c.id}: ${c.description}, ${(c.amount / 100).toFixed(2)} ${c.currency}.`);
    return { output: { serviceId: service.id, name: service.name, status: service.status, contractEnd: service.contractEnd, charges: charges.map((c) => c.id) } };
  },
  // A group's services become active in one statement; their billing starts together, at the
  // prices the customers confirmed (the run's variables).
  async runMany(ctx, rows) {
    const activated = await ctx.deps.services.activateMany(rows.map((r) => ({ id: r.vars.service.id, name: r.args.name, contractMonths: r.vars.product.contract_months })));
    const live = rows.filter((r) => !((activated.get(r.vars.service.id) ?? new Error()) instanceof Error));
    const charges = await ctx.deps.billing.startServices(
      live.map((r) => ({
        serviceId: r.vars.service.id,
        customerId: r.vars.customer.id,
        productId: r.vars.product.id,
        productName: r.vars.product.name,
        serviceName: r.args.name,
        billing: r.vars.product.billing,
        setupFee: r.vars.product.setup_fee,
        recurringPrice: r.vars.product.recurring_price,
        currency: r.vars.product.currency,
      })),
      groupSignal(live),
    );
    return rows.map((r): RowOutcome => {
      const service = activated.get(r.vars.service.id);
      if (!service || service instanceof Error) return { ok: false, error: service ?? new Error(`Service ${r.vars.service.id} is gone.`) };
      r.log(`Service ${service.id} "${service.name}" is ${service.status}.`);
      const mine = charges.get(service.id) ?? [];
      for (const c of mine) r.log(`Charge ${c.id}: ${c.description}, ${(c.amount / 100).toFixed(2)} ${c.currency}.`);
      return { ok: true, result: { output: { serviceId: service.id, name: service.name, status: service.status, contractEnd: service.contractEnd, charges: mine.map((c) => c.id) } } };
    });
  },
});
