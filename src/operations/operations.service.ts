import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { stockLevels } from '../inventory/inventory.stats.js';
import { type Outcome, outcomes, provisioningStats, windowOf } from '../provisioning/provisioning.stats.js';
import { type Clock, isoNow } from '../shared/clock.js';
import { type Overview, type OperationsWindow, windows } from './operations.schemas.js';

export interface OperationsDeps {
  db: Kysely<DB>;
  /** The business clock, for what "available" means now (a wizard's lapsed hold). */
  clock: Clock;
  /** The HTTP systems playbooks call by name, so that their error codes name them. */
  httpSystems: Iterable<string>;
}

/**
 * The operations page (issue 12): each domain's figures over a window, put together. The window
 * is in real time, as runs are timed (the business clock, which tests may move, decides only what
 * "available" means for the stock).
 */
export class OperationsService {
  constructor(private readonly d: OperationsDeps) {}

  async overview(window: OperationsWindow): Promise<Overview> {
    const now = new Date();
    const w = windowOf(now, windows[window].bucketSeconds, windows[window].buckets);
    const [stats, stock] = await Promise.all([provisioningStats(this.d.db, w, this.d.httpSystems), stockLevels(this.d.db, isoNow(this.d.clock))]);
    const totals = Object.fromEntries(outcomes.map((o) => [o, stats.runs.reduce((n, b) => n + b[o], 0)])) as Record<Outcome, number>;
    const byTask = new Map<string, Overview['failuresByTask'][number]>();
    const bySystem = new Map<string, number>();
    for (const f of stats.failures) {
      const key = `${f.playbook}\u0000${f.task ?? ''}\u0000${f.action ?? ''}`;
      const t = byTask.get(key) ?? byTask.set(key, { playbook: f.playbook, task: f.task, action: f.action, count: 0 }).get(key)!;
      t.count += f.count;
      bySystem.set(f.system, (bySystem.get(f.system) ?? 0) + f.count);
    }
    const most = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
    return {
      window,
      from: w.from,
      to: w.to,
      bucketSeconds: w.bucketSeconds,
      generatedAt: now.toISOString(),
      runs: stats.runs,
      totals,
      durations: stats.durations,
      queue: stats.queue,
      queueNow: stats.queueNow,
      failuresByTask: [...byTask.values()].sort(most),
      failuresBySystem: [...bySystem].map(([system, count]) => ({ system, count })).sort(most),
      stock,
    };
  }
}
