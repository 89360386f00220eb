import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DbNotifier } from '../db/notifier.js';
import type { DB, Executor } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { ServicesService } from '../services/services.service.js';
import type { Lifecycle } from '../shared/lifecycle.js';
import type { ProgressHub } from './progress-hub.js';
import type { RunEvent } from './progress-reads.js';
import { provisionLifecycle, taskLifecycle } from './provisioning.lifecycle.js';
import type { ProvisionStatus, TaskStatus } from './provisioning.schemas.js';
import type { LogLine } from './provisioning.tables.js';

/** Dispatchers of every process hear that runs wait to be claimed. */
export const RUNS_CHANNEL = 'switchboard_runs';

/** What moved, for whoever watches the engine (metrics): after the commit, never before. */
export type Move =
  | { kind: 'run'; to: ProvisionStatus; runs: { id: string; attempt: number; playbook?: string; errorCode?: string | null; seconds?: number | null }[] }
  | { kind: 'task'; to: TaskStatus | 'attempt_failed'; seq: number; action?: string; runs: { id: string; errorCode?: string | null; seconds?: number | null; action?: string }[] };

/** An event a move wrote, and `prev`, the run's event before it (0 for none). */
export type WrittenEvent = RunEvent & { prev: number };

export interface BegunRun {
  id: string;
  attempt: number;
  deadlineAt: string;
}

export interface FinishRow {
  id: string;
  attempt: number;
  to: Extract<ProvisionStatus, 'succeeded' | 'failed' | 'timed_out'>;
  error?: { failedTask: number | null; code: string; message: string; hint: string | null } | null;
}

const at = () => new Date().toISOString();

/**
 * What an event-writing CTE `e` returns, and the outer select takes of it: the event as written,
 * and `prev`, the run's last event before it (read in the statement's snapshot, which never holds
 * the rows it inserts), so that a stream in this process can tell it missed nothing.
 */
const eventReturning = sql`returning id, provision_id, message, occurred_at, (select max(x.id) from provision_events x where x.provision_id = provision_events.provision_id) as prev`;
const eventColumns = sql`e.id as event_id, e.occurred_at as event_at, e.message as event_message, e.prev as event_prev`;
interface EventColumns {
  eventId: number | null;
  eventAt: string | null;
  eventMessage: string | null;
  eventPrev: number | null;
}
const jsonb = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** `status = any(<the states the lifecycle allows into each row's target>)`, from the table. */
function sourcesCase<S extends string>(lifecycle: Lifecycle<S>, target: RawBuilder<unknown>): RawBuilder<string[]> {
  const arms = lifecycle.states.map((to) => sql`when ${to} then ${lifecycle.sourcesOf(to)}::text[]`);
  return sql<string[]>`case ${target} ${sql.join(arms, sql` `)} end`;
}

/**
 * The one door through which a provisioning run or one of its tasks changes status. Every move is
 * one guarded statement for any number of runs: the states it may come from are the lifecycle
 * table's (`sourcesOf`), the event it leaves in `provision_events` is written by the same
 * statement, and the progress hub (and whoever observes the engine) hears of it after the commit.
 * Nothing else writes `provisions.status` or `provision_tasks.status`.
 */
export class RunLedger {
  private readonly observers = new Set<(moves: Move[]) => void>();
  private readonly wakers = new Set<(what: 'queued' | 'undo') => void>();

  constructor(
    private readonly d: { db: Kysely<DB>; hub: ProgressHub; notifier: DbNotifier; services: ServicesService },
  ) {}

  /** Hears every move after its commit (metrics, issue 12). */
  observe(fn: (moves: Move[]) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** Called when runs were queued in this process (the dispatcher wakes; others hear NOTIFY). */
  onQueued(fn: (what: 'queued' | 'undo') => void): () => void {
    this.wakers.add(fn);
    return () => this.wakers.delete(fn);
  }

  /** Runs `fn` in one transaction; after the commit the moves it made are told. */
  async write<T>(fn: (w: LedgerWriter) => Promise<T>): Promise<T> {
    const w = new LedgerWriter(this.d.services, this.d.notifier);
    const result = await transaction(this.d.db, (trx) => fn(w.bind(trx)));
    this.publish(w);
    return result;
  }

  /**
   * Moves that are each one statement on their own (a group's tasks recorded running, their
   * outcomes): each commits by itself, without a transaction around them; told after.
   */
  async autocommit<T>(fn: (w: LedgerWriter) => Promise<T>): Promise<T> {
    const w = new LedgerWriter(this.d.services, this.d.notifier).bind(this.d.db);
    const result = await fn(w);
    this.publish(w);
    return result;
  }

  /** The same, on a transaction the caller already holds; the caller calls `publish` after its commit. */
  writer(trx: Transaction<DB>): LedgerWriter {
    return new LedgerWriter(this.d.services, this.d.notifier).bind(trx);
  }

  publish(w: LedgerWriter): void {
    for (const id of w.touched) this.d.hub.changed(id, w.events.get(id));
    if (w.queued) for (const fn of this.wakers) fn(w.queued);
    if (w.moves.length) for (const fn of this.observers) fn(w.moves);
  }
}

export class LedgerWriter {
  private t: Executor | null = null;
  readonly touched = new Set<string>();
  readonly moves: Move[] = [];
  /** The events the moves wrote, per run in order: told to this process's streams after the commit. */
  readonly events = new Map<string, WrittenEvent[]>();
  /** Work was made claimable: runs queued, or an undo due. */
  queued: false | 'queued' | 'undo' = false;

  constructor(
    private readonly services: ServicesService,
    private readonly notifier: DbNotifier,
  ) {}

  bind(trx: Executor): this {
    this.t = trx;
    return this;
  }

  /** The transaction the moves are written in (or the database itself, for `autocommit`). */
  get trx(): Executor {
    if (!this.t) throw new Error('ledger writer used outside its transaction');
    return this.t;
  }

  private touch(ids: Iterable<string>) {
    for (const id of ids) this.touched.add(id);
  }

  private evented<R extends { id: string; attempt: number } & EventColumns>(rows: R[], taskSeq: number | null, status: (r: R) => string) {
    for (const r of rows) {
      if (r.eventId === null || r.eventAt === null) continue;
      const list = this.events.get(r.id) ?? [];
      list.push({ id: Number(r.eventId), occurredAt: r.eventAt, attempt: r.attempt, taskSeq, status: status(r), message: r.eventMessage, prev: r.eventPrev === null ? 0 : Number(r.eventPrev) });
      this.events.set(r.id, list);
    }
  }

  // --- runs ---------------------------------------------------------------------------------------

  /** New runs, written queued by their creator: their first event, and the dispatchers woken. */
  async enqueued(runs: { id: string; attempt: number; message: string }[]): Promise<void> {
    if (!runs.length) return;
    const { rows } = await sql<{ id: number; provisionId: string; message: string | null; occurredAt: string; prev: number | null }>`
      insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at)
      select r.id, r.attempt, null, 'queued', r.message, clock_timestamp()
      from unnest(${runs.map((r) => r.id)}::uuid[], ${runs.map((r) => r.attempt)}::int[], ${runs.map((r) => r.message)}::text[]) as r(id, attempt, message)
      ${eventReturning}`.execute(this.trx);
    await this.wakeDispatchers('queued');
    const attempts = new Map(runs.map((r) => [r.id, r.attempt]));
    this.evented(
      rows.map((e) => ({ id: e.provisionId, attempt: attempts.get(e.provisionId)!, eventId: e.id, eventAt: e.occurredAt, eventMessage: e.message, eventPrev: e.prev })),
      null,
      () => 'queued',
    );
    this.touch(runs.map((r) => r.id));
    this.moves.push({ kind: 'run', to: 'queued', runs: runs.map((r) => ({ id: r.id, attempt: r.attempt })) });
  }

  /** Nothing moved, but work may be claimable now (a batch resumed): dispatchers look. */
  async nudge(): Promise<void> {
    await this.wakeDispatchers('queued');
  }

  private async wakeDispatchers(what: 'queued' | 'undo'): Promise<void> {
    if (this.queued === what || this.queued === 'undo') return;
    await this.notifier.notify(this.trx, RUNS_CHANNEL, what);
    this.queued = what;
  }

  /** Queued runs start in a group: running, with their deadline. Returns those that moved. */
  async begin(groupId: string, ids: string[]): Promise<BegunRun[]> {
    if (!ids.length) return [];
    const now = at();
    const { rows } = await sql<{ id: string; attempt: number; deadlineAt: string; playbook: string } & EventColumns>`
      with moved as (
        update provisions set status = 'running', group_id = ${groupId}, started_at = ${now}, updated_at = ${now},
               deadline_at = ${now}::timestamptz + make_interval(secs => timeout_seconds)
        where id = any(${ids}::uuid[]) and status = any(${provisionLifecycle.sourcesOf('running')}::text[])
        returning id, attempt, deadline_at, playbook
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at)
        select id, attempt, null, 'running', case when attempt > 1 then 'Attempt ' || attempt || ' started' else 'Started' end, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.deadline_at, m.playbook, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows, null, () => 'running');
    this.touch(rows.map((r) => r.id));
    this.moves.push({ kind: 'run', to: 'running', runs: rows.map((r) => ({ id: r.id, attempt: r.attempt, playbook: r.playbook })) });
    return rows.map((r) => ({ id: r.id, attempt: r.attempt, deadlineAt: r.deadlineAt }));
  }

  /**
   * Runs end: succeeded, failed or timed out, each only from running and only for the attempt
   * given (a newer attempt or an earlier end wins). A new service that did not come up is left
   * failed, not active (R8.2).
   */
  async finish(rows: FinishRow[]): Promise<FinishRow[]> {
    if (!rows.length) return [];
    const now = at();
    const e = (r: FinishRow) => (r.to === 'succeeded' ? null : (r.error ?? null));
    const { rows: moved } = await sql<{ id: string; attempt: number; kind: string; serviceId: number | null; to: FinishRow['to']; playbook: string; seconds: number | null } & EventColumns>`
      with r as (
        select * from unnest(
          ${rows.map((x) => x.id)}::uuid[], ${rows.map((x) => x.attempt)}::int[], ${rows.map((x) => x.to)}::text[],
          ${rows.map((x) => e(x)?.failedTask ?? null)}::int[], ${rows.map((x) => e(x)?.code ?? null)}::text[],
          ${rows.map((x) => e(x)?.message ?? null)}::text[], ${rows.map((x) => e(x)?.hint ?? null)}::text[]
        ) as r(id, attempt, "to", failed_task, code, message, hint)
      ), moved as (
        update provisions p set status = r."to", finished_at = ${now}, updated_at = ${now},
               failed_task = r.failed_task, error_code = r.code, error = r.message, error_hint = r.hint
        from r
        where p.id = r.id and p.attempt = r.attempt and p.status = any(${sourcesCase(provisionLifecycle, sql`r."to"`)})
        returning p.id, p.attempt, p.kind, p.service_id, r."to", r.message, p.playbook, extract(epoch from ${now}::timestamptz - p.started_at)::float8 as seconds
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at)
        select id, attempt, null, "to", case when "to" = 'succeeded' then 'Completed' else message end, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.kind, m.service_id, m."to", m.playbook, m.seconds, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(moved, null, (m) => m.to);
    const failedServices = moved.filter((m) => m.to !== 'succeeded' && m.kind === 'new_service' && m.serviceId).map((m) => m.serviceId!);
    // The service that failed to come up stays, not active (R8.2).
    await this.services.moveMany(this.trx, failedServices, 'failed');
    this.touch(moved.map((m) => m.id));
    for (const to of ['succeeded', 'failed', 'timed_out'] as const) {
      const these = moved.filter((m) => m.to === to);
      if (these.length) this.moves.push({ kind: 'run', to, runs: these.map((m) => ({ id: m.id, attempt: m.attempt, playbook: m.playbook, seconds: m.seconds, errorCode: rows.find((x) => x.id === m.id)?.error?.code ?? null })) });
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    return moved.map((m) => byId.get(m.id)!);
  }

  /** Runs end as one, whatever their attempt (the engine gave up on them): their current attempt ends. */
  async finishMany(ids: string[], end: Pick<FinishRow, 'to' | 'error'>): Promise<FinishRow[]> {
    if (!ids.length) return [];
    const current = await this.trx.selectFrom('provisions').select(['id', 'attempt']).where('id', 'in', ids).where('status', '=', 'running').execute();
    return this.finish(current.map((r) => ({ id: r.id, attempt: r.attempt, ...end })));
  }

  /**
   * A failed or timed-out run gets a new attempt (R8.3): queued again, its failed, interrupted and
   * rolled-back tasks pending, its done ones left done; its new service back to provisioning.
   * Returns the new attempt, or null when it could not move.
   */
  async requeue(id: string, message: (attempt: number) => string, traceparent?: string | null): Promise<number | null> {
    const now = at();
    const { rows } = await sql<{ attempt: number; kind: string; serviceId: number | null }>`
      with moved as (
        update provisions set status = 'queued', attempt = attempt + 1, group_id = null, deadline_at = null, started_at = null, finished_at = null,
               failed_task = null, error_code = null, error = null, error_hint = null, updated_at = ${now},
               trace_parent = coalesce(${traceparent ?? null}::text, trace_parent)
        where id = ${id} and status = any(${provisionLifecycle.sourcesOf('queued')}::text[])
        returning id, attempt, kind, service_id
      ), t as (
        update provision_tasks set status = 'pending', error = null, error_text = null, started_at = null, finished_at = null
        where provision_id in (select id from moved) and status = any(${taskLifecycle.sourcesOf('pending')}::text[])
      )
      select attempt, kind, service_id from moved`.execute(this.trx);
    const r = rows[0];
    if (!r) return null;
    if (r.kind === 'new_service' && r.serviceId) await this.services.moveMany(this.trx, [r.serviceId], 'provisioning');
    await this.enqueued([{ id, attempt: r.attempt, message: message(r.attempt) }]);
    return r.attempt;
  }

  /**
   * Runs are cancelled (a failed run given up, or queued runs of a cancelled batch): their new
   * services cancelled, what they did outside left for an undo group (`undo_pending`). The
   * inventory is the caller's to release (in the same transaction). Returns those that moved.
   */
  async cancel(ids: string[], message: string): Promise<{ id: string; attempt: number; kind: string; serviceId: number | null; undoPending: boolean }[]> {
    if (!ids.length) return [];
    const now = at();
    const { rows } = await sql<{ id: string; attempt: number; kind: string; serviceId: number | null; undoPending: boolean; playbook: string } & EventColumns>`
      with moved as (
        update provisions p set status = 'cancelled', finished_at = ${now}, updated_at = ${now},
               undo_pending = exists (select 1 from provision_tasks t where t.provision_id = p.id and t.status in ('succeeded', 'failed') and t.undo is not null)
        where id = any(${ids}::uuid[]) and status = any(${provisionLifecycle.sourcesOf('cancelled')}::text[])
        returning id, attempt, kind, service_id, undo_pending, playbook
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at) select id, attempt, null, 'cancelled', ${message}, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.kind, m.service_id, m.undo_pending, m.playbook, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows, null, () => 'cancelled');
    await this.services.moveMany(this.trx, rows.filter((r) => r.kind === 'new_service' && r.serviceId).map((r) => r.serviceId!), 'cancelled');
    if (rows.some((r) => r.undoPending)) await this.wakeDispatchers('undo');
    this.touch(rows.map((r) => r.id));
    this.moves.push({ kind: 'run', to: 'cancelled', runs: rows.map((r) => ({ id: r.id, attempt: r.attempt, playbook: r.playbook })) });
    return rows.map((r) => ({ id: r.id, attempt: r.attempt, kind: r.kind, serviceId: r.serviceId, undoPending: r.undoPending }));
  }

  // --- tasks --------------------------------------------------------------------------------------

  /**
   * Tasks start (or start again) for runs of a group: running, one more attempt, the undo a lost
   * answer would need (`undoFor`) kept from now. Only for each run's current, running attempt.
   * Returns each moved run's attempt count.
   */
  async tasksRunning(seq: number, runs: { id: string; attempt: number; plannedUndo?: Record<string, unknown> | null }[]): Promise<Map<string, number>> {
    if (!runs.length) return new Map();
    const now = at();
    const { rows } = await sql<{ id: string; attempt: number; attempts: number } & EventColumns>`
      with r as (
        select * from unnest(${runs.map((x) => x.id)}::uuid[], ${runs.map((x) => x.attempt)}::int[], ${runs.map((x) => jsonb(x.plannedUndo))}::jsonb[]) as r(id, attempt, undo)
      ), moved as (
        update provision_tasks t set status = 'running', attempts = t.attempts + 1, started_at = coalesce(t.started_at, ${now}), error = null, error_text = null,
               undo = coalesce(r.undo, t.undo),
               log = t.log || jsonb_build_array(jsonb_build_object('at', ${now}::text, 'line', 'Attempt ' || (t.attempts + 1) || ' started' || case when r.attempt > 1 then ' (run ' || r.attempt || ')' else '' end || '.'))
        from r join provisions p on p.id = r.id and p.attempt = r.attempt and p.status = 'running'
        where t.provision_id = r.id and t.seq = ${seq} and t.status = any(${[...taskLifecycle.sourcesOf('running'), 'running']}::text[])
        returning t.provision_id as id, r.attempt, t.attempts, t.action
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at)
        select id, attempt, ${seq}, 'running', case when attempts > 1 then 'Attempt ' || attempts end, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.attempts, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows, seq, () => 'running');
    this.touch(rows.map((r) => r.id));
    this.moves.push({ kind: 'task', to: 'running', seq, runs: rows.map((r) => ({ id: r.id })) });
    return new Map(rows.map((r) => [r.id, r.attempts]));
  }

  /** Tasks succeed: their output, what an undo needs, their log. Returns the runs that moved. */
  async tasksSucceeded(seq: number, action: string, runs: { id: string; attempt: number; output: Record<string, unknown>; undo?: Record<string, unknown> | null; lines: LogLine[] }[]): Promise<Set<string>> {
    if (!runs.length) return new Set();
    const now = at();
    const { rows } = await sql<{ id: string; attempt: number; seconds: number | null } & EventColumns>`
      with r as (
        select * from unnest(${runs.map((x) => x.id)}::uuid[], ${runs.map((x) => x.attempt)}::int[], ${runs.map((x) => jsonb(x.output))}::jsonb[],
                             ${runs.map((x) => jsonb(x.undo))}::jsonb[], ${runs.map((x) => jsonb([...x.lines, { at: now, line: 'Done.' }]))}::jsonb[]) as r(id, attempt, output, undo, lines)
      ), moved as (
        update provision_tasks t set status = 'succeeded', output = r.output, undo = r.undo, finished_at = ${now}, error = null, error_text = null, log = t.log || r.lines
        from r join provisions p on p.id = r.id and p.attempt = r.attempt and p.status = 'running'
        where t.provision_id = r.id and t.seq = ${seq} and t.status = any(${taskLifecycle.sourcesOf('succeeded')}::text[])
        returning t.provision_id as id, r.attempt, extract(epoch from ${now}::timestamptz - t.started_at)::float8 as seconds
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at) select id, attempt, ${seq}, 'succeeded', null, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.seconds, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows, seq, () => 'succeeded');
    this.touch(rows.map((r) => r.id));
    this.moves.push({ kind: 'task', to: 'succeeded', seq, action, runs: rows.map((r) => ({ id: r.id, seconds: r.seconds })) });
    return new Set(rows.map((r) => r.id));
  }

  /** An attempt failed; the task stays running (another attempt may follow): its error and log. */
  async attemptsFailed(seq: number, action: string, runs: { id: string; attempt: number; error: { code: string; message: string; hint?: string | undefined }; lines: LogLine[] }[]): Promise<void> {
    if (!runs.length) return;
    const now = at();
    await sql`
      with r as (
        select * from unnest(${runs.map((x) => x.id)}::uuid[], ${runs.map((x) => x.error.message)}::text[], ${runs.map((x) => jsonb({ error: x.error }))}::jsonb[],
                             ${runs.map((x) => jsonb(x.lines))}::jsonb[], ${runs.map((x) => x.error.message + (x.error.hint ? ` (${x.error.hint})` : ''))}::text[],
                             ${runs.map((x) => x.attempt)}::int[]) as r(id, error, output, lines, said, attempt)
      )
      update provision_tasks t set error = r.error, output = r.output,
             log = t.log || r.lines || jsonb_build_array(jsonb_build_object('at', ${now}::text, 'line', 'Attempt ' || t.attempts || ' failed: ' || r.said))
      from r join provisions p on p.id = r.id and p.attempt = r.attempt and p.status = 'running'
      where t.provision_id = r.id and t.seq = ${seq} and t.status = 'running'`.execute(this.trx);
    this.touch(runs.map((r) => r.id));
    this.moves.push({ kind: 'task', to: 'attempt_failed', seq, action, runs: runs.map((r) => ({ id: r.id, errorCode: r.error.code })) });
  }

  /** Tasks end badly for good (`failed`) or are let go (`ignored`, ignore_errors), with the reason. */
  async tasksEnded(seq: number, action: string, to: 'failed' | 'ignored', runs: { id: string; attempt: number; message: string; errorCode?: string | null; text?: unknown }[]): Promise<Set<string>> {
    if (!runs.length) return new Set();
    const now = at();
    const said = (m: string) => (to === 'ignored' ? `Failed, ignored (ignore_errors): ${m}` : `Failed: ${m}`);
    const { rows } = await sql<{ id: string; attempt: number; seconds: number | null } & EventColumns>`
      with r as (
        select * from unnest(${runs.map((x) => x.id)}::uuid[], ${runs.map((x) => x.attempt)}::int[], ${runs.map((x) => x.message)}::text[], ${runs.map((x) => said(x.message))}::text[],
                             ${runs.map((x) => (x.text ? JSON.stringify(x.text) : null))}::jsonb[]) as r(id, attempt, message, said, text)
      ), moved as (
        update provision_tasks t set status = ${to}, error = r.message, error_text = r.text, finished_at = ${now},
               log = t.log || jsonb_build_array(jsonb_build_object('at', ${now}::text, 'line', r.said))
        from r join provisions p on p.id = r.id and p.attempt = r.attempt and p.status = 'running'
        where t.provision_id = r.id and t.seq = ${seq} and t.status = any(${taskLifecycle.sourcesOf(to)}::text[])
        returning t.provision_id as id, r.attempt, r.message, extract(epoch from ${now}::timestamptz - t.started_at)::float8 as seconds
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at) select id, attempt, ${seq}, ${to}, message, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.seconds, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows, seq, () => to);
    this.touch(rows.map((r) => r.id));
    const codes = new Map(runs.map((x) => [x.id, x.errorCode ?? null]));
    this.moves.push({ kind: 'task', to, seq, action, runs: rows.map((r) => ({ id: r.id, seconds: r.seconds, errorCode: codes.get(r.id) ?? null })) });
    return new Set(rows.map((r) => r.id));
  }

  /** Tasks whose `when` is false are skipped. */
  async tasksSkipped(seq: number, runs: { id: string; attempt: number; why: string }[]): Promise<Set<string>> {
    if (!runs.length) return new Set();
    const now = at();
    const { rows } = await sql<{ id: string; attempt: number; action: string } & EventColumns>`
      with r as (
        select * from unnest(${runs.map((x) => x.id)}::uuid[], ${runs.map((x) => x.attempt)}::int[], ${runs.map((x) => x.why)}::text[]) as r(id, attempt, why)
      ), moved as (
        update provision_tasks t set status = 'skipped', finished_at = ${now}, log = t.log || jsonb_build_array(jsonb_build_object('at', ${now}::text, 'line', r.why))
        from r join provisions p on p.id = r.id and p.attempt = r.attempt and p.status = 'running'
        where t.provision_id = r.id and t.seq = ${seq} and t.status = any(${taskLifecycle.sourcesOf('skipped')}::text[])
        returning t.provision_id as id, r.attempt, t.action
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at) select id, attempt, ${seq}, 'skipped', null, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.attempt, m.action, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows, seq, () => 'skipped');
    this.touch(rows.map((r) => r.id));
    this.moves.push({ kind: 'task', to: 'skipped', seq, ...(rows[0] && { action: rows[0].action }), runs: rows.map((r) => ({ id: r.id })) });
    return new Set(rows.map((r) => r.id));
  }

  /** A task was undone (rollback, or after a cancel): rolled back, with its log. */
  async rolledBack(id: string, attempt: number, seq: number, lines: LogLine[]): Promise<boolean> {
    const { rows } = await sql<{ id: string; action: string } & EventColumns>`
      with moved as (
        update provision_tasks set status = 'rolled_back', log = log || ${jsonb([...lines, { at: at(), line: 'Undone.' }])}::jsonb
        where provision_id = ${id} and seq = ${seq} and status = any(${taskLifecycle.sourcesOf('rolled_back')}::text[])
        returning provision_id as id, action
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at) select id, ${attempt}, ${seq}, 'rolled_back', null, clock_timestamp() from moved
        ${eventReturning}
      )
      select m.id, m.action, ${eventColumns} from moved m left join e on e.provision_id = m.id`.execute(this.trx);
    this.evented(rows.map((r) => ({ ...r, attempt })), seq, () => 'rolled_back');
    this.touch([id]);
    this.moves.push({ kind: 'task', to: 'rolled_back', seq, ...(rows[0] && { action: rows[0].action }), runs: rows.map((r) => ({ id: r.id })) });
    return rows.length > 0;
  }

  /** An undo that could not be done: its task's log and the run's events say so, for staff. */
  async undoFailed(id: string, attempt: number, seq: number, message: string): Promise<void> {
    const { rows } = await sql<{ id: string; action: string } & EventColumns>`
      with t as (
        update provision_tasks set log = log || ${jsonb([{ at: at(), line: message }])}::jsonb where provision_id = ${id} and seq = ${seq} returning provision_id, action
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at) select provision_id, ${attempt}, ${seq}, 'undo_failed', ${message}, clock_timestamp() from t
        ${eventReturning}
      )
      select t.provision_id as id, t.action, ${eventColumns} from t left join e on e.provision_id = t.provision_id`.execute(this.trx);
    this.evented(rows.map((r) => ({ ...r, attempt })), seq, () => 'undo_failed');
    this.touch([id]);
    this.moves.push({ kind: 'task', to: 'attempt_failed', seq, action: 'undo', runs: [{ id, errorCode: 'UNDO_FAILED', ...(rows[0] && { action: rows[0].action }) }] });
  }
}
