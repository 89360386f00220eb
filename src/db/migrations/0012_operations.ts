import { sql, type Kysely } from 'kysely';

/**
 * The operations page and failed-run triage (issue 12): indexes for the charts' set-based reads
 * over a window of time (the stock chart's low-stock threshold is 0011's, for `stock.low`).
 *
 * - Run-level events (`task_seq is null`: queued, running, succeeded, failed, timed out,
 *   cancelled) by time, with what the charts read, for index-only scans of a window: runs by
 *   outcome, queue depth, failures.
 * - Provisions by when they finished, with status and start, for the durations (p50, p95).
 * - Failed and timed-out runs by when they ended, for the triage list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `
create index provision_events_runs_idx on provision_events (occurred_at, id) include (status, provision_id, attempt) where task_seq is null;
create index provisions_finished_idx on provisions (finished_at) include (status, started_at) where finished_at is not null;
create index provisions_failed_idx on provisions (finished_at desc) where status in ('failed', 'timed_out');
`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`drop index provisions_failed_idx; drop index provisions_finished_idx; drop index provision_events_runs_idx;`).execute(db);
}
