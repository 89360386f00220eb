import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.js';
import { sleep } from '../../integrations/errors.js';
import type { ActionDeps } from '../actions/action.js';
import { actions } from '../actions/index.js';
import type { RunLedger } from '../ledger.js';
import type { Playbook } from '../playbooks/playbook.schema.js';
import type { RunVariables } from '../provisioning.schemas.js';
import type { LogLine } from '../provisioning.tables.js';
import { describe } from './group-runner.js';

export interface UndoSubject {
  id: string;
  attempt: number;
  playbook: Playbook;
  variables: RunVariables;
}

/**
 * Undoing what a run did outside: the rollback of a run that failed (on_failure: rollback, or
 * tasks marked undo_on_failure), and the clean-up after a failed run is cancelled (everything it
 * did, and what a failed attempt may still have done: `undoFor`). Each undo stands alone: one that
 * cannot be done (its system still down) is written in its task's log and as an `undo_failed`
 * event for staff to finish by hand, and the others are still done.
 */
export class Undoer {
  constructor(
    private readonly o: { db: Kysely<DB>; ledger: RunLedger; deps: ActionDeps; logger: Logger; retryDelayScale: number },
  ) {}

  /** Seconds between the tries of an undo (scaled like task retries, for tests). */
  private get intervalMs(): number {
    return 2000 * this.o.retryDelayScale;
  }

  /** A failed run's rollback, as its playbook says: the tasks that succeeded, last first. */
  async rollback(run: UndoSubject): Promise<void> {
    const rollbackAll = run.playbook.on_failure === 'rollback';
    const tasks = await this.o.db.selectFrom('provisionTasks').select(['seq', 'action', 'undo']).where('provisionId', '=', run.id).where('status', '=', 'succeeded').orderBy('seq', 'desc').execute();
    const seqs = tasks.filter((t) => t.undo && actions.get(t.action)?.undo && (rollbackAll || run.playbook.tasks[t.seq - 1]?.undo_on_failure)).map((t) => t.seq);
    for (const seq of seqs) await this.undoTask(run, seq, 3);
  }

  /**
   * After a cancel: undo what the run did outside, succeeded tasks and failed ones with a planned
   * undo, last first; then the run has nothing left to undo. Returns whether everything was undone.
   */
  async cleanUp(run: UndoSubject): Promise<boolean> {
    const tasks = await this.o.db.selectFrom('provisionTasks').select(['seq', 'action', 'undo']).where('provisionId', '=', run.id).where('status', 'in', ['succeeded', 'failed']).orderBy('seq', 'desc').execute();
    let all = true;
    for (const t of tasks) if (t.undo && actions.get(t.action)?.undo) all = (await this.undoTask(run, t.seq, 5)) && all;
    await this.o.db.updateTable('provisions').set({ undoPending: false }).where('id', '=', run.id).execute();
    return all;
  }

  /** One task's undo, tried a few times; if it cannot be done, its task says so. */
  private async undoTask(run: UndoSubject, seq: number, tries: number): Promise<boolean> {
    const task = await this.o.db.selectFrom('provisionTasks').select(['action', 'status', 'undo', 'log']).where('provisionId', '=', run.id).where('seq', '=', seq).executeTakeFirst();
    if (!task || (task.status !== 'succeeded' && task.status !== 'failed') || !task.undo) return true;
    const action = actions.get(task.action)!;
    let why = '';
    for (let i = 1; i <= tries; i++) {
      const lines: LogLine[] = [];
      try {
        await action.undo!(
          {
            provisionId: run.id,
            attempt: run.attempt,
            taskSeq: seq,
            idempotencyKey: `${run.id}:${seq}`,
            vars: run.variables,
            signal: AbortSignal.timeout(60_000),
            log: (line) => lines.push({ at: new Date().toISOString(), line }),
            deps: this.o.deps,
          },
          task.undo,
        );
        await this.o.ledger.write((w) => w.rolledBack(run.id, run.attempt, seq, lines));
        return true;
      } catch (e) {
        why = describe(e).message.replace(/\.?$/, '.');
        if (i < tries) await sleep(this.intervalMs);
      }
    }
    await this.o.ledger.write((w) => w.undoFailed(run.id, run.attempt, seq, `Undo failed: ${why} Undo it by hand in the system concerned.`));
    this.o.logger.warn({ provisionId: run.id, seq, why }, 'an undo could not be done');
    return false;
  }
}
