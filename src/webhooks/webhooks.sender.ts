import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { DbNotifier } from '../db/notifier.js';
import type { DB } from '../db/schema.js';
import type { SecretBox } from '../users/secret-box.js';
import { version } from '../version.js';
import { deliveryLifecycle } from './webhooks.lifecycle.js';
import type { DeliveryStatus } from './webhooks.schemas.js';
import { WEBHOOKS_CHANNEL } from './webhooks.service.js';

/** What one attempt came to, for whoever watches (metrics): after it is recorded. */
export interface DeliveryObservation {
  endpointId: string;
  eventType: string;
  outcome: 'delivered' | 'retry' | 'failed';
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  ms: number;
}

/** Where one attempt goes and what it carries, whatever the kind of listener. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A delivery claimed for an attempt, with its endpoint (secrets opened) and its event. */
export interface ClaimedDelivery {
  id: number;
  attempt: number;
  endpoint: { id: string; kind: string; url: string; secret: string | null; previousSecret: string | null };
  event: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
}

/** Shapes and signs an attempt for one kind of listener. */
export type Renderer = (d: ClaimedDelivery, now: Date) => OutgoingRequest;

/**
 * Standard Webhooks (standardwebhooks.com): the body is `{ id, type, timestamp, data }`; the
 * headers carry the event ID (`webhook-id`, the receiver deduplicates by it), the time of this
 * attempt and its signatures (`v1,<HMAC-SHA256>`: with the new and the previous secret for a
 * while after a rotation).
 */
export const standardWebhook: Renderer = (d, now) => {
  const body = JSON.stringify({ id: d.event.id, type: d.event.type, timestamp: d.event.timestamp, data: d.event.data });
  const secrets = [d.endpoint.secret, d.endpoint.previousSecret].filter((s): s is string => Boolean(s));
  return {
    url: d.endpoint.url,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': `Switchboard-Webhooks/${version}`,
      'webhook-id': d.event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': secrets.map((s) => new Webhook(s).sign(d.event.id, now, body)).join(' '),
    },
  };
};

export interface PostResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
  /** The attempt was cut short because this process is stopping. */
  interrupted?: boolean;
  ms: number;
}

/** The first `max` bytes of an answer, as text PostgreSQL can keep (no NUL). */
async function readStart(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (n < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, max).toString('utf8').replace(/\u0000/g, '');
}

/**
 * One POST to one URL: with a timeout, redirects not followed (a 3xx is an answer that failed: an
 * outgoing call goes only to the URL registered), at most `maxBody` bytes of the answer kept.
 */
export async function postOnce(req: OutgoingRequest, opts: { timeoutMs: number; maxBody?: number; signal?: AbortSignal }): Promise<PostResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal });
    const body = await readStart(res, opts.maxBody ?? 2048);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body, ms: ms() };
    const location = res.headers.get('location');
    const error =
      res.status >= 300 && res.status < 400
        ? `The receiver answered ${res.status}, a redirect${location ? ` to ${location.slice(0, 300)}` : ''}: redirects are not followed (a webhook goes only to its registered URL).`
        : `The receiver answered ${res.status}.`;
    return { ok: false, status: res.status, body, error, ms: ms() };
  } catch (e) {
    if (opts.signal?.aborted) return { ok: false, error: 'Switchboard stopped during this attempt; it is sent again.', interrupted: true, ms: ms() };
    if (timeout.aborted) return { ok: false, error: `No answer within ${opts.timeoutMs / 1000} s.`, ms: ms() };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: `Could not reach the receiver: ${cause?.code ?? cause?.message ?? (e as Error).message}.`, ms: ms() };
  }
}

/** The wait before attempt `attempt + 1` after attempt `attempt` failed; null: no more attempts. */
export function retryDelay(attempt: number, scheduleMs: readonly number[]): number | null {
  return attempt >= 1 && attempt <= scheduleMs.length ? scheduleMs[attempt - 1]! : null;
}

export interface SenderOptions {
  db: Kysely<DB>;
  notifier: DbNotifier;
  box: SecretBox;
  logger: Logger;
  /** This process (WORKER_ID): the lease owner; a restarted process takes its own back at once. */
  owner: string;
  timeoutMs: number;
  retryScheduleMs: number[];
  concurrency: number;
  pollMs: number;
  historyDays: number;
}

interface ClaimRow {
  id: number;
  attempts: number;
  endpointId: string;
  kind: string;
  url: string;
  secretSealed: string | null;
  previousSecretSealed: string | null;
  eventId: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

const HOUR = 3_600_000;

/**
 * Sends the deliveries (issue 12), in every process that runs work. Woken by NOTIFY (the
 * triggers', "Send again"'s) and by its own timer (the next due attempt, at most `pollMs` away), it
 * claims due deliveries with `FOR UPDATE SKIP LOCKED` under a lease of its own (owner and until),
 * so that two processes never send one at once; posts each; and records the answer with a
 * statement guarded by its lease and attempt, so that a sender that lost its lease records
 * nothing. 2xx: delivered; anything else: the next attempt after the retry schedule's wait, then
 * failed. A process that died mid-attempt leaves its deliveries `sending`: another takes them when
 * their lease ends, the same process at once when it starts again, and sends them again with the
 * same webhook-id (the receiver deduplicates).
 *
 * Generic: an endpoint's `kind` picks how an attempt is shaped and signed (`registerKind`), so
 * another kind of listener (a TM Forum hub) reuses claims, leases, retries and the log.
 */
export class WebhookSender {
  private readonly inFlight = new Map<number, { done: Promise<void>; abort: AbortController; endpointId: string }>();
  private readonly observers = new Set<(d: DeliveryObservation) => void>();
  private readonly renderers = new Map<string, Renderer>([['webhook', standardWebhook]]);
  /** Kinds whose listeners get their events one at a time, in the order they were written. */
  private readonly ordered = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private pumping = false;
  private current: Promise<void> | null = null;
  private again = false;
  private stopping = true;
  private unlisten: (() => void) | null = null;
  private lastPrune = 0;
  /** Whether any enabled endpoint exists (as of the last pass): without one, hints to look cost nothing. */
  private anyEnabled = false;
  private readonly leaseSeconds: number;
  /** Attempts one endpoint may have under way at once in this process: a quarter of them. */
  private readonly perEndpoint: number;

  constructor(private readonly o: SenderOptions) {
    // The lease outlives an attempt (its timeout) with room to record the answer.
    this.leaseSeconds = Math.ceil(o.timeoutMs / 1000) + 15;
    this.perEndpoint = Math.max(1, Math.ceil(o.concurrency / 4));
  }

  /** Hears what every attempt came to (the metrics' counters). Returns the way to stop hearing. */
  observe(fn: (d: DeliveryObservation) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /**
   * How attempts to endpoints of another kind are shaped and signed. `ordered`: each endpoint of
   * the kind gets one event at a time, oldest first; a later one waits while an earlier one is
   * under way or waiting for its retry (a TM Forum listener sees an order's states in order).
   */
  registerKind(kind: string, render: Renderer, opts: { ordered?: boolean } = {}): void {
    this.renderers.set(kind, render);
    if (opts.ordered) this.ordered.add(kind);
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.unlisten = await this.o.notifier.on(WEBHOOKS_CHANNEL, () => this.wake());
    // What this process was sending when it died is sent again now, not when its lease ends.
    await this.o.db
      .updateTable('webhookDeliveries')
      .set({ status: 'pending', leaseOwner: null, leaseUntil: null, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
      .where('status', '=', 'sending')
      .where('leaseOwner', '=', this.o.owner)
      .execute();
    this.wake();
  }

  /** Looks for due deliveries now (news: an event was written, a delivery queued again). */
  wake(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.current = this.pump();
  }

  /**
   * A hint that events may have been written (a run moved), where no NOTIFY arrives (the embedded
   * database): looked at within 50 ms, once for many hints, and only while an endpoint is enabled.
   */
  wakeSoon(): void {
    if (this.stopping || !this.anyEnabled || this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.wake();
    }, 50);
    this.soonTimer.unref();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    if (this.timer) clearTimeout(this.timer);
    let nextMs = this.o.pollMs;
    let full = false;
    try {
      do {
        this.again = false;
        const free = this.o.concurrency - this.inFlight.size;
        full = free <= 0;
        if (full) break; // an attempt that ends wakes the sender
        const claimed = await this.claim(free);
        for (const c of claimed) this.launch(c);
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopping);
      if (!full) nextMs = await this.untilNextDue();
      if (Date.now() - this.lastPrune > HOUR) await this.prune();
    } catch (err) {
      if (!this.stopping) this.o.logger.warn({ err }, 'the webhook sender could not look for deliveries; it tries again shortly');
    } finally {
      this.pumping = false;
    }
    if (this.stopping) return;
    if (this.again) return this.wake();
    this.timer = setTimeout(() => this.wake(), Math.max(5, Math.min(nextMs, this.o.pollMs)));
    this.timer.unref();
  }

  /** Attempts under way in this process, by endpoint, and the endpoints that have their share. */
  private busy(): { counts: Record<string, number>; full: string[] } {
    const counts: Record<string, number> = {};
    for (const f of this.inFlight.values()) counts[f.endpointId] = (counts[f.endpointId] ?? 0) + 1;
    return { counts, full: Object.keys(counts).filter((id) => counts[id]! >= this.perEndpoint) };
  }

  /**
   * Takes up to `n` due deliveries of enabled endpoints, under this process's lease, oldest first;
   * no endpoint more than its share of this process's attempts at once, so that a receiver that
   * hangs until the timeout holds a few of them, not all.
   */
  private async claim(n: number): Promise<ClaimRow[]> {
    const { counts } = this.busy();
    const { rows } = await sql<ClaimRow>`
      with due as (
        select x.id from webhook_endpoints e
        cross join lateral (
          select d.id, d.next_attempt_at from webhook_deliveries d
           where d.endpoint_id = e.id and d.status = any(${deliveryLifecycle.sourcesOf('sending')}::text[]) and d.next_attempt_at <= now()
             and (e.kind <> all(${[...this.ordered]}::text[])
                  or not exists (select 1 from webhook_deliveries o
                                  where o.endpoint_id = e.id and o.status in ('pending', 'sending') and o.id < d.id))
           order by d.next_attempt_at
           limit greatest(0, ${this.perEndpoint}::int - coalesce((${JSON.stringify(counts)}::jsonb ->> e.id::text)::int, 0))
           for update of d skip locked
        ) x
        where e.enabled
        order by x.next_attempt_at
        limit ${n}
      )
      update webhook_deliveries d
         set status = 'sending', attempts = d.attempts + 1, lease_owner = ${this.o.owner},
             lease_until = now() + make_interval(secs => ${this.leaseSeconds}),
             next_attempt_at = now() + make_interval(secs => ${this.leaseSeconds}),
             last_attempt_at = now(), updated_at = now()
        from due, webhook_events ev, webhook_endpoints e
       where d.id = due.id and ev.id = d.event_id and e.id = d.endpoint_id
      returning d.id, d.attempts, e.id as endpoint_id, e.kind, e.url, e.secret_sealed,
                case when e.previous_secret_until > now() then e.previous_secret_sealed end as previous_secret_sealed,
                ev.id as event_id, ev.type, ev.occurred_at, ev.data`.execute(this.o.db);
    return rows;
  }

  /** How long until the next delivery is due (at most the poll interval); notes whether any endpoint is enabled. */
  private async untilNextDue(): Promise<number> {
    // An endpoint that has its share is looked at again when one of its attempts ends.
    const { full } = this.busy();
    const { rows } = await sql<{ anyEnabled: boolean; ms: number | null }>`
      select exists (select 1 from webhook_endpoints where enabled) as any_enabled,
             (select extract(epoch from d.next_attempt_at - now()) * 1000
                from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.enabled
               where d.status = any(${deliveryLifecycle.sourcesOf('sending')}::text[]) and d.endpoint_id <> all(${full}::uuid[])
               order by d.next_attempt_at limit 1)::float8 as ms`.execute(this.o.db);
    this.anyEnabled = Boolean(rows[0]?.anyEnabled);
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? this.o.pollMs : Math.max(0, ms);
  }

  private launch(c: ClaimRow): void {
    const abort = new AbortController();
    const done = (async () => {
      const result = await this.attempt(c, abort.signal);
      await this.record(c, result);
    })()
      .catch((err: unknown) => this.o.logger.warn({ err, deliveryId: c.id }, 'a webhook attempt could not be recorded; it is tried again when its lease ends'))
      .finally(() => {
        this.inFlight.delete(c.id);
        this.wake();
      });
    this.inFlight.set(c.id, { done, abort, endpointId: c.endpointId });
  }

  private async attempt(c: ClaimRow, signal: AbortSignal): Promise<PostResult> {
    const render = this.renderers.get(c.kind);
    if (!render) return { ok: false, error: `No sender knows endpoints of kind "${c.kind}".`, ms: 0 };
    let request: OutgoingRequest;
    try {
      request = render(
        {
          id: c.id,
          attempt: c.attempts,
          endpoint: { id: c.endpointId, kind: c.kind, url: c.url, secret: c.secretSealed && this.o.box.open(c.secretSealed), previousSecret: c.previousSecretSealed && this.o.box.open(c.previousSecretSealed) },
          event: { id: c.eventId, type: c.type, timestamp: c.occurredAt, data: c.data },
        },
        new Date(),
      );
    } catch (err) {
      // A secret sealed under another SECRET_KEY, say: this attempt fails, visibly, in the log.
      return { ok: false, error: `The request could not be signed: ${(err as Error).message} Rotate the endpoint's secret.`, ms: 0 };
    }
    return postOnce(request, { timeoutMs: this.o.timeoutMs, signal });
  }

  /**
   * Writes what the attempt came to, if this process still holds the delivery (its lease, this
   * attempt): delivered, pending for the next attempt, or failed (the schedule spent, or the
   * endpoint disabled meanwhile). An attempt cut short by a stop is due again at once.
   */
  private async record(c: ClaimRow, r: PostResult): Promise<void> {
    const delay = r.interrupted ? 0 : retryDelay(c.attempts, this.o.retryScheduleMs);
    const wanted: DeliveryStatus = r.ok ? 'delivered' : delay === null ? 'failed' : 'pending';
    deliveryLifecycle.assert('sending', wanted);
    const { rows } = await sql<{ status: DeliveryStatus }>`
      update webhook_deliveries d
         set status = x.status,
             next_attempt_at = case when x.status = 'pending' then now() + make_interval(secs => ${(delay ?? 0) / 1000}) end,
             lease_owner = null, lease_until = null,
             last_status = ${r.status ?? null}::int, last_response = ${r.body ?? null}::text, last_error = ${r.error ?? null}::text,
             last_duration_ms = ${r.ms}::int,
             delivered_at = case when x.status = 'delivered' then now() end,
             updated_at = now()
        from (select case when ${wanted}::text = 'pending' and not coalesce((select enabled from webhook_endpoints where id = ${c.endpointId}::uuid), false)
                          then 'failed' else ${wanted}::text end as status) x
       where d.id = ${c.id} and d.status = 'sending' and d.lease_owner = ${this.o.owner} and d.attempts = ${c.attempts}
      returning x.status`.execute(this.o.db);
    const status = rows[0]?.status;
    if (!status) return; // the lease was lost (another sender has it) or the endpoint was deleted
    const outcome = status === 'delivered' ? 'delivered' : status === 'failed' ? 'failed' : 'retry';
    const seen: DeliveryObservation = { endpointId: c.endpointId, eventType: c.type, outcome, ms: r.ms, ...(r.status !== undefined && { status: r.status }) };
    for (const fn of this.observers) {
      try {
        fn(seen);
      } catch (err) {
        this.o.logger.warn({ err }, 'a webhook delivery observer failed');
      }
    }
    if (outcome !== 'delivered') this.o.logger.info({ deliveryId: c.id, endpointId: c.endpointId, eventType: c.type, attempt: c.attempts, status: r.status, error: r.error, outcome }, 'a webhook attempt failed');
  }

  /** Events (and their deliveries) older than the history kept go, unless still on their way. */
  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const { numDeletedRows } = await this.o.db
      .deleteFrom('webhookEvents')
      .where('id', 'in', (db) =>
        db
          .selectFrom('webhookEvents as ev')
          .select('ev.id')
          .where('ev.occurredAt', '<', sql<string>`now() - make_interval(days => ${this.o.historyDays})`)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('webhookDeliveries as d').select('d.id').whereRef('d.eventId', '=', 'ev.id').where('d.status', 'in', ['pending', 'sending']))))
          .limit(10_000),
      )
      .executeTakeFirst();
    if (numDeletedRows) this.o.logger.info({ events: Number(numDeletedRows), historyDays: this.o.historyDays }, 'old webhook events pruned');
  }

  /** SIGTERM: no more claims; the attempts under way get up to `graceMs`, then are cut short (sent again later). */
  async drain(graceMs: number): Promise<void> {
    this.halt();
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
    await Promise.race([all, new Promise((r) => setTimeout(r, graceMs).unref())]);
    await this.stop();
  }

  /** Stops at once: attempts under way are cut short and recorded as due again. */
  async stop(): Promise<void> {
    this.halt();
    await this.current;
    for (const f of this.inFlight.values()) f.abort.abort();
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  private halt(): void {
    this.stopping = true;
    this.unlisten?.();
    this.unlisten = null;
    if (this.timer) clearTimeout(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = this.soonTimer = null;
  }
}
