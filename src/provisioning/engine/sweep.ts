import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.js';
import type { FinishRow, RunLedger } from '../ledger.js';
import { seconds } from './group-runner.js';

/**
 * A run must never look busy forever (R8.4). Every process (a web-only one too) looks every
 * minute for runs still `running` that nobody will end: two minutes past their deadline (every
 * worker gone for that long), or whose group has finished without them (an engine error). Each is
 * ended through the ledger, guarded by its attempt: a worker that comes back later finds it ended
 * and changes nothing.
 */
export class StuckRunSweep {
  constructor(private readonly o: { db: Kysely<DB>; ledger: RunLedger; logger: Logger }) {}

  async run(): Promise<number> {
    const { rows } = await sql<{ id: string; attempt: number; timeoutSeconds: number; why: 'overdue' | 'lost' }>`
      select p.id, p.attempt, p.timeout_seconds,
             case when g.finished_at is not null then 'lost' else 'overdue' end as why
      from provisions p left join provision_groups g on g.id = p.group_id
      where p.status = 'running'
        and (g.finished_at is not null or p.deadline_at < now() - interval '2 minutes')`.execute(this.o.db);
    if (!rows.length) return 0;
    const ended = await this.o.ledger.write((w) =>
      w.finish(
        rows.map(
          (r): FinishRow =>
            r.why === 'overdue'
              ? { id: r.id, attempt: r.attempt, to: 'timed_out', error: { failedTask: null, code: 'PROVISIONING_TIMED_OUT', message: `Provisioning did not finish within ${seconds(r.timeoutSeconds * 1000)}: no process is working on it.`, hint: 'Check that a worker is running (switchboard worker), then retry.' } }
              : { id: r.id, attempt: r.attempt, to: 'failed', error: { failedTask: null, code: 'ENGINE_ERROR', message: 'The provisioning engine stopped this run unexpectedly.', hint: 'Retry it; if it stops again, look at the server log for this provisioning ID.' } },
        ),
      ),
    );
    for (const r of ended) this.o.logger.warn({ provisionId: r.id, attempt: r.attempt, to: r.to }, 'a stalled run was ended');
    return ended.length;
  }
}
