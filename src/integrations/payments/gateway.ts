/**
 * The payment gateway: charges a customer's saved card, off-session. Every charge carries an
 * idempotency key, so asking again (a retried task, a crash) gives back the first answer and
 * never charges twice. A decline is an answer; an outage is an error (retryable TaskError).
 */
export interface ChargeRequest {
  idempotencyKey: string;
  amount: number;
  currency: string;
  description: string;
  card: { brand: string; last4: string; gatewayRef: string | null };
  customerRef: string | null;
  metadata: Record<string, string>;
}

export type ChargeResult =
  | { status: 'succeeded'; reference: string }
  | { status: 'declined'; reference: string | null; declineCode: string; message: string };

export interface PaymentGateway {
  readonly kind: 'test' | 'stripe';
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult>;
  /** Many charges at once, when the gateway can (the built-in one): one answer, or error, each. */
  chargeMany?(requests: ChargeRequest[], signal?: AbortSignal): Promise<(ChargeResult | Error)[]>;
}
