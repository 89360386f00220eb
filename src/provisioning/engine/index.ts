import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DbNotifier } from '../../db/notifier.js';
import type { DB } from '../../db/schema.js';
import { Tracing } from '../../observability/tracing.js';
import type { ActionDeps } from '../actions/action.js';
import type { RunLedger } from '../ledger.js';
import { type BatchGate, Dispatcher } from './dispatcher.js';
import { GroupRunner } from './group-runner.js';
import { StuckRunSweep } from './sweep.js';
import { Undoer } from './undo.js';

export type { BatchGate } from './dispatcher.js';
export { taskName } from './group-runner.js';

export interface EngineOptions {
  db: Kysely<DB>;
  ledger: RunLedger;
  notifier: DbNotifier;
  logger: Logger;
  deps: ActionDeps;
  gate: BatchGate;
  /** Runs this process works on at once. */
  concurrency: number;
  /** Runs in one group at most. */
  groupSize: number;
  /** Scales every retry delay (tests set it near 0). */
  retryDelayScale: number;
  /** This process's name among the workers sharing a PostgreSQL. */
  workerId: string;
  /** This process runs work (serve and worker); false for a process that only starts it. */
  runWorkflows: boolean;
  leaseMs?: number;
  gatherMs?: number;
  /** Spans for runs, tasks and outside calls (issue 12); off when not given. */
  tracing?: Tracing;
}

/**
 * The provisioning engine (issue 10): a dispatcher that claims queued runs in groups and leases
 * them, a group runner that takes a group through its playbook task by task, the undo of what
 * runs did outside, and the sweep of runs nobody will end. Every status change goes through the
 * ledger (src/provisioning/ledger.ts).
 */
export class ProvisioningEngine {
  readonly dispatcher: Dispatcher | null;
  private readonly sweep: StuckRunSweep;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly o: EngineOptions) {
    const undoer = new Undoer({ db: o.db, ledger: o.ledger, deps: o.deps, logger: o.logger, retryDelayScale: o.retryDelayScale });
    const runner = new GroupRunner({ db: o.db, ledger: o.ledger, deps: o.deps, undoer, logger: o.logger, retryDelayScale: o.retryDelayScale, tracing: o.tracing ?? Tracing.off() });
    this.dispatcher = o.runWorkflows
      ? new Dispatcher({
          db: o.db,
          ledger: o.ledger,
          runner,
          undoer,
          notifier: o.notifier,
          logger: o.logger,
          gate: o.gate,
          workerId: o.workerId,
          capacity: o.concurrency,
          groupSize: o.groupSize,
          leaseMs: o.leaseMs ?? 20_000,
          gatherMs: o.gatherMs ?? 2,
        })
      : null;
    this.sweep = new StuckRunSweep({ db: o.db, ledger: o.ledger, logger: o.logger });
  }

  /** Whether the engine has started (health: ready) and is not draining. */
  get ready(): boolean {
    return this.launched && !this.draining;
  }

  /** Runs this process works on now (metrics). */
  get runsInFlight(): number {
    return this.dispatcher?.runsInFlight ?? 0;
  }

  private launched = false;
  private draining = false;

  async launch(): Promise<void> {
    await this.dispatcher?.start();
    await this.reconcile();
    this.sweeper = setInterval(() => void this.reconcile().catch((err: Error) => this.o.logger.warn({ err: err.message }, 'the stuck-run sweep failed')), 60_000);
    this.sweeper.unref();
    this.launched = true;
  }

  /** Ends the runs nobody will end (R8.4); how many. */
  reconcile(): Promise<number> {
    return this.sweep.run();
  }

  /** SIGTERM: takes no more work, and lets the runs under way end (up to `graceMs`). */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    await this.dispatcher?.drain(graceMs);
  }

  async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.dispatcher?.drain(0);
    await this.dispatcher?.stop();
  }
}
