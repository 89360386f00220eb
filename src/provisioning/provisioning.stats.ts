import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB, Executor } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { knownSystems } from '../integrations/simulators.js';

/**
 * What the operations page charts of provisioning (issue 12), computed in the database over a
 * window of time, set-based: one statement per chart, buckets from generate_series.
 *
 * Outcomes and queue depth come from the run-level events (`provision_events` with no task: every
 * queued, running, succeeded, failed, timed-out and cancelled move of every attempt, written by the
 * ledger in the statement that made the move), so a failure stays on the chart after its run was
 * retried. Durations come from the runs' current attempt (`started_at` to `finished_at`).
 */

/** The outcomes a run's attempt ends with. */
export const outcomes = ['succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type Outcome = (typeof outcomes)[number];

export interface StatsWindow {
  /** Start of the first bucket (inclusive), ISO. */
  from: string;
  /** End of the last bucket (exclusive), ISO: the current bucket's end. */
  to: string;
  bucketSeconds: number;
  buckets: number;
}

/** `buckets` buckets of `bucketSeconds`, the last one holding `now`. */
export function windowOf(now: Date, bucketSeconds: number, buckets: number): StatsWindow {
  const size = bucketSeconds * 1000;
  const end = Math.floor(now.getTime() / size) * size + size;
  return { from: new Date(end - buckets * size).toISOString(), to: new Date(end).toISOString(), bucketSeconds, buckets };
}

/** The index of the bucket a timestamp column falls in. */
const bucketOf = (w: StatsWindow, column: RawBuilder<unknown>) => sql`floor(extract(epoch from ${column} - ${w.from}::timestamptz) / ${w.bucketSeconds})::int`;

/** The start of each bucket, with its index. */
const series = (w: StatsWindow) => sql`(select i, ${w.from}::timestamptz + make_interval(secs => i * ${w.bucketSeconds}) as at from generate_series(0, ${w.buckets - 1}) as i)`;

export interface OutcomeBucket extends Record<Outcome, number> {
  at: string;
}

/** Attempts ended in each bucket, by outcome (one index-only scan of the run-level events). */
const outcomesSql = (w: StatsWindow) => sql<Omit<OutcomeBucket, 'timed_out'> & { timedOut: number }>`
    with e as (
      select ${bucketOf(w, sql.ref('occurred_at'))} as bucket, status
      from provision_events
      where task_seq is null and occurred_at >= ${w.from}::timestamptz and occurred_at < ${w.to}::timestamptz
        and status in ('succeeded', 'failed', 'timed_out', 'cancelled')
    ), c as (
      select bucket,
             count(*) filter (where status = 'succeeded')::int as succeeded,
             count(*) filter (where status = 'failed')::int as failed,
             count(*) filter (where status = 'timed_out')::int as timed_out,
             count(*) filter (where status = 'cancelled')::int as cancelled
      from e group by bucket
    )
    select b.at, coalesce(c.succeeded, 0) as succeeded, coalesce(c.failed, 0) as failed, coalesce(c.timed_out, 0) as timed_out, coalesce(c.cancelled, 0) as cancelled
    from ${series(w)} b left join c on c.bucket = b.i
    order by b.i`;

export async function outcomesOver(db: Executor, w: StatsWindow): Promise<OutcomeBucket[]> {
  // (The CamelCasePlugin reads timed_out as timedOut: put back as the status says it.)
  const { rows } = await outcomesSql(w).execute(db);
  return rows.map(({ timedOut, ...r }) => ({ ...r, timed_out: timedOut }));
}

export interface DurationBucket {
  at: string;
  /** Runs that ended in the bucket (succeeded, failed or timed out) and that had started. */
  runs: number;
  p50: number | null;
  p95: number | null;
}

/** p50 and p95 of started-to-finished, in seconds, of the runs that ended in each bucket. */
const durationsSql = (w: StatsWindow) => sql<DurationBucket>`
    with d as (
      select ${bucketOf(w, sql.ref('finished_at'))} as bucket, extract(epoch from finished_at - started_at)::float8 as seconds
      from provisions
      where finished_at >= ${w.from}::timestamptz and finished_at < ${w.to}::timestamptz
        and status in ('succeeded', 'failed', 'timed_out') and started_at is not null
    ), c as (
      select bucket, count(*)::int as runs,
             percentile_cont(0.5) within group (order by seconds) as p50,
             percentile_cont(0.95) within group (order by seconds) as p95
      from d group by bucket
    )
    select b.at, coalesce(c.runs, 0) as runs, c.p50, c.p95
    from ${series(w)} b left join c on c.bucket = b.i
    order by b.i`;

export async function durationsOver(db: Executor, w: StatsWindow): Promise<DurationBucket[]> {
  const { rows } = await durationsSql(w).execute(db);
  return rows.map((r) => ({ ...r, p50: r.p50 === null ? null : round(r.p50), p95: r.p95 === null ? null : round(r.p95) }));
}

const round = (s: number) => Math.round(s * 1000) / 1000;

export interface QueueBucket {
  at: string;
  /** Runs queued and running at the end of the bucket (now, for the last one). */
  queued: number;
  running: number;
  /** The most queued and running at any moment of the bucket. */
  peakQueued: number;
  peakRunning: number;
}

/**
 * Queue depth over time: the runs queued and running now, walked back through the run-level
 * events (a `queued` event adds a queued run, `running` moves one from queued to running, an end
 * removes a running one, a cancel removes a queued one if the run never started). The database
 * gives, per bucket, what its events changed and the highest level just after any of them; the
 * levels at each bucket's end follow from now backwards, without reading runs outside the window.
 */
const queueSql = (w: StatsWindow) => sql<{ bucket: number | null; dq: number; dr: number; peakQ: number | null; peakR: number | null }>`
    with never_started as materialized (
      -- Cancels that took a run off the queue (it never started: a cancel after a failure does not).
      -- Materialized: looked up once, however many times the planner copies the level's expression.
      select e.id from provision_events e join provisions p on p.id = e.provision_id
      where e.task_seq is null and e.status = 'cancelled' and e.occurred_at >= ${w.from}::timestamptz and p.started_at is null
    ), ev as (
      select e.occurred_at, e.id,
             case e.status
               when 'queued' then 1
               when 'running' then -1
               when 'cancelled' then case when e.id in (select id from never_started) then -1 else 0 end
               else 0 end as dq,
             case e.status when 'running' then 1 when 'succeeded' then -1 when 'failed' then -1 when 'timed_out' then -1 else 0 end as dr
      from provision_events e
      where e.task_seq is null and e.occurred_at >= ${w.from}::timestamptz
    ), cur as (
      select count(*) filter (where status = 'queued')::int as q, count(*) filter (where status = 'running')::int as r
      from provisions where status in ('queued', 'running')
    ), after_each as (
      -- The level just after each event: now, less what every later event did.
      select ev.occurred_at, ev.dq, ev.dr,
             cur.q - coalesce(sum(ev.dq) over later, 0) as q_after,
             cur.r - coalesce(sum(ev.dr) over later, 0) as r_after
      from ev cross join cur
      window later as (order by ev.occurred_at desc, ev.id desc rows between unbounded preceding and 1 preceding)
    )
    select null::int as bucket, q as dq, r as dr, null::int as peak_q, null::int as peak_r from cur
    union all
    select ${bucketOf(w, sql.ref('occurred_at'))}, sum(dq)::int, sum(dr)::int, max(q_after)::int, max(r_after)::int
    from after_each group by 1`;

export async function queueOver(db: Executor, w: StatsWindow): Promise<{ buckets: QueueBucket[]; now: { queued: number; running: number } }> {
  const { rows } = await queueSql(w).execute(db);
  const current = rows.find((r) => r.bucket === null)!;
  const byBucket = new Map(rows.filter((r) => r.bucket !== null).map((r) => [r.bucket!, r]));
  // Levels at each bucket's end, from now backwards; events after the window (none, or the few
  // since `to` was computed) are in the bucket past the last.
  const after = byBucket.get(w.buckets);
  let q = current.dq - (after?.dq ?? 0);
  let r = current.dr - (after?.dr ?? 0);
  const out: QueueBucket[] = [];
  for (let i = w.buckets - 1; i >= 0; i--) {
    const b = byBucket.get(i);
    const endQ = q;
    const endR = r;
    q -= b?.dq ?? 0;
    r -= b?.dr ?? 0;
    // At the bucket's start the level was (q, r); its events took it to its peaks and its end.
    out.push({
      at: new Date(new Date(w.from).getTime() + i * w.bucketSeconds * 1000).toISOString(),
      queued: Math.max(0, endQ),
      running: Math.max(0, endR),
      peakQueued: Math.max(0, q, endQ, b?.peakQ ?? 0),
      peakRunning: Math.max(0, r, endR, b?.peakR ?? 0),
    });
  }
  return { buckets: out.reverse(), now: { queued: current.dq, running: current.dr } };
}

/** What a task's name shows in a chart or a filter: the playbook's, its templates left out (`Assign SIM card (ICCID: …)`). */
export const taskLabelOf = (snapshot: RawBuilder<unknown>, seq: RawBuilder<unknown>) =>
  sql<string | null>`regexp_replace(${snapshot} -> 'tasks' -> (${seq} - 1) ->> 'name', ${'\\{\\{.*?\\}\\}'}, '…', 'g')`;

export interface FailureGroup {
  playbook: string;
  /** The task's position in its playbook, and its name as the playbook says it; null: the run failed outside any task (the engine, the deadline). */
  seq: number | null;
  task: string | null;
  action: string | null;
  system: string;
  code: string | null;
  count: number;
}

/**
 * Attempts that failed or timed out in the window, by the task they failed at and the outside
 * system behind it. A run still failed names its task and code itself; one retried since names the
 * task its earlier attempt failed at (its task-level `failed` event), the code being gone.
 */
const failuresSql = (w: StatsWindow) => sql<{ playbook: string; seq: number | null; code: string | null; action: string | null; task: string | null; argSystem: string | null; n: number }>`
    with f as (
      select e.provision_id, e.attempt from provision_events e
      where e.task_seq is null and e.status in ('failed', 'timed_out') and e.occurred_at >= ${w.from}::timestamptz and e.occurred_at < ${w.to}::timestamptz
    ), g as materialized (
      select p.playbook, p.playbook_snapshot,
             case when p.attempt = f.attempt then p.failed_task
                  else (select t.task_seq from provision_events t
                        where t.provision_id = f.provision_id and t.attempt = f.attempt and t.task_seq is not null and t.status = 'failed'
                        order by t.id desc limit 1) end as seq,
             case when p.attempt = f.attempt then p.error_code end as code
      from f join provisions p on p.id = f.provision_id
    )
    select playbook, seq, code,
           playbook_snapshot -> 'tasks' -> (seq - 1) ->> 'action' as action,
           ${taskLabelOf(sql.ref('playbook_snapshot'), sql.ref('seq'))} as task,
           playbook_snapshot -> 'tasks' -> (seq - 1) -> 'args' ->> 'system' as arg_system,
           count(*)::int as n
    from g group by 1, 2, 3, 4, 5, 6`;

export async function failuresOver(db: Executor, w: StatsWindow, httpSystems: Iterable<string> = []): Promise<FailureGroup[]> {
  const { rows } = await failuresSql(w).execute(db);
  const names = systemCodes(httpSystems);
  return rows.map((r) => ({ playbook: r.playbook, seq: r.seq, task: r.task, action: r.action, code: r.code, system: systemOf(r.action, r.argSystem, r.code, names), count: r.n }));
}

/** Each outside system's code prefix (`OCS`, `IPTV_MIDDLEWARE`), longest first, with the system. */
export function systemCodes(httpSystems: Iterable<string> = []): [string, string][] {
  const all = new Map<string, string>([['PAYMENT', 'payments']]);
  for (const s of [...Object.keys(knownSystems), ...httpSystems]) all.set(s.toUpperCase().replace(/-/g, '_'), s);
  return [...all].sort((a, b) => b[0].length - a[0].length);
}

/**
 * The outside system a failure is due to: the one its error code names (adapters make their codes
 * from the system's name: OCS_UNREACHABLE, RADIUS_ERROR, PAYMENT_DECLINED, IPTV_MIDDLEWARE_UNREACHABLE),
 * else the one its task's action calls; `switchboard` for what Switchboard does itself (checks,
 * inventory, service records, the engine).
 */
export function systemOf(action: string | null, argSystem: string | null, code: string | null, codes: [string, string][] = systemCodes()): string {
  if (code) {
    const hit = codes.find(([prefix]) => code.startsWith(`${prefix}_`));
    if (hit) return hit[1];
    if (code.startsWith('HTTP_') && argSystem) return argSystem;
  }
  if (!action) return 'switchboard';
  if (action.startsWith('ocs.')) return 'ocs';
  if (action === 'network.activate_sim') return 'hlr';
  if (action.startsWith('network.')) return 'radius';
  if (action.startsWith('mail.')) return 'mail';
  if (action.startsWith('ticket.')) return 'tickets';
  if (action.startsWith('payment.')) return 'payments';
  if (action === 'http.request') return argSystem ?? 'http';
  return 'switchboard';
}

/** The overview's statements, for EXPLAIN (bench/operations.bench.ts). */
export const statsStatements = { outcomes: outcomesSql, durations: durationsSql, queue: queueSql, failures: failuresSql };

/**
 * A read with PostgreSQL's JIT off: for these aggregates over a window it compiles for longer than
 * they run (measured over a day of a 500,000-run table: 0.4 to 1.6 s of compiling for statements
 * that take 0.1 to 0.5 s without). Its own transaction, so the setting ends with it.
 */
export function withoutJit<T>(db: Kysely<DB>, read: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return transaction(db, async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return read(trx);
  });
}

/** Every chart of provisioning over one window (each statement on a connection of its own, on PostgreSQL). */
export async function provisioningStats(db: Kysely<DB>, w: StatsWindow, httpSystems: Iterable<string> = []) {
  const [runs, durations, queue, failures] = await Promise.all([
    withoutJit(db, (trx) => outcomesOver(trx, w)),
    withoutJit(db, (trx) => durationsOver(trx, w)),
    withoutJit(db, (trx) => queueOver(trx, w)),
    withoutJit(db, (trx) => failuresOver(trx, w, httpSystems)),
  ]);
  return { runs, durations, queue: queue.buckets, queueNow: queue.now, failures };
}
