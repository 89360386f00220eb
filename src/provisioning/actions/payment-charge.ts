import { z } from 'zod';
import { defineAction } from './action.js';

/**
 * Takes a payment from the customer's default payment method before what it pays for is done
 * (R9.3: an add-on is paid, then provisioned). Once per task: a retried run finds it paid.
 */
export const paymentCharge = defineAction({
  name: 'payment.charge',
  summary: "Charge the customer's default payment method, once",
  args: z.object({
    amount: z.coerce.number().int().min(0).describe('Minor units; the product price when left out'),
    currency: z.string().regex(/^[A-Z]{3}$/),
    description: z.string().min(1).max(300),
    kind: z.enum(['addon_one_off', 'addon_recurring', 'one_off', 'recurring', 'setup']),
  }),
  async run(ctx, args) {
    const { charge, paidNow } = await ctx.deps.billing.chargeForTask(
      {
        key: ctx.idempotencyKey,
        customerId: ctx.vars.customer.id,
        serviceId: ctx.vars.service.id || null,
        productId: ctx.vars.product.id,
        kind: args.kind,
        description: args.description,
        amount: args.amount,
        currency: args.currency,
      },
      ctx.signal,
    );
    ctx.log(paidNow ? `Charge ${charge.id}: ${(charge.amount / 100).toFixed(2)} ${charge.currency} paid.` : `Charge ${charge.id} was already paid; nothing charged again.`);
    return { output: { chargeId: charge.id, amount: charge.amount, currency: charge.currency, status: charge.status, kind: charge.kind } };
  },
});
