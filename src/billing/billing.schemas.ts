import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';

export const charge = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    serviceId: z.number().int().nullable(),
    productId: z.number().int().nullable(),
    kind: z.enum(['setup', 'recurring', 'addon_one_off', 'addon_recurring', 'one_off']),
    description: z.string(),
    amount: z.number().int().describe('Minor units'),
    currency: z.string(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    status: z.enum(['pending', 'paid', 'failed', 'void']),
    attempts: z.number().int(),
    nextAttemptAt: timestamp.nullable().describe('When a declined charge is tried again'),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    paidAt: timestamp.nullable(),
  })
  .meta({ id: 'Charge' });
export type ChargeBody = z.infer<typeof charge>;

export const payment = z
  .object({
    id: z.number().int(),
    chargeId: z.number().int(),
    customerId: z.number().int(),
    paymentMethodId: z.number().int().nullable(),
    card: z.string(),
    gateway: z.string(),
    gatewayRef: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(['pending', 'succeeded', 'declined', 'error']),
    declineCode: z.string().nullable(),
    message: z.string().nullable(),
    createdAt: timestamp,
    completedAt: timestamp.nullable(),
  })
  .meta({ id: 'Payment' });
export type PaymentBody = z.infer<typeof payment>;

export const billingBody = z
  .object({
    charges: z.array(charge),
    payments: z.array(payment),
    totals: z.array(z.object({ period: z.string().describe('YYYY-MM'), currency: z.string(), charged: z.number().int(), paid: z.number().int(), outstanding: z.number().int() })),
  })
  .meta({ id: 'CustomerBilling' });
export type BillingBody = z.infer<typeof billingBody>;
