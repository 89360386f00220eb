import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * The version DBOS records on workflows: a process recovers and runs only its own version's.
 * It names the workflow code's shape, not the release, so an upgrade goes on with the work an
 * older process left; change it only when the workflows change incompatibly.
 */
export const WORKFLOW_VERSION = 'switchboard-workflows-1';
export const APP_NAME = 'switchboard';

/**
 * DBOS, the durable workflow engine of the scheduled work (billing: renewals, payment retries,
 * the sweep every minute): its configuration, launch and shutdown, once per process. Provisioning
 * runs are not DBOS workflows: they are claimed in groups from their own tables
 * (src/provisioning/engine/), which is measured to cost a fraction of a workflow per run.
 */
export class WorkflowRuntime {
  private launched = false;

  constructor(
    private readonly o: { pool: pg.Pool; kind: 'embedded' | 'postgres'; logger: Logger; executorId: string; runWorkflows: boolean },
  ) {}

  async launch(): Promise<void> {
    const log = this.o.logger;
    DBOS.setConfig({
      name: APP_NAME,
      systemDatabasePool: this.o.pool,
      systemDatabaseSchemaName: 'dbos',
      applicationVersion: WORKFLOW_VERSION,
      executorID: this.o.executorId,
      logger: {
        info: (m: unknown) => log.debug({ dbos: true }, String(m)),
        debug: (m: unknown) => log.trace({ dbos: true }, String(m)),
        warn: (m: unknown) => log.warn({ dbos: true }, String(m)),
        error: (m: unknown) => log.error({ dbos: true, err: m instanceof Error ? m.message : String(m) }, 'workflow engine error'),
      },
      // PGlite: one session, no LISTEN/NOTIFY between DBOS's own connections (STACK.md).
      useListenNotify: this.o.kind === 'postgres',
      ...(this.o.kind === 'embedded' && { systemDatabasePollingConcurrency: 0, maxConcurrentQueueDispatches: 1 }),
      ...(!this.o.runWorkflows && { listenQueues: [] }),
    });
    await DBOS.launch();
    this.launched = true;
  }

  async shutdown(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    this.pruner = null;
    if (this.launched) await DBOS.shutdown();
    this.launched = false;
  }

  private pruner: NodeJS.Timeout | null = null;

  /**
   * Keeps DBOS's own records of finished workflows for `days` (RUN_HISTORY_DAYS), pruned every six
   * hours and a minute after start (issue 12). Only DBOS's tables are touched: billing's charges and
   * payments, and provisioning's runs, tasks and events (which are not DBOS workflows), are kept.
   * An old workflow ID is never needed again: a renewal's names its period and a charge attempt's
   * its attempt, both past.
   */
  startPruning(days: number): void {
    if (!this.o.runWorkflows || this.pruner) return;
    const prune = () =>
      void this.prune(new Date(Date.now() - days * 86_400_000))
        .then((n) => n && this.o.logger.info({ workflows: n, days }, 'pruned finished workflows older than RUN_HISTORY_DAYS'))
        .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'pruning finished workflows failed; tried again later'));
    setTimeout(prune, 60_000).unref();
    this.pruner = setInterval(prune, 6 * 3_600_000);
    this.pruner.unref();
  }

  /** Deletes DBOS's records of workflows that finished before `before`; how many. */
  async prune(before: Date): Promise<number> {
    if (!this.launched) return 0;
    let total = 0;
    for (;;) {
      const old = await DBOS.listWorkflows({ status: ['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'], completedBefore: before.toISOString(), limit: 500, loadInput: false, loadOutput: false });
      if (!old.length) return total;
      await DBOS.deleteWorkflows(old.map((w) => w.workflowID), true);
      total += old.length;
    }
  }
}
