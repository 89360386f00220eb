import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { SystemGauge } from '../observability/metrics.js';

/**
 * Rows of the batches that are running or paused, by status (issue 12's gauges); a started row's
 * status is its run's (queued, running, succeeded, failed...), as the batch page counts them.
 */
export async function batchRowGauges(db: Kysely<DB>): Promise<SystemGauge[]> {
  const { rows } = await sql<{ label: string; value: number }>`
    select coalesce(case when r.status = 'started' then p.status end, r.status) as label, count(*)::int as value
    from batches b join batch_rows r on r.batch_id = b.id left join provisions p on p.id = r.provision_id
    where b.status in ('running', 'paused')
    group by 1`.execute(db);
  return rows.map((r) => ({ metric: 'batch_rows' as const, label: r.label, value: r.value }));
}
