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
    if (this.launched) await DBOS.shutdown();
    this.launched = false;
  }
}
