import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { SystemGauge } from '../observability/metrics.js';

/** The queues the dispatcher claims from: what staff confirmed, batches, lifecycle runs, undos after a cancel. */
export const queues = ['interactive', 'bulk', 'lifecycle', 'undo'] as const;

/**
 * Runs waiting and under way in every process, by queue (issue 12's gauges): one statement on the
 * partial indexes of queued, running and undo-pending runs. Every queue is said, empty ones as 0.
 */
export async function queueGauges(db: Kysely<DB>): Promise<SystemGauge[]> {
  const { rows } = await sql<{ metric: 'queued' | 'running'; label: string; value: number }>`
    select case when status = 'running' then 'running' else 'queued' end as metric,
           case when status = 'cancelled' then 'undo' when batch_id is not null then 'bulk' when kind = 'lifecycle' then 'lifecycle' else 'interactive' end as label,
           count(*)::int as value
    from provisions
    where status in ('queued', 'running') or (undo_pending and status = 'cancelled')
    group by 1, 2`.execute(db);
  return (['queued', 'running'] as const).flatMap((metric) => queues.map((label) => ({ metric, label, value: rows.find((r) => r.metric === metric && r.label === label)?.value ?? 0 })));
}
