import type { Generated } from 'kysely';

/** `credit`: a negative amount, what the customer is owed back (a period's unused days at termination). */
export type ChargeKind = 'setup' | 'recurring' | 'addon_one_off' | 'addon_recurring' | 'one_off' | 'credit' | 'early_termination';
export type ChargeStatus = 'pending' | 'paid' | 'failed' | 'void';

export interface ChargesTable {
  id: Generated<number>;
  idempotencyKey: string;
  customerId: number;
  serviceId: number | null;
  productId: number | null;
  kind: ChargeKind;
  description: string;
  amount: number;
  currency: string;
  periodStart: string | null;
  periodEnd: string | null;
  status: ChargeStatus;
  attempts: Generated<number>;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: Generated<string>;
  paidAt: string | null;
}

export interface PaymentsTable {
  id: Generated<number>;
  idempotencyKey: string;
  chargeId: number;
  customerId: number;
  paymentMethodId: number | null;
  card: string;
  gateway: string;
  gatewayRef: string | null;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'declined' | 'error';
  declineCode: string | null;
  message: string | null;
  createdAt: Generated<string>;
  completedAt: string | null;
}

export interface BillingTables {
  charges: ChargesTable;
  payments: PaymentsTable;
}
