import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { TaskError } from '../errors.js';
import type { SimCall, Simulators } from '../simulators.js';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './gateway.js';

/**
 * The built-in test gateway. Like payment providers' test cards, the last four digits decide:
 * 0002 declined, 9995 insufficient funds, 0069 expired card, 0127 incorrect CVC; 0119 makes the
 * gateway fail (try again later). Any other card is approved. It remembers each idempotency key's
 * answer, so a repeated request is answered the same way and charged once.
 */
export const testCards: Record<string, { declineCode: string; message: string } | 'error'> = {
  '0002': { declineCode: 'card_declined', message: 'Your card was declined.' },
  '9995': { declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '0069': { declineCode: 'expired_card', message: 'Your card has expired.' },
  '0127': { declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  '0119': 'error',
};

export class TestGateway implements PaymentGateway {
  readonly kind = 'test' as const;
  constructor(
    private readonly db: Kysely<DB>,
    private readonly sim: Simulators,
  ) {}

  async charge(req: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult> {
    const earlier = await this.db.selectFrom('testGatewayCharges').selectAll().where('idempotencyKey', '=', req.idempotencyKey).executeTakeFirst();
    if (earlier) return this.answer(earlier.outcome, earlier.reference);
    const call = await this.sim.call('payments', 'charge', req.idempotencyKey, signal);
    const rule = testCards[req.card.last4];
    if (rule === 'error') {
      await this.sim.record('payments', 'charge', req.idempotencyKey, 'processing error', call);
      throw new TaskError('PAYMENT_GATEWAY_ERROR', 'The payment gateway had a processing error.', 'Nothing was charged; try again in a moment.', true);
    }
    const outcome = rule ? `declined:${rule.declineCode}` : 'succeeded';
    const reference = `${rule ? 'dec' : 'ch'}_test_${randomBytes(8).toString('hex')}`;
    await this.db
      .insertInto('testGatewayCharges')
      .values({ idempotencyKey: req.idempotencyKey, card: `${req.card.brand} ${req.card.last4}`, amount: req.amount, currency: req.currency, outcome, reference })
      .onConflict((oc) => oc.column('idempotencyKey').doNothing())
      .execute();
    const stored = await this.db.selectFrom('testGatewayCharges').selectAll().where('idempotencyKey', '=', req.idempotencyKey).executeTakeFirstOrThrow();
    await this.sim.record('payments', 'charge', req.idempotencyKey, stored.outcome, call);
    return this.answer(stored.outcome, stored.reference);
  }

  /**
   * A group's charges at once: one simulated call each, then their answers written in one
   * statement; a key answered before keeps its first answer (the statement gives it back).
   */
  async chargeMany(reqs: ChargeRequest[], signal?: AbortSignal): Promise<(ChargeResult | Error)[]> {
    if (!reqs.length) return [];
    let timings: SimCall[];
    try {
      timings = await this.sim.callMany('payments', 'charge', reqs.map((r) => r.idempotencyKey), signal);
    } catch (e) {
      return reqs.map(() => e as Error);
    }
    const decided = reqs.map((r) => {
      const rule = testCards[r.card.last4];
      if (rule === 'error') return { r, error: new TaskError('PAYMENT_GATEWAY_ERROR', 'The payment gateway had a processing error.', 'Nothing was charged; try again in a moment.', true) };
      return { r, outcome: rule ? `declined:${rule.declineCode}` : 'succeeded', reference: `${rule ? 'dec' : 'ch'}_test_${randomBytes(8).toString('hex')}` };
    });
    const stored = decided.filter((d) => !d.error);
    const rows = stored.length
      ? await this.db
          .insertInto('testGatewayCharges')
          .values(stored.map((d) => ({ idempotencyKey: d.r.idempotencyKey, card: `${d.r.card.brand} ${d.r.card.last4}`, amount: d.r.amount, currency: d.r.currency, outcome: d.outcome!, reference: d.reference! })))
          .onConflict((oc) => oc.column('idempotencyKey').doUpdateSet((eb) => ({ idempotencyKey: eb.ref('excluded.idempotencyKey') })))
          .returning(['idempotencyKey', 'outcome', 'reference'])
          .execute()
      : [];
    const answers = new Map<string, ChargeResult | Error>();
    for (const row of rows) answers.set(row.idempotencyKey, this.answer(row.outcome, row.reference));
    for (const d of decided) if (d.error) answers.set(d.r.idempotencyKey, d.error);
    await this.sim.recordMany('payments', 'charge', decided.map((d) => ({ key: d.r.idempotencyKey, outcome: d.error ? 'processing error' : (rows.find((x) => x.idempotencyKey === d.r.idempotencyKey)?.outcome ?? d.outcome!) })), timings);
    return reqs.map((r) => answers.get(r.idempotencyKey)!);
  }

  private answer(outcome: string, reference: string): ChargeResult {
    if (outcome === 'succeeded') return { status: 'succeeded', reference };
    const code = outcome.replace(/^declined:/, '');
    const rule = Object.values(testCards).find((r) => r !== 'error' && r.declineCode === code) as { message: string } | undefined;
    return { status: 'declined', reference, declineCode: code, message: rule?.message ?? 'Your card was declined.' };
  }
}
