import DataLoader from 'dataloader';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Progress } from './provisioning.schemas.js';

export interface RunEvent {
  id: number;
  occurredAt: string;
  attempt: number;
  taskSeq: number | null;
  status: string;
  message: string | null;
}

/**
 * The reads of consoles following runs (R7.2), gathered: every poll and event stream that asks
 * during one turn of the event loop is answered by one query, not one each. Under load a turn is
 * longer and gathers more, so the queries (and the pool connections they wait for) do not grow
 * with the number of consoles. Nothing is cached here: the progress cache is in front of it.
 *
 * Batches are started from `setImmediate`, outside any request's transaction.
 */
export class PolledReads {
  private readonly progressLoader: DataLoader<string, Progress | null>;
  private readonly eventsLoader: DataLoader<{ id: string; after: number }, RunEvent[]>;

  constructor(db: Kysely<DB>, progressMany: (ids: readonly string[]) => Promise<Map<string, Progress>>) {
    const options = { cache: false, maxBatchSize: 500, batchScheduleFn: (run: () => void) => void setImmediate(run) } as const;
    this.progressLoader = new DataLoader(async (ids) => {
      const found = await progressMany(ids);
      return ids.map((id) => found.get(id) ?? null);
    }, options);
    this.eventsLoader = new DataLoader(async (keys) => {
      const { rows } = await sql<RunEvent & { n: number | string }>`
        select k.n, e.id, e.occurred_at, e.attempt, e.task_seq, e.status, e.message
        from unnest(${keys.map((k) => k.id)}::uuid[], ${keys.map((k) => k.after)}::bigint[]) with ordinality as k(id, after, n)
        join provision_events e on e.provision_id = k.id and e.id > k.after
        order by e.id`.execute(db);
      const out = keys.map((): RunEvent[] => []);
      for (const { n, ...e } of rows) out[Number(n) - 1]!.push({ ...e, id: Number(e.id) });
      return out;
    }, options);
  }

  /** A run's progress, or null if there is no such run. */
  progress(id: string): Promise<Progress | null> {
    return this.progressLoader.load(id);
  }

  /** A run's events after the event `after`, in order. */
  events(id: string, after: number): Promise<RunEvent[]> {
    return this.eventsLoader.load({ id, after });
  }
}
