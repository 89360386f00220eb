import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';

export const charge = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    serviceId: z.number().int().nullable(),
    productId: z.number().int().nullable(),
    kind: z.enum(['setup', 'recurring', 'addon_one_off', 'addon_recurring', 'one_off', 'credit', 'early_termination']).describe('credit: the unused days of a period credited at termination (a negative amount); early_termination: the fee for ending inside the minimum term'),
    description: z.string(),
    amount: z.number().int().describe('Minor units; negative for a credit'),
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

export const terminationQuote = z
  .object({
    serviceId: z.number().int(),
    asOf: z.string().describe('The day the quote is for (YYYY-MM-DD, UTC): terminating on another day gives another quote'),
    currency: z.string(),
    credit: z
      .object({
        amount: z.number().int().describe('Minor units credited (positive here; the credit line carries it negative)'),
        unusedDays: z.number().int(),
        periodDays: z.number().int(),
        periodStart: z.string(),
        periodEnd: z.string(),
        charged: z.number().int().describe("The period's charge the credit is a part of"),
      })
      .nullable()
      .describe('The unused part of the current period, pro rata by day; null when nothing is credited (see creditReason)'),
    creditReason: z.enum(['credited', 'product_says_no', 'no_period_charge', 'period_over']).describe('Why there is or is not a credit'),
    earlyTermination: z
      .object({ amount: z.number().int(), minimumTermEnd: z.string().describe('The minimum term ends on this day (YYYY-MM-DD)'), contractMonths: z.number().int() })
      .nullable()
      .describe('The early termination charge, when terminating inside the minimum term'),
    total: z.number().int().describe('What the customer owes (positive) or is owed (negative) by terminating now'),
  })
  .meta({ id: 'TerminationQuote' });
export type TerminationQuote = z.infer<typeof terminationQuote>;

export const billingBody = z
  .object({
    charges: z.array(charge),
    payments: z.array(payment),
    totals: z.array(z.object({ period: z.string().describe('YYYY-MM'), currency: z.string(), charged: z.number().int(), paid: z.number().int(), outstanding: z.number().int() })),
  })
  .meta({ id: 'CustomerBilling' });
export type BillingBody = z.infer<typeof billingBody>;
