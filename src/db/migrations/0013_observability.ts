import { sql, type Kysely } from 'kysely';

/**
 * Traces across the queue (issue 12): a run keeps the W3C traceparent of the request that
 * confirmed or retried it, so that the worker's spans join that request's trace.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table provisions add column trace_parent text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table provisions drop column trace_parent`.execute(db);
}
