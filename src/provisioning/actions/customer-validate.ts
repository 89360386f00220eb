import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction } from './action.js';

/** Checks that the customer can still receive a service: it exists and is active. */
export const customerValidate = defineAction({
  name: 'customer.validate',
  summary: 'Check that the customer account exists and is active',
  args: z.object({}),
  async run(ctx) {
    const customer = await ctx.deps.customers.get(ctx.vars.customer.id);
    ctx.log(`Customer ${customer.name} (ID ${customer.id}) is ${customer.status}.`);
    if (customer.status !== 'active') {
      throw new TaskError('CUSTOMER_NOT_ACTIVE', `Customer ${customer.name} is ${customer.status}.`, 'Reactivate the customer account, then retry.');
    }
    return { output: { customerId: customer.id, status: customer.status } };
  },
});
