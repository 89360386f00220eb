import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction, type RowOutcome } from './action.js';

const notActive = (name: string, status: string) => new TaskError('CUSTOMER_NOT_ACTIVE', `Customer ${name} is ${status}.`, 'Reactivate the customer account, then retry.');

/** Checks that the customer can still receive a service: it exists and is active. */
export const customerValidate = defineAction({
  name: 'customer.validate',
  summary: 'Check that the customer account exists and is active',
  args: z.object({}),
  atomic: true,
  async run(ctx) {
    const customer = await ctx.deps.customers.get(ctx.vars.customer.id);
    ctx.log(`Customer ${customer.name} (ID ${customer.id}) is ${customer.status}.`);
    if (customer.status !== 'active') throw notActive(customer.name, customer.status);
    return { output: { customerId: customer.id, status: customer.status } };
  },
  // A group's customers in one query.
  async runMany(ctx, rows) {
    const found = await ctx.deps.customers.statuses(ctx.db, rows.map((r) => r.vars.customer.id));
    return rows.map((r): RowOutcome => {
      const c = found.get(r.vars.customer.id);
      if (!c) return { ok: false, error: new TaskError('CUSTOMER_NOT_FOUND', `Customer ${r.vars.customer.id} no longer exists.`, 'Cancel this provisioning.') };
      r.log(`Customer ${c.name} (ID ${c.id}) is ${c.status}.`);
      if (c.status !== 'active') return { ok: false, error: notActive(c.name, c.status) };
      return { ok: true, result: { output: { customerId: c.id, status: c.status } } };
    });
  },
});
