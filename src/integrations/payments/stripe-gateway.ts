import Stripe from 'stripe';
import { TaskError, unreachable } from '../errors.js';
import { limited, type SystemLimits } from '../limits.js';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './gateway.js';

/**
 * Stripe, through the official package: a PaymentIntent confirmed off-session on the customer's
 * saved payment method (`cus_...` and `pm_...`), with Stripe's own idempotency keys. A card error
 * is a decline; a network or server error is retryable.
 */
export class StripeGateway implements PaymentGateway {
  readonly kind = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(secretKey: string, apiBase?: string, private readonly limits?: SystemLimits) {
    const base = apiBase ? new URL(apiBase) : null;
    this.stripe = new Stripe(secretKey, {
      maxNetworkRetries: 0,
      timeout: 20_000,
      ...(base && { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol.replace(':', '') as 'http' | 'https' }),
    });
  }

  charge(req: ChargeRequest): Promise<ChargeResult> {
    return limited(this.limits, 'payments', undefined, () => this.chargeNow(req));
  }

  private async chargeNow(req: ChargeRequest): Promise<ChargeResult> {
    if (!req.card.gatewayRef || !req.customerRef) {
      throw new TaskError(
        'PAYMENT_METHOD_NOT_IN_GATEWAY',
        `The ${req.card.brand} card ending ${req.card.last4} is not saved in Stripe.`,
        "Save the card in Stripe (its pm_... reference on the payment method, and the customer's cus_... reference), then retry.",
      );
    }
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: req.amount,
          currency: req.currency.toLowerCase(),
          customer: req.customerRef,
          payment_method: req.card.gatewayRef,
          off_session: true,
          confirm: true,
          description: req.description,
          metadata: req.metadata,
        },
        { idempotencyKey: req.idempotencyKey },
      );
      if (intent.status === 'succeeded' || intent.status === 'processing') return { status: 'succeeded', reference: intent.id };
      return { status: 'declined', reference: intent.id, declineCode: intent.status, message: `The payment needs the customer (${intent.status}).` };
    } catch (e) {
      if (e instanceof Stripe.errors.StripeCardError) {
        return { status: 'declined', reference: (e.raw as { payment_intent?: { id?: string } }).payment_intent?.id ?? null, declineCode: e.decline_code ?? e.code ?? 'card_declined', message: e.message };
      }
      if (e instanceof Stripe.errors.StripeConnectionError) throw unreachable('the payment gateway (Stripe)', 'PAYMENT_GATEWAY');
      if (e instanceof Stripe.errors.StripeAPIError || e instanceof Stripe.errors.StripeRateLimitError) {
        throw new TaskError('PAYMENT_GATEWAY_ERROR', `Stripe had an error: ${e.message}`, 'Nothing was charged; try again in a moment.', true);
      }
      if (e instanceof Stripe.errors.StripeError) throw new TaskError('PAYMENT_REFUSED', `Stripe refused the payment: ${e.message}`, 'Check the Stripe configuration and the saved card.');
      throw e;
    }
  }
}
