import { randomBytes, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DbNotifier } from '../db/notifier.js';
import { type DB, type Executor, json } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { SecretBox } from '../users/secret-box.js';
import { resendable } from './webhooks.lifecycle.js';
import { type Delivery, type DeliveryStatus, type Endpoint, type EndpointInput, type EndpointUpdate, type EndpointWithSecret, TEST_EVENT } from './webhooks.schemas.js';

/** The channel that wakes every process's sender (the triggers NOTIFY it too). */
export const WEBHOOKS_CHANNEL = 'switchboard_webhooks';

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** An event's ID, as the triggers make them too: `evt_` and 32 hex digits. */
export const newEventId = () => `evt_${randomUUID().replace(/-/g, '')}`;

/** What an endpoint looks like in the audit log: never its secret. */
const audited = (e: { url: string; events: string[]; description: string; enabled: boolean }) => ({ url: e.url, events: e.events, description: e.description, enabled: e.enabled });

/**
 * The endpoints admins register and their delivery logs (issue 12). The events themselves are
 * written by the database (the triggers of migration 0011) and sent by WebhookSender; this is the
 * staff's side: endpoints (secrets sealed, shown once), "Send again", a test event.
 */
export class WebhooksService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly d: { box: SecretBox; notifier: DbNotifier; wake: () => void },
  ) {}

  private endpoints(db: Executor = this.db) {
    return db
      .selectFrom('webhookEndpoints as e')
      .select([
        'e.id',
        'e.url',
        'e.description',
        'e.events',
        'e.enabled',
        sql<string | null>`case when e.previous_secret_until > now() then e.previous_secret_until end`.as('previousSecretUntil'),
        'e.createdAt',
        'e.updatedAt',
        sql<Endpoint['lastDelivery']>`(
          select jsonb_build_object('status', d.status, 'lastStatus', d.last_status, 'at', coalesce(d.last_attempt_at, d.created_at))
            from webhook_deliveries d where d.endpoint_id = e.id order by d.id desc limit 1)`.as('lastDelivery'),
      ])
      .where('e.kind', '=', 'webhook');
  }

  async list(): Promise<Endpoint[]> {
    return (await this.endpoints().orderBy('e.createdAt').orderBy('e.id').execute()) as Endpoint[];
  }

  async get(id: string, db: Executor = this.db): Promise<Endpoint> {
    const row = await this.endpoints(db).where('e.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Webhook endpoint', id, 'Check the endpoint ID; the Webhooks page lists them.');
    return row as Endpoint;
  }

  /** Locks an endpoint for a change, or says it does not exist. */
  private async lock(trx: Executor, id: string) {
    // FOR NO KEY UPDATE: an admin's edit does not block the triggers that write deliveries for this endpoint.
    const row = await trx.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).where('kind', '=', 'webhook').forNoKeyUpdate().executeTakeFirst();
    if (!row) throw notFound('Webhook endpoint', id, 'Check the endpoint ID; the Webhooks page lists them.');
    return row;
  }

  /** Registers an endpoint; its secret (given, or made here) is shown in this answer only. */
  async create(ctx: Ctx, input: EndpointInput): Promise<EndpointWithSecret> {
    const secret = input.secret ?? newSecret();
    const id = randomUUID();
    const created = await transaction(this.db, async (trx) => {
      await trx
        .insertInto('webhookEndpoints')
        .values({ id, url: input.url, description: input.description, events: input.events, secretSealed: this.d.box.seal(secret), enabled: input.enabled, createdBy: ctx.actor.id })
        .execute();
      await recordAudit(trx, ctx, { action: 'webhook_endpoint.create', entityType: 'webhook_endpoint', entityId: id, after: audited(input) });
      return { ...(await this.get(id, trx)), secret };
    });
    this.d.wake(); // this process's sender learns that an endpoint is enabled
    return created;
  }

  /**
   * Changes an endpoint. Disabling it fails what was still waiting for it (it gets nothing more;
   * "Send again" once it is enabled); events from then on are not written for it.
   */
  async update(ctx: Ctx, id: string, patch: EndpointUpdate): Promise<Endpoint> {
    const updated = await transaction(this.db, async (trx) => {
      const before = await this.lock(trx, id);
      const after = await trx
        .updateTable('webhookEndpoints')
        .set({
          ...(patch.url !== undefined && { url: patch.url }),
          ...(patch.events !== undefined && { events: patch.events }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.enabled !== undefined && { enabled: patch.enabled }),
          updatedAt: sql`now()`,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (before.enabled && !after.enabled) {
        await trx
          .updateTable('webhookDeliveries')
          .set({ status: 'failed', nextAttemptAt: null, lastError: 'The endpoint was disabled before this was sent. Enable it, then use Send again.', updatedAt: sql`now()` })
          .where('endpointId', '=', id)
          .where('status', '=', 'pending') // pending -> failed, as the lifecycle allows (a sending one ends on its own)
          .execute();
      }
      await recordAudit(trx, ctx, { action: 'webhook_endpoint.update', entityType: 'webhook_endpoint', entityId: id, before: audited(before), after: audited(after) });
      return this.get(id, trx);
    });
    this.d.wake(); // enabled again: what is due for it goes
    return updated;
  }

  /**
   * A listener of another kind (a TM Forum hub's, kind 'tmf'): an endpoint the same sender
   * delivers to, with the same claims, retries and log, shaped by the kind's renderer. It carries
   * no secret; the Webhooks page does not list it (it belongs to whoever registered it).
   */
  async createListener(ctx: Ctx, input: { kind: string; url: string; events: string[]; description: string }): Promise<{ id: string; url: string; events: string[] }> {
    if (input.kind === 'webhook') throw new AppError('BAD_REQUEST', 'A webhook endpoint is created with its secret (POST /api/webhooks).');
    const id = randomUUID();
    await transaction(this.db, async (trx) => {
      await trx.insertInto('webhookEndpoints').values({ id, kind: input.kind, url: input.url, description: input.description, events: input.events, secretSealed: null, enabled: true, createdBy: ctx.actor.id }).execute();
      await recordAudit(trx, ctx, { action: 'webhook_listener.create', entityType: 'webhook_endpoint', entityId: id, after: input });
    });
    this.d.wake();
    return { id, url: input.url, events: input.events };
  }

  /** A listener of that kind, or not found. */
  async listener(kind: string, id: string): Promise<{ id: string; url: string; events: string[] }> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.db.selectFrom('webhookEndpoints').select(['id', 'url', 'events']).where('id', '=', id).where('kind', '=', kind).executeTakeFirst() : undefined;
    if (!row) throw notFound('Listener', id, 'Use the ID the hub registration answered with.');
    return row;
  }

  /** Removes a listener of that kind and its delivery log. */
  async removeListener(ctx: Ctx, kind: string, id: string): Promise<void> {
    const before = await this.listener(kind, id);
    await transaction(this.db, async (trx) => {
      await trx.deleteFrom('webhookEndpoints').where('id', '=', id).where('kind', '=', kind).execute();
      await recordAudit(trx, ctx, { action: 'webhook_listener.delete', entityType: 'webhook_endpoint', entityId: id, before });
    });
  }

  /** Deletes an endpoint and its delivery log; a delivery under way is not recorded any more. */
  async remove(ctx: Ctx, id: string): Promise<void> {
    await transaction(this.db, async (trx) => {
      const before = await this.lock(trx, id);
      await trx.deleteFrom('webhookEndpoints').where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'webhook_endpoint.delete', entityType: 'webhook_endpoint', entityId: id, before: audited(before) });
    });
  }

  /**
   * A new secret (given, or made here), shown in this answer only. The previous one keeps
   * signing too for `keepPreviousHours` (each request carries both signatures), so the receiver
   * can switch without losing a request.
   */
  async rotateSecret(ctx: Ctx, id: string, input: { secret?: string | undefined; keepPreviousHours: number }): Promise<EndpointWithSecret> {
    const secret = input.secret ?? newSecret();
    return transaction(this.db, async (trx) => {
      const before = await this.lock(trx, id);
      const keep = input.keepPreviousHours > 0;
      await trx
        .updateTable('webhookEndpoints')
        .set({
          secretSealed: this.d.box.seal(secret),
          previousSecretSealed: keep ? before.secretSealed : null,
          previousSecretUntil: keep ? sql`now() + make_interval(hours => ${input.keepPreviousHours})` : null,
          updatedAt: sql`now()`,
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(trx, ctx, { action: 'webhook_endpoint.rotate_secret', entityType: 'webhook_endpoint', entityId: id, after: { keepPreviousHours: input.keepPreviousHours } });
      return { ...(await this.get(id, trx)), secret };
    });
  }

  private deliveryRows(db: Executor = this.db) {
    return db
      .selectFrom('webhookDeliveries as d')
      .innerJoin('webhookEvents as ev', 'ev.id', 'd.eventId')
      .select([
        'd.id',
        'd.endpointId',
        'd.status',
        'd.attempts',
        'd.nextAttemptAt',
        'd.lastAttemptAt',
        'd.lastStatus',
        'd.lastResponse',
        'd.lastError',
        'd.lastDurationMs',
        'd.deliveredAt',
        'd.createdAt',
        'ev.id as eventId',
        'ev.type as eventType',
        'ev.occurredAt',
        'ev.data',
      ]);
  }

  private toDelivery(r: Awaited<ReturnType<ReturnType<WebhooksService['deliveryRows']>['executeTakeFirstOrThrow']>>): Delivery {
    const { eventId, eventType, occurredAt, data, ...rest } = r;
    return { ...rest, status: rest.status as DeliveryStatus, event: { id: eventId, type: eventType, timestamp: occurredAt, data } };
  }

  /** An endpoint's delivery log, newest first. */
  async deliveries(endpointId: string, q: { limit: number; offset: number; status?: DeliveryStatus | undefined }): Promise<{ items: Delivery[]; hasMore: boolean }> {
    await this.get(endpointId);
    const rows = await this.deliveryRows()
      .where('d.endpointId', '=', endpointId)
      .$if(q.status !== undefined, (w) => w.where('d.status', '=', q.status!))
      .orderBy('d.id', 'desc')
      .limit(q.limit + 1)
      .offset(q.offset)
      .execute();
    return { items: rows.slice(0, q.limit).map((r) => this.toDelivery(r)), hasMore: rows.length > q.limit };
  }

  private async delivery(endpointId: string, deliveryId: number, db: Executor = this.db): Promise<Delivery> {
    const row = await this.deliveryRows(db).where('d.id', '=', deliveryId).where('d.endpointId', '=', endpointId).executeTakeFirst();
    if (!row) throw notFound('Webhook delivery', deliveryId, "Check the delivery ID in the endpoint's delivery log.");
    return this.toDelivery(row);
  }

  /** The endpoint must be enabled to be sent anything. */
  private mustBeEnabled(e: { enabled: boolean; url: string }, what: string): void {
    if (!e.enabled) throw new AppError('CONFLICT', `The endpoint ${e.url} is disabled: it is sent nothing.`, `Enable it first, then ${what}.`);
  }

  /** Queues a delivered or failed delivery again, with the same event (the same webhook-id). */
  async resend(ctx: Ctx, endpointId: string, deliveryId: number): Promise<Delivery> {
    const queued = await transaction(this.db, async (trx) => {
      this.mustBeEnabled(await this.lock(trx, endpointId), 'send it again');
      const current = await this.delivery(endpointId, deliveryId, trx);
      const moved = await trx
        .updateTable('webhookDeliveries')
        .set({ status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, deliveredAt: null, updatedAt: sql`now()` })
        .where('id', '=', deliveryId)
        .where('status', 'in', [...resendable])
        .returning('id')
        .executeTakeFirst();
      if (!moved) {
        throw new AppError(
          'INVALID_TRANSITION',
          `Delivery ${deliveryId} is ${current.status}: it is on its way already.`,
          current.nextAttemptAt ? `Its next attempt is at ${current.nextAttemptAt}; send it again once it is delivered or failed.` : 'Send it again once it is delivered or failed.',
          { from: current.status, to: 'pending' },
        );
      }
      await recordAudit(trx, ctx, { action: 'webhook_delivery.resend', entityType: 'webhook_delivery', entityId: deliveryId, before: { status: current.status, attempts: current.attempts }, after: { status: 'pending', eventId: current.event.id } });
      await this.d.notifier.notify(trx, WEBHOOKS_CHANNEL, '');
      return this.delivery(endpointId, deliveryId, trx);
    });
    this.d.wake();
    return queued;
  }

  /** Sends this endpoint (whatever its events) a `webhook.test` event, to try the receiver. */
  async sendTest(ctx: Ctx, endpointId: string): Promise<Delivery> {
    const sent = await transaction(this.db, async (trx) => {
      this.mustBeEnabled(await this.lock(trx, endpointId), 'send the test event');
      const eventId = newEventId();
      await trx
        .insertInto('webhookEvents')
        .values({ id: eventId, type: TEST_EVENT, data: json({ endpointId, message: 'A test event from Switchboard: the receiver and its signature check work.', requestedBy: ctx.actor.label }) })
        .execute();
      const row = await trx.insertInto('webhookDeliveries').values({ eventId, endpointId, nextAttemptAt: sql`now()` }).returning('id').executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'webhook_endpoint.test', entityType: 'webhook_endpoint', entityId: endpointId, after: { eventId } });
      await this.d.notifier.notify(trx, WEBHOOKS_CHANNEL, '');
      return this.delivery(endpointId, row.id, trx);
    });
    this.d.wake();
    return sent;
  }
}
