import { type Kysely, type Selectable, sql } from 'kysely';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { DB, Executor } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { TaskError } from '../integrations/errors.js';
import type { PaymentGateway } from '../integrations/payments/gateway.js';
import { serviceLifecycle } from '../services/services.lifecycle.js';
import { addMonths } from '../services/services.service.js';
import { type Clock, isoNow } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { TerminationQuote } from './billing.schemas.js';
import type { ChargeKind, ChargesTable } from './billing.tables.js';

export type Charge = Selectable<ChargesTable>;

export interface BillingOptions {
  /** Waits before each new attempt of a declined charge (ms): [1 day, 3 days, 5 days]. */
  dunning: number[];
  /** After the schedule, the service is suspended and the charge tried again this often. */
  retryAfterSuspensionMs: number;
}

export interface NewCharge {
  key: string;
  customerId: number;
  serviceId: number | null;
  productId: number | null;
  kind: ChargeKind;
  description: string;
  amount: number;
  currency: string;
  periodStart?: string | null;
  periodEnd?: string | null;
}

export interface CollectResult {
  charge: Charge;
  outcome: 'paid' | 'already_paid' | 'declined' | 'no_payment_method' | 'gateway_error';
  message: string | null;
  /** The dunning schedule is used up: the service should be suspended. */
  exhausted: boolean;
}

/** The calendar day of an instant, in UTC. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Charges and payments (R5.1, R9.3). A charge is created once per key (the setup fee of a service,
 * a billing period, an add-on's task) and collected from the customer's default payment method,
 * one payment per attempt, each attempt with its own idempotency key at the gateway, so a
 * repeated attempt (a crash, a retried task) never charges twice. A declined charge is tried
 * again on the dunning schedule.
 */
export class BillingService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly gateway: PaymentGateway,
    private readonly catalog: CatalogService,
    readonly options: BillingOptions,
  ) {}

  get gatewayKind() {
    return this.gateway.kind;
  }

  /** Creates a charge, or finds the one created with the same key. */
  async createCharge(db: Executor, c: NewCharge): Promise<Charge> {
    await db
      .insertInto('charges')
      .values({
        idempotencyKey: c.key,
        customerId: c.customerId,
        serviceId: c.serviceId,
        productId: c.productId,
        kind: c.kind,
        description: c.description,
        amount: c.amount,
        currency: c.currency,
        periodStart: c.periodStart ?? null,
        periodEnd: c.periodEnd ?? null,
        status: 'pending',
        nextAttemptAt: null,
        lastError: null,
        paidAt: null,
      })
      .onConflict((oc) => oc.column('idempotencyKey').doNothing())
      .execute();
    return db.selectFrom('charges').selectAll().where('idempotencyKey', '=', c.key).executeTakeFirstOrThrow();
  }

  async getCharge(id: number, db: Executor = this.db): Promise<Charge> {
    const c = await db.selectFrom('charges').selectAll().where('id', '=', id).executeTakeFirst();
    if (!c) throw notFound('Charge', id);
    return c;
  }

  /**
   * One attempt to collect a charge. With `dunning`, a decline schedules the next attempt; without
   * (an add-on paid before it is provisioned), the decline is final for this attempt.
   */
  private readonly observers = new Set<(outcomes: CollectResult['outcome'][]) => void>();

  /** Hears how each collection ended (metrics, issue 12). */
  observe(fn: (outcomes: CollectResult['outcome'][]) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  private told<T extends CollectResult | Map<number, CollectResult>>(r: T): T {
    if (this.observers.size) {
      const outcomes = r instanceof Map ? [...r.values()].map((x) => x.outcome) : [(r as CollectResult).outcome];
      for (const fn of this.observers) fn(outcomes);
    }
    return r;
  }

  async collect(chargeId: number, opts: { dunning: boolean; signal?: AbortSignal | undefined }): Promise<CollectResult> {
    return this.told(await this.collectOne(chargeId, opts));
  }

  private async collectOne(chargeId: number, opts: { dunning: boolean; signal?: AbortSignal | undefined }): Promise<CollectResult> {
    const charge = await this.getCharge(chargeId);
    if (charge.status === 'paid') return { charge, outcome: 'already_paid', message: null, exhausted: false };
    if (charge.status === 'void') throw new AppError('INVALID_TRANSITION', `Charge ${charge.id} was voided.`);
    if (charge.kind === 'credit') throw new AppError('INVALID_TRANSITION', `Charge ${charge.id} is a credit: it is owed to the customer, not collected.`, 'Nothing to collect.');
    const attempt = charge.attempts + 1;
    const pm = await this.db.selectFrom('paymentMethods').selectAll().where('customerId', '=', charge.customerId).where('isDefault', '=', true).executeTakeFirst();
    const customer = await this.db.selectFrom('customers').select(['paymentCustomerRef']).where('id', '=', charge.customerId).executeTakeFirstOrThrow();
    if (!pm) return this.record(charge, attempt, { outcome: 'no_payment_method', message: 'The customer has no default payment method.' }, opts.dunning);

    // The attempt's payment is written before the gateway is asked, under the attempt's key: after
    // a crash, the same attempt asks the gateway again with the same key and gets the same answer.
    const key = `${charge.idempotencyKey}#${attempt}`;
    await this.db
      .insertInto('payments')
      .values({ idempotencyKey: key, chargeId: charge.id, customerId: charge.customerId, paymentMethodId: pm.id, card: `${pm.brand} ${pm.last4}`, gateway: this.gateway.kind, gatewayRef: null, amount: charge.amount, currency: charge.currency, status: 'pending', declineCode: null, message: null, completedAt: null })
      .onConflict((oc) => oc.column('idempotencyKey').doNothing())
      .execute();
    const payment = await this.db.selectFrom('payments').selectAll().where('idempotencyKey', '=', key).executeTakeFirstOrThrow();
    if (payment.status === 'succeeded') return this.record(charge, attempt, { outcome: 'paid', message: null }, opts.dunning);

    try {
      const result = await this.gateway.charge(
        {
          idempotencyKey: key,
          amount: charge.amount,
          currency: charge.currency,
          description: charge.description,
          card: { brand: pm.brand, last4: pm.last4, gatewayRef: pm.gatewayRef },
          customerRef: customer.paymentCustomerRef,
          metadata: { switchboard_charge: String(charge.id), customer: String(charge.customerId) },
        },
        opts.signal,
      );
      await this.db
        .updateTable('payments')
        .set({ status: result.status, gatewayRef: result.reference, declineCode: result.status === 'declined' ? result.declineCode : null, message: result.status === 'declined' ? result.message : null, completedAt: isoNow(this.clock) })
        .where('id', '=', payment.id)
        .execute();
      return this.record(charge, attempt, result.status === 'succeeded' ? { outcome: 'paid', message: null } : { outcome: 'declined', message: `${result.message} (${result.declineCode})` }, opts.dunning);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.db.updateTable('payments').set({ status: 'error', message, completedAt: isoNow(this.clock) }).where('id', '=', payment.id).execute();
      if (!opts.dunning) throw e;
      // An outage is not the customer's decline: try again within the hour, without using up the schedule.
      const next = new Date(this.clock.now().getTime() + 3_600_000).toISOString();
      const updated = await this.db.updateTable('charges').set({ status: 'failed', lastError: message, nextAttemptAt: next }).where('id', '=', charge.id).where('status', '!=', 'paid').returningAll().executeTakeFirst();
      return { charge: updated ?? (await this.getCharge(charge.id)), outcome: 'gateway_error', message, exhausted: false };
    }
  }

  /**
   * One attempt at many charges at once (a group's new services): their default cards read in one
   * query, their payments written before the gateway is asked (one statement), the gateway asked
   * for all (the built-in one in one go, another once per charge, concurrently), and the outcomes
   * written (two statements). Each charge ends as `collect` would end it alone.
   */
  async collectMany(chargeIds: number[], opts: { dunning: boolean; signal?: AbortSignal | undefined }): Promise<Map<number, CollectResult>> {
    if (!chargeIds.length) return new Map();
    return this.collectCharges(await this.db.selectFrom('charges').selectAll().where('id', 'in', chargeIds).execute(), opts);
  }

  /** `collectMany` for charges in hand (just written): their customers' default cards read in one query. */
  async collectCharges(charges: Charge[], opts: { dunning: boolean; signal?: AbortSignal | undefined }): Promise<Map<number, CollectResult>> {
    return this.told(await this.collectChargesNow(charges, opts));
  }

  private async collectChargesNow(charges: Charge[], opts: { dunning: boolean; signal?: AbortSignal | undefined }): Promise<Map<number, CollectResult>> {
    const out = new Map<number, CollectResult>();
    if (!charges.length) return out;
    const cards = await this.db
      .selectFrom('customers as cu')
      .leftJoin('paymentMethods as pm', (j) => j.onRef('pm.customerId', '=', 'cu.id').on('pm.isDefault', '=', true))
      .select(['cu.id as customerId', 'cu.paymentCustomerRef', 'pm.id as pmId', 'pm.brand as pmBrand', 'pm.last4 as pmLast4', 'pm.gatewayRef as pmGatewayRef'])
      .where('cu.id', 'in', [...new Set(charges.map((c) => c.customerId))])
      .execute();
    const cardOf = new Map(cards.map((c) => [c.customerId, c]));
    const rows = charges.map((c) => {
      const card = cardOf.get(c.customerId);
      return { ...c, paymentCustomerRef: card?.paymentCustomerRef ?? null, pmId: card?.pmId ?? null, pmBrand: card?.pmBrand ?? null, pmLast4: card?.pmLast4 ?? null, pmGatewayRef: card?.pmGatewayRef ?? null };
    });
    const now = () => this.clock.now();
    type Row = (typeof rows)[number];
    const ended: { charge: Row; attempt: number; outcome: 'paid' | 'declined' | 'no_payment_method' | 'gateway_error'; message: string | null }[] = [];
    const toAsk: { charge: Row; attempt: number; key: string }[] = [];
    for (const c of rows) {
      const { paymentCustomerRef: _r, pmId, pmBrand: _b, pmLast4: _l, pmGatewayRef: _g, ...charge } = c;
      if (c.status === 'paid') out.set(c.id, { charge, outcome: 'already_paid', message: null, exhausted: false });
      else if (c.status === 'void' || c.kind === 'credit') continue;
      else if (!pmId) ended.push({ charge: c, attempt: c.attempts + 1, outcome: 'no_payment_method', message: 'The customer has no default payment method.' });
      else toAsk.push({ charge: c, attempt: c.attempts + 1, key: `${c.idempotencyKey}#${c.attempts + 1}` });
    }
    let paymentsDone = sql``;
    if (toAsk.length) {
      // Each attempt's payment is written before the gateway is asked, under the attempt's key.
      const payments = await this.db
        .insertInto('payments')
        .values(toAsk.map((a) => ({ idempotencyKey: a.key, chargeId: a.charge.id, customerId: a.charge.customerId, paymentMethodId: a.charge.pmId, card: `${a.charge.pmBrand} ${a.charge.pmLast4}`, gateway: this.gateway.kind, gatewayRef: null, amount: a.charge.amount, currency: a.charge.currency, status: 'pending' as const, declineCode: null, message: null, completedAt: null })))
        .onConflict((oc) => oc.column('idempotencyKey').doUpdateSet((eb) => ({ idempotencyKey: eb.ref('excluded.idempotencyKey') })))
        .returning(['id', 'idempotencyKey', 'status'])
        .execute();
      const paymentOf = new Map(payments.map((p) => [p.idempotencyKey, p]));
      const ask = toAsk.filter((a) => paymentOf.get(a.key)?.status !== 'succeeded');
      for (const a of toAsk) if (paymentOf.get(a.key)?.status === 'succeeded') ended.push({ ...a, outcome: 'paid', message: null });
      const requests = ask.map((a) => ({
        idempotencyKey: a.key,
        amount: a.charge.amount,
        currency: a.charge.currency,
        description: a.charge.description,
        card: { brand: a.charge.pmBrand!, last4: a.charge.pmLast4!, gatewayRef: a.charge.pmGatewayRef ?? null },
        customerRef: a.charge.paymentCustomerRef,
        metadata: { switchboard_charge: String(a.charge.id), customer: String(a.charge.customerId) },
      }));
      const answers = this.gateway.chargeMany
        ? await this.gateway.chargeMany(requests, opts.signal)
        : await Promise.all(requests.map((r) => this.gateway.charge(r, opts.signal).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
      const completed = isoNow(this.clock);
      const updates = ask.map((a, i) => {
        const r = answers[i]!;
        if (r instanceof Error) {
          ended.push({ ...a, outcome: 'gateway_error', message: r.message });
          return { id: paymentOf.get(a.key)!.id, status: 'error', ref: null, code: null, message: r.message };
        }
        ended.push({ ...a, outcome: r.status === 'succeeded' ? 'paid' : 'declined', message: r.status === 'succeeded' ? null : `${r.message} (${r.declineCode})` });
        return { id: paymentOf.get(a.key)!.id, status: r.status, ref: r.reference, code: r.status === 'declined' ? r.declineCode : null, message: r.status === 'declined' ? r.message : null };
      });
      paymentsDone = updates.length
        ? sql`, p as (
            update payments p set status = u.status, gateway_ref = u.ref, decline_code = u.code, message = u.message, completed_at = ${completed}
            from unnest(${updates.map((u) => u.id)}::int[], ${updates.map((u) => u.status)}::text[], ${updates.map((u) => u.ref)}::text[], ${updates.map((u) => u.code)}::text[], ${updates.map((u) => u.message)}::text[]) as u(id, status, ref, code, message)
            where p.id = u.id)`
        : sql``;
    }
    if (ended.length) {
      const schedule = this.options.dunning;
      const t = now();
      const next = (e: (typeof ended)[number]) => {
        if (e.outcome === 'paid') return null;
        // An outage is not the customer's decline: try again within the hour, without using up the schedule.
        if (e.outcome === 'gateway_error') return opts.dunning ? new Date(t.getTime() + 3_600_000).toISOString() : null;
        const wait = e.attempt <= schedule.length ? schedule[e.attempt - 1]! : this.options.retryAfterSuspensionMs;
        return opts.dunning ? new Date(t.getTime() + wait).toISOString() : null;
      };
      // The payments' answers and the charges' outcomes in one statement.
      const updated = await sql<Charge>`
        with u as (
          select * from unnest(${ended.map((e) => e.charge.id)}::int[], ${ended.map((e) => (e.outcome === 'paid' ? 'paid' : 'failed'))}::text[], ${ended.map((e) => e.attempt)}::int[],
                               ${ended.map((e) => e.outcome !== 'gateway_error')}::bool[], ${ended.map(next)}::timestamptz[], ${ended.map((e) => (e.outcome === 'paid' ? null : e.message))}::text[])
            as u(id, status, attempt, counts, next, error)
        )${paymentsDone}
        update charges c set status = u.status, attempts = case when u.counts then u.attempt else c.attempts end,
               paid_at = case when u.status = 'paid' then ${t.toISOString()}::timestamptz else c.paid_at end,
               next_attempt_at = u.next, last_error = u.error
        from u
        where c.id = u.id and (u.status = 'paid' or c.status <> 'paid')
        returning c.*`.execute(this.db);
      const byId = new Map(updated.rows.map((c) => [c.id, c]));
      for (const e of ended) {
        const { paymentCustomerRef: _r, pmId: _p, pmBrand: _b, pmLast4: _l, pmGatewayRef: _g, ...charge } = e.charge;
        out.set(e.charge.id, { charge: byId.get(e.charge.id) ?? charge, outcome: e.outcome, message: e.message, exhausted: opts.dunning && e.outcome === 'declined' && e.attempt > schedule.length });
      }
    }
    return out;
  }

  /** Writes what an attempt came to on the charge, with the next attempt when dunning. */
  private async record(charge: Charge, attempt: number, r: { outcome: 'paid' | 'declined' | 'no_payment_method'; message: string | null }, dunning: boolean): Promise<CollectResult> {
    const now = this.clock.now();
    if (r.outcome === 'paid') {
      const updated = await this.db
        .updateTable('charges')
        .set({ status: 'paid', attempts: attempt, paidAt: now.toISOString(), nextAttemptAt: null, lastError: null })
        .where('id', '=', charge.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { charge: updated, outcome: 'paid', message: null, exhausted: false };
    }
    const schedule = this.options.dunning;
    const wait = attempt <= schedule.length ? schedule[attempt - 1]! : this.options.retryAfterSuspensionMs;
    const updated = await this.db
      .updateTable('charges')
      .set({ status: 'failed', attempts: attempt, lastError: r.message, nextAttemptAt: dunning ? new Date(now.getTime() + wait).toISOString() : null })
      .where('id', '=', charge.id)
      .where('status', '!=', 'paid')
      .returningAll()
      .executeTakeFirst();
    return { charge: updated ?? (await this.getCharge(charge.id)), outcome: r.outcome, message: r.message, exhausted: dunning && attempt > schedule.length };
  }

  /**
   * Charges a task of a playbook (payment.charge): created once per task, collected before the
   * next task runs. A decline fails the task with the reason; a retried run finds the charge paid.
   */
  async chargeForTask(input: NewCharge, signal?: AbortSignal): Promise<{ charge: Charge; paidNow: boolean }> {
    const charge = await this.createCharge(this.db, input);
    if (charge.status === 'paid') return { charge, paidNow: false };
    if (charge.amount === 0) {
      const free = await this.db.updateTable('charges').set({ status: 'paid', paidAt: isoNow(this.clock) }).where('id', '=', charge.id).returningAll().executeTakeFirstOrThrow();
      return { charge: free, paidNow: false };
    }
    const r = await this.collect(charge.id, { dunning: false, signal });
    if (r.outcome === 'paid' || r.outcome === 'already_paid') return { charge: r.charge, paidNow: r.outcome === 'paid' };
    if (r.outcome === 'no_payment_method') {
      throw new TaskError('NO_PAYMENT_METHOD', 'The customer has no default payment method.', "Add a card on the customer's page and make it the default, then retry.");
    }
    throw new TaskError('PAYMENT_DECLINED', `The payment of ${formatMoney(charge.amount, charge.currency)} was declined: ${r.message}`, 'Ask the customer for another card (make it the default on their page), then retry.');
  }

  /**
   * Billing starts with the service (R5.1): its first period, the setup fee, and the first
   * period's price (or the one-off price), each charged once to the default payment method.
   * A decline does not undo the activation: the charge goes to the dunning schedule.
   */
  async startService(serviceId: number, signal?: AbortSignal): Promise<Charge[]> {
    const s = await this.db.selectFrom('services').selectAll().where('id', '=', serviceId).executeTakeFirstOrThrow();
    const product = await this.catalog.get(s.productId);
    const start = s.currentPeriodStart ?? dayOf(this.clock.now());
    const end = s.currentPeriodEnd ?? addMonths(new Date(`${start}T00:00:00Z`), 1);
    const charges = await transaction(this.db, async (trx) => {
      await trx.updateTable('services').set({ currentPeriodStart: start, currentPeriodEnd: end }).where('id', '=', serviceId).execute();
      const out: Charge[] = [];
      const base = { customerId: s.customerId, serviceId, productId: product.id, currency: product.currency };
      if (product.billing === 'one_off') {
        if (product.setupFee > 0) out.push(await this.createCharge(trx, { ...base, key: `service:${serviceId}:one-off`, kind: 'one_off', amount: product.setupFee, description: `${product.name} (${s.name})`, periodStart: start, periodEnd: end }));
      } else {
        if (product.setupFee > 0) out.push(await this.createCharge(trx, { ...base, key: `service:${serviceId}:setup`, kind: 'setup', amount: product.setupFee, description: `Setup fee: ${product.name} (${s.name})` }));
        if (product.recurringPrice > 0) out.push(await this.periodCharge(trx, s, product, start, end));
      }
      return out;
    });
    for (const c of charges) if (c.status !== 'paid') await this.collect(c.id, { dunning: true, signal }).catch(() => undefined);
    return charges;
  }

  /**
   * Billing starts for many new services at once (a group's runs), with the prices their
   * customers confirmed: their first periods set and their charges written in one statement, then
   * collected together (`collectCharges`). The same for each service as `startService`; repeating
   * it changes nothing (the period stays, the charges are keyed).
   */
  async startServices(items: { serviceId: number; customerId: number; productId: number; productName: string; serviceName: string; billing: string; setupFee: number; recurringPrice: number; currency: string }[], signal?: AbortSignal): Promise<Map<number, Charge[]>> {
    const out = new Map<number, Charge[]>(items.map((i) => [i.serviceId, []]));
    if (!items.length) return out;
    const col = <T>(f: (i: (typeof items)[number]) => T) => items.map(f);
    const { rows: charges } = await sql<Charge>`
      with r as (
        select * from unnest(${col((i) => i.serviceId)}::int[], ${col((i) => i.customerId)}::int[], ${col((i) => i.productId)}::int[], ${col((i) => i.productName)}::text[],
                             ${col((i) => i.serviceName)}::text[], ${col((i) => i.billing)}::text[], ${col((i) => i.setupFee)}::int[], ${col((i) => i.recurringPrice)}::int[], ${col((i) => i.currency)}::text[])
          as r(service_id, customer_id, product_id, product_name, service_name, billing, setup_fee, recurring_price, currency)
      ), s as (
        update services s set current_period_start = coalesce(s.current_period_start, ${dayOf(this.clock.now())}::date),
                              current_period_end = coalesce(s.current_period_end, (coalesce(s.current_period_start, ${dayOf(this.clock.now())}::date) + interval '1 month')::date)
        from r where s.id = r.service_id
        returning s.id, s.current_period_start::text as start, s.current_period_end::text as end_
      ), c as (
        select 'service:' || r.service_id || ':one-off' as key, 'one_off' as kind, r.setup_fee as amount, r.product_name || ' (' || r.service_name || ')' as description, s.start, s.end_, r.*
          from r join s on s.id = r.service_id where r.billing = 'one_off' and r.setup_fee > 0
        union all
        select 'service:' || r.service_id || ':setup', 'setup', r.setup_fee, 'Setup fee: ' || r.product_name || ' (' || r.service_name || ')', null, null, r.*
          from r join s on s.id = r.service_id where r.billing <> 'one_off' and r.setup_fee > 0
        union all
        select 'service:' || r.service_id || ':period:' || s.start, 'recurring', r.recurring_price, r.product_name || ' (' || r.service_name || '), ' || s.start || ' to ' || s.end_, s.start, s.end_, r.*
          from r join s on s.id = r.service_id where r.billing <> 'one_off' and r.recurring_price > 0
      )
      insert into charges (idempotency_key, customer_id, service_id, product_id, kind, description, amount, currency, period_start, period_end, status)
      select key, customer_id, service_id, product_id, kind, description, amount, currency, start::date, end_::date, 'pending' from c
      on conflict (idempotency_key) do update set idempotency_key = excluded.idempotency_key
      returning *`.execute(this.db);
    // A decline does not undo the activation: the charge goes to the dunning schedule.
    await this.collectCharges(charges.filter((c) => c.status !== 'paid'), { dunning: true, signal }).catch(() => undefined);
    for (const c of charges) out.get(c.serviceId!)?.push(c);
    return out;
  }

  private periodCharge(db: Executor, s: { id: number; customerId: number; name: string }, product: { id: number; name: string; recurringPrice: number; currency: string }, start: string, end: string) {
    return this.createCharge(db, {
      key: `service:${s.id}:period:${start}`,
      customerId: s.customerId,
      serviceId: s.id,
      productId: product.id,
      kind: 'recurring',
      amount: product.recurringPrice,
      currency: product.currency,
      description: `${product.name} (${s.name}), ${start} to ${end}`,
      periodStart: start,
      periodEnd: end,
    });
  }

  /**
   * What is due at the end of a service's period `periodEnd` (R5.1): renew (a new period, its price
   * and its recurring add-ons charged) when auto-renew is on or the contract runs on; otherwise the
   * service expires. Decided and written once: a second call for the same period finds nothing to do.
   */
  async renew(serviceId: number, periodEnd: string): Promise<{ action: 'renewed'; charges: Charge[] } | { action: 'expire' } | { action: 'nothing' }> {
    return transaction(this.db, async (trx) => {
      const s = await trx.selectFrom('services').selectAll().where('id', '=', serviceId).forUpdate().executeTakeFirst();
      if (!s || s.status !== 'active' || s.currentPeriodEnd !== periodEnd) return { action: 'nothing' as const };
      const product = await this.catalog.get(s.productId, trx);
      const contractRunsOn = s.contractEnd !== null && s.contractEnd > periodEnd;
      if (product.billing === 'one_off' ? !s.autoRenew : !s.autoRenew && !contractRunsOn) return { action: 'expire' as const };
      const nextEnd = addMonths(new Date(`${periodEnd}T00:00:00Z`), 1);
      await trx.updateTable('services').set({ currentPeriodStart: periodEnd, currentPeriodEnd: nextEnd, updatedAt: isoNow(this.clock) }).where('id', '=', serviceId).execute();
      const charges: Charge[] = [];
      const price = product.billing === 'one_off' ? product.setupFee : product.recurringPrice;
      if (price > 0) charges.push(await this.periodCharge(trx, s, { ...product, recurringPrice: price }, periodEnd, nextEnd));
      const addons = await trx.selectFrom('serviceAddons').selectAll().where('serviceId', '=', serviceId).where('status', '=', 'active').where('billing', '=', 'recurring').execute();
      for (const a of addons) {
        const ap = await this.catalog.get(a.productId, trx);
        if (ap.recurringPrice > 0) {
          charges.push(
            await this.createCharge(trx, {
              key: `service:${serviceId}:period:${periodEnd}:addon:${a.id}`,
              customerId: s.customerId,
              serviceId,
              productId: ap.id,
              kind: 'addon_recurring',
              amount: ap.recurringPrice,
              currency: ap.currency,
              description: `${ap.name} on ${s.name}, ${periodEnd} to ${nextEnd}`,
              periodStart: periodEnd,
              periodEnd: nextEnd,
            }),
          );
        }
      }
      if (s.contractEnd !== null && s.contractEnd <= periodEnd && s.autoRenew && product.contractMonths > 0) {
        // The contract rolls over for another term.
        await trx.updateTable('services').set({ contractEnd: addMonths(new Date(`${s.contractEnd}T00:00:00Z`), product.contractMonths) }).where('id', '=', serviceId).execute();
      }
      return { action: 'renewed' as const, charges };
    });
  }

  /** Services whose period has ended, and charges whose next attempt is due (by the one clock). */
  async due(limit = 1000) {
    const now = this.clock.now();
    const [renewals, retries] = await Promise.all([
      this.db.selectFrom('services').select(['id', 'currentPeriodEnd']).where('status', '=', 'active').where('currentPeriodEnd', '<=', dayOf(now)).orderBy('currentPeriodEnd').limit(limit).execute(),
      this.db.selectFrom('charges').select(['id', 'attempts']).where('status', '=', 'failed').where('nextAttemptAt', '<=', now.toISOString()).orderBy('nextAttemptAt').limit(limit).execute(),
    ]);
    return { renewals: renewals.map((r) => ({ serviceId: r.id, periodEnd: r.currentPeriodEnd! })), retries: retries.map((r) => ({ chargeId: r.id, attempt: r.attempts + 1 })) };
  }

  /** Staff ask for a failed charge to be tried now (the customer gave a new card). */
  async markForRetry(ctx: Ctx, chargeId: number): Promise<Charge> {
    return transaction(this.db, async (trx) => {
      const c = await this.getCharge(chargeId, trx);
      if (c.status === 'paid') throw new AppError('INVALID_TRANSITION', `Charge ${c.id} is already paid.`, 'Nothing to do.');
      if (c.status === 'void') throw new AppError('INVALID_TRANSITION', `Charge ${c.id} was voided.`, 'Nothing is owed for it: nothing to try again.');
      if (c.kind === 'credit') throw new AppError('INVALID_TRANSITION', `Charge ${c.id} is a credit: it is owed to the customer, not collected.`, 'Nothing to try again.');
      await recordAudit(trx, ctx, { action: 'charge.retry', entityType: 'charge', entityId: c.id });
      return c;
    });
  }

  // --- termination (issue 13, point 16) ------------------------------------------------------

  /**
   * What terminating a service today credits and charges: the quote staff see before they
   * confirm (409 for a service that cannot be terminated), computed as `settleTermination` writes it.
   */
  async terminationQuote(serviceId: number): Promise<TerminationQuote> {
    const s = await this.db.selectFrom('services').selectAll().where('id', '=', serviceId).executeTakeFirst();
    if (!s) throw notFound('Service', serviceId);
    if (!serviceLifecycle.can(s.status, 'terminated')) {
      throw new AppError('INVALID_TRANSITION', `${s.name} is ${s.status}; it cannot be terminated, so there is nothing to quote.`, 'Only an active, suspended or expired service is terminated.', { status: s.status });
    }
    return this.quoteFor(this.db, s);
  }

  /**
   * The credit of the current period's unused days (pro rata by day, the day of termination not
   * used) unless the product says not to, and the early termination fee when the minimum term
   * (contractMonths from activation) has not ended.
   */
  private async quoteFor(db: Executor, s: { id: number; productId: number; activatedAt: string | null; currentPeriodStart: string | null; currentPeriodEnd: string | null }): Promise<TerminationQuote> {
    const product = await this.catalog.get(s.productId, db);
    const today = dayOf(this.clock.now());
    const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
    const period =
      s.currentPeriodStart && product.billing === 'recurring'
        ? await db.selectFrom('charges').select(['amount']).where('idempotencyKey', '=', `service:${s.id}:period:${s.currentPeriodStart}`).where('status', '!=', 'void').executeTakeFirst()
        : undefined;
    let credit: TerminationQuote['credit'] = null;
    let creditReason: TerminationQuote['creditReason'];
    if (!product.prorateOnTermination) creditReason = 'product_says_no';
    else if (!period || !s.currentPeriodStart || !s.currentPeriodEnd || period.amount <= 0) creditReason = 'no_period_charge';
    else if (today >= s.currentPeriodEnd) creditReason = 'period_over';
    else {
      const periodDays = days(s.currentPeriodStart, s.currentPeriodEnd);
      const unusedDays = Math.min(periodDays, days(today, s.currentPeriodEnd));
      credit = { amount: Math.round((period.amount * unusedDays) / periodDays), unusedDays, periodDays, periodStart: s.currentPeriodStart, periodEnd: s.currentPeriodEnd, charged: period.amount };
      creditReason = 'credited';
    }
    const minimumTermEnd = s.activatedAt && product.contractMonths > 0 ? addMonths(new Date(s.activatedAt), product.contractMonths) : null;
    const earlyTermination = minimumTermEnd && today < minimumTermEnd && product.earlyTerminationFee > 0 ? { amount: product.earlyTerminationFee, minimumTermEnd, contractMonths: product.contractMonths } : null;
    return { serviceId: s.id, asOf: today, currency: product.currency, credit, creditReason, earlyTermination, total: (earlyTermination?.amount ?? 0) - (credit?.amount ?? 0) };
  }

  /**
   * Writes what terminating costs or gives back, in the transaction that terminates the service:
   * the credit line (a negative amount) and the early termination charge, each under a key of its
   * own, so a replayed step writes nothing twice. Returns the charges as they are.
   */
  async settleTermination(trx: Executor, serviceId: number): Promise<{ quote: TerminationQuote; charges: Charge[] }> {
    const s = await trx.selectFrom('services').selectAll().where('id', '=', serviceId).executeTakeFirstOrThrow();
    const product = await this.catalog.get(s.productId, trx);
    const quote = await this.quoteFor(trx, s);
    const base = { customerId: s.customerId, serviceId, productId: product.id, currency: quote.currency };
    const charges: Charge[] = [];
    if (quote.credit) {
      const c = quote.credit;
      charges.push(await this.createCharge(trx, { ...base, key: `service:${serviceId}:termination:credit`, kind: 'credit', amount: -c.amount, description: `Credit: ${product.name} (${s.name}), ${c.unusedDays} of ${c.periodDays} days unused, ${quote.asOf} to ${c.periodEnd}`, periodStart: quote.asOf, periodEnd: c.periodEnd }));
    }
    if (quote.earlyTermination) {
      const e = quote.earlyTermination;
      charges.push(await this.createCharge(trx, { ...base, key: `service:${serviceId}:termination:early`, kind: 'early_termination', amount: e.amount, description: `Early termination charge: ${product.name} (${s.name}), minimum term to ${e.minimumTermEnd}` }));
    }
    return { quote, charges };
  }

  /**
   * Collects a terminated service's early termination charge once (after the commit that wrote
   * it; a repeated step finds it attempted or paid). A decline leaves it failed on the billing
   * tab, for staff to try again.
   */
  async collectTerminationFee(serviceId: number, signal?: AbortSignal): Promise<CollectResult | null> {
    const c = await this.db.selectFrom('charges').select(['id']).where('idempotencyKey', '=', `service:${serviceId}:termination:early`).where('status', '=', 'pending').where('attempts', '=', 0).executeTakeFirst();
    if (!c) return null;
    return this.collect(c.id, { dunning: false, signal }).catch(() => null);
  }

  /** How many of a service's charges are still unpaid. */
  async unpaidFor(serviceId: number): Promise<number> {
    const r = await this.db.selectFrom('charges').select((eb) => eb.fn.countAll<number>().as('n')).where('serviceId', '=', serviceId).where('status', 'in', ['pending', 'failed']).where('kind', '!=', 'credit').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** A customer's charges and payments, with totals per billing month (period start, else date). */
  /** A service's charges, newest first. */
  async forService(serviceId: number) {
    return this.db.selectFrom('charges').selectAll().where('serviceId', '=', serviceId).orderBy('createdAt', 'desc').orderBy('id', 'desc').execute();
  }

  async forCustomer(customerId: number) {
    const [charges, payments] = await Promise.all([
      this.db.selectFrom('charges').selectAll().where('customerId', '=', customerId).orderBy('createdAt', 'desc').orderBy('id', 'desc').execute(),
      this.db.selectFrom('payments').selectAll().where('customerId', '=', customerId).orderBy('createdAt', 'desc').orderBy('id', 'desc').execute(),
    ]);
    const { rows } = await sql<{ period: string; currency: string; charged: number; paid: number; outstanding: number }>`
      select to_char(coalesce(period_start, created_at::date), 'YYYY-MM') as period, currency,
             sum(amount)::int as charged,
             coalesce(sum(amount) filter (where status = 'paid'), 0)::int as paid,
             coalesce(sum(amount) filter (where status in ('pending', 'failed')), 0)::int as outstanding
      from charges where customer_id = ${customerId} and status <> 'void'
      group by 1, 2 order by 1 desc, 2`.execute(this.db);
    return { charges, payments, totals: rows };
  }
}

export function formatMoney(minor: number, currency: string): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(minor / 100);
}
