import { transaction } from '../db/transaction.js';
import { DBOS, Error as DBOSErrors } from '@dbos-inc/dbos-sdk';

const { DBOSStepTimeoutError } = DBOSErrors;
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type pg from 'pg';
import { type DB, type Executor, json } from '../db/schema.js';
import { TaskError } from '../integrations/errors.js';
import type { ActionContext, ActionDeps } from './actions/action.js';
import { actions } from './actions/index.js';
import type { Playbook } from './playbooks/playbook.schema.js';
import { evaluateCondition, renderDeep, renderString } from './playbooks/templating.js';
import type { ProgressHub } from './progress-hub.js';
import { doneTaskStatuses, provisionLifecycle, taskLifecycle } from './provisioning.lifecycle.js';
import type { ProvisionStatus, RunVariables, TaskStatus } from './provisioning.schemas.js';
import type { LogLine } from './provisioning.tables.js';

/**
 * Runs playbooks durably on DBOS. One workflow per attempt of a provision (ID `<provision>:<n>`);
 * each task is a checkpointed step that also records its status, output and log in the
 * provision tables. A process killed mid-run resumes on restart: finished steps are not run again,
 * the interrupted one is (actions are safe to repeat). The workflow is enqueued by SQL in the very
 * transaction that creates the provision (`dbos.enqueue_workflow`), so a provision never exists
 * without its run, nor a run without its provision.
 */
export const QUEUE = 'provisioning';
export const APP_NAME = 'switchboard';
const PROVISION_WORKFLOW = 'provision';
const CANCEL_WORKFLOW = 'provision-cancel';

export interface EngineOptions {
  db: Kysely<DB>;
  pool: pg.Pool;
  kind: 'embedded' | 'postgres';
  logger: Logger;
  hub: ProgressHub;
  deps: ActionDeps;
  /** Workflows this process runs at once. */
  concurrency: number;
  /** Scales every retry delay (tests set it near 0). */
  retryDelayScale: number;
  /** Set per process when several share a PostgreSQL: recovery takes back this executor's runs. */
  executorId: string;
  applicationVersion: string;
  /** This process runs workflows (serve and worker); false for a process that only enqueues. */
  runWorkflows: boolean;
}

interface PlanTask {
  seq: number;
  done: boolean;
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
}

interface RunPlan {
  deadline: number;
  tasks: PlanTask[];
}

type FailureOutcome = { outcome: 'ignored' } | { outcome: 'stop'; status: 'failed' | 'timed_out'; undo: number[] };

let engine: ProvisioningEngine | null = null;
const current = (): ProvisioningEngine => {
  if (!engine) throw new Error('The provisioning engine is not running in this process');
  return engine;
};

/** The workflow: the same code on every attempt; finished tasks are skipped. */
async function provisionWorkflow(provisionId: string, attempt: number): Promise<string> {
  const plan = await DBOS.runStep(() => current().begin(provisionId, attempt), { name: 'begin' });
  if (!plan) return 'stale';
  for (const t of plan.tasks) {
    if (t.done) continue;
    const remaining = plan.deadline - (await DBOS.now());
    if (remaining <= 0) {
      await DBOS.runStep(() => current().stopAtDeadline(provisionId, attempt, t.seq), { name: 'deadline' });
      return 'timed_out';
    }
    try {
      await DBOS.runStep(() => current().runTask(provisionId, attempt, t.seq, plan.deadline), {
        name: `task ${t.seq}`,
        retriesAllowed: t.retries > 0,
        maxAttempts: t.retries + 1,
        intervalSeconds: t.retryDelayMs / 1000,
        backoffRate: 2,
        timeoutMS: Math.max(1, Math.min(t.timeoutMs, remaining)),
        shouldRetry: (e) => current().shouldRetry(e, plan.deadline),
      });
    } catch (e) {
      const timedOut = e instanceof DBOSStepTimeoutError || (e as { errors?: unknown[] }).errors?.some((x) => x instanceof DBOSStepTimeoutError) === true;
      const outcome = await DBOS.runStep(() => current().taskFailed(provisionId, attempt, t.seq, plan.deadline, timedOut ? t.timeoutMs : null), { name: `task ${t.seq} failed` });
      if (outcome.outcome === 'ignored') continue;
      for (const seq of outcome.undo) {
        await DBOS.runStep(() => current().undoTask(provisionId, seq), { name: `undo ${seq}`, retriesAllowed: true, maxAttempts: 3, intervalSeconds: 1 });
      }
      await DBOS.runStep(() => current().finish(provisionId, attempt, outcome.status), { name: 'finish' });
      return outcome.status;
    }
  }
  await DBOS.runStep(() => current().finish(provisionId, attempt, 'succeeded'), { name: 'finish' });
  return 'succeeded';
}

/** After a failed service is cancelled: undo what its run did outside (OCS account, RADIUS user...). */
async function cancelWorkflow(provisionId: string): Promise<string> {
  const seqs = await DBOS.runStep(() => current().undoable(provisionId), { name: 'undoable' });
  for (const seq of seqs) {
    await DBOS.runStep(() => current().undoTask(provisionId, seq), { name: `undo ${seq}`, retriesAllowed: true, maxAttempts: 5, intervalSeconds: 2 });
  }
  return 'cancelled';
}

const registered = {
  provision: DBOS.registerWorkflow(provisionWorkflow, { name: PROVISION_WORKFLOW }),
  cancel: DBOS.registerWorkflow(cancelWorkflow, { name: CANCEL_WORKFLOW }),
};
void registered;

export class ProvisioningEngine {
  private launched = false;

  constructor(private readonly o: EngineOptions) {}

  // --- lifecycle of the engine ------------------------------------------------------------------

  async launch(): Promise<void> {
    if (engine) throw new Error('Only one provisioning engine can run in a process');
    engine = this;
    const dbosLogger = {
      info: (m: unknown) => this.o.logger.debug({ dbos: true }, String(m)),
      debug: (m: unknown) => this.o.logger.trace({ dbos: true }, String(m)),
      warn: (m: unknown) => this.o.logger.warn({ dbos: true }, String(m)),
      error: (m: unknown) => this.o.logger.error({ dbos: true, err: m instanceof Error ? m.message : String(m) }, 'workflow engine error'),
    };
    DBOS.setConfig({
      name: APP_NAME,
      systemDatabasePool: this.o.pool,
      systemDatabaseSchemaName: 'dbos',
      applicationVersion: this.o.applicationVersion,
      executorID: this.o.executorId,
      logger: dbosLogger,
      // PGlite: one session, no LISTEN/NOTIFY between DBOS's own connections (STACK.md).
      useListenNotify: this.o.kind === 'postgres',
      ...(this.o.kind === 'embedded' && { systemDatabasePollingConcurrency: 0, maxConcurrentQueueDispatches: 1 }),
      ...(!this.o.runWorkflows && { listenQueues: [] }),
    });
    await DBOS.launch();
    await DBOS.registerQueue(QUEUE, { workerConcurrency: this.o.concurrency, minPollingIntervalMs: 100, onConflict: 'always_update' });
    this.launched = true;
  }

  async shutdown(): Promise<void> {
    if (this.launched) await DBOS.shutdown();
    this.launched = false;
    if (engine === this) engine = null;
  }

  /** Enqueues an attempt's workflow in the caller's transaction. */
  async enqueue(trx: Executor, provisionId: string, attempt: number): Promise<void> {
    await sql`select dbos.enqueue_workflow(
      ${PROVISION_WORKFLOW}, ${QUEUE}, array[${JSON.stringify(provisionId)}::json, ${String(attempt)}::json], '{}'::json,
      null, null, ${`${provisionId}:${attempt}`}, ${this.o.applicationVersion}, null, null, null, null, null, null, null, null, ${APP_NAME})`.execute(trx);
  }

  async enqueueCancel(trx: Executor, provisionId: string): Promise<void> {
    await sql`select dbos.enqueue_workflow(
      ${CANCEL_WORKFLOW}, ${QUEUE}, array[${JSON.stringify(provisionId)}::json], '{}'::json,
      null, null, ${`${provisionId}:cancel`}, ${this.o.applicationVersion}, null, null, null, null, null, null, null, null, ${APP_NAME})`.execute(trx);
  }

  // --- steps ------------------------------------------------------------------------------------

  /** Runs are timed by the wall clock: a deadline is real elapsed time. */
  private now(): string {
    return new Date().toISOString();
  }

  private async load(db: Executor, provisionId: string) {
    const p = await db.selectFrom('provisions').selectAll().where('id', '=', provisionId).executeTakeFirst();
    if (!p) throw new Error(`provision ${provisionId} not found`);
    return p;
  }

  async event(db: Executor, provisionId: string, attempt: number, taskSeq: number | null, status: string, message: string | null): Promise<void> {
    await db.insertInto('provisionEvents').values({ provisionId, attempt, taskSeq, status, message }).execute();
  }

  /** Marks the run running (or finds it already running after a restart) and returns its plan. */
  async begin(provisionId: string, attempt: number): Promise<RunPlan | null> {
    const result = await transaction(this.o.db, async (trx) => {
      const p = await trx.selectFrom('provisions').selectAll().where('id', '=', provisionId).forUpdate().executeTakeFirst();
      if (!p || p.attempt !== attempt || (p.status !== 'queued' && p.status !== 'running')) return null;
      let deadline = p.deadlineAt;
      if (p.status === 'queued') {
        provisionLifecycle.assert(p.status, 'running');
        const now = new Date();
        deadline = new Date(now.getTime() + p.timeoutSeconds * 1000).toISOString();
        await trx.updateTable('provisions').set({ status: 'running', startedAt: now.toISOString(), deadlineAt: deadline, updatedAt: now.toISOString() }).where('id', '=', provisionId).execute();
        await this.event(trx, provisionId, attempt, null, 'running', attempt > 1 ? `Attempt ${attempt} started` : 'Started');
      }
      const tasks = await trx.selectFrom('provisionTasks').select(['seq', 'status']).where('provisionId', '=', provisionId).orderBy('seq').execute();
      const spec = p.playbookSnapshot.tasks;
      return {
        deadline: Date.parse(deadline!),
        tasks: tasks.map((t) => {
          const s = spec[t.seq - 1]!;
          return {
            seq: t.seq,
            done: doneTaskStatuses.includes(t.status),
            retries: s.retries,
            retryDelayMs: Math.max(1, Math.round(s.retry_delay * this.o.retryDelayScale)),
            timeoutMs: s.timeout,
          };
        }),
      };
    });
    if (result) this.o.hub.changed(provisionId);
    return result;
  }

  /** Whether a failed attempt is worth another: the error says so, and there is time left. */
  shouldRetry(e: unknown, deadline: number): boolean {
    if (Date.now() >= deadline) return false;
    if (e instanceof TaskError) return e.retryable;
    return true;
  }

  private async setTask(db: Executor, provisionId: string, seq: number, to: TaskStatus, patch: Record<string, unknown> = {}): Promise<void> {
    const t = await db.selectFrom('provisionTasks').select('status').where('provisionId', '=', provisionId).where('seq', '=', seq).forUpdate().executeTakeFirstOrThrow();
    if (t.status !== to) taskLifecycle.assert(t.status, to);
    await db
      .updateTable('provisionTasks')
      .set({ status: to, ...patch })
      .where('provisionId', '=', provisionId)
      .where('seq', '=', seq)
      .execute();
  }

  private context(p: { id: string; attempt: number; variables: RunVariables }, seq: number, signal: AbortSignal, lines: LogLine[]): ActionContext {
    return {
      provisionId: p.id,
      attempt: p.attempt,
      taskSeq: seq,
      idempotencyKey: `${p.id}:${seq}`,
      vars: p.variables,
      signal,
      log: (line) => lines.push({ at: this.now(), line }),
      deps: this.o.deps,
    };
  }

  /** One attempt of one task: record it running, run the action, record what came of it. */
  async runTask(provisionId: string, attempt: number, seq: number, deadline: number): Promise<void> {
    const p = await this.load(this.o.db, provisionId);
    if (p.attempt !== attempt || p.status !== 'running') return;
    const spec = p.playbookSnapshot.tasks[seq - 1]!;
    const action = actions.get(spec.action)!;
    const task = await this.o.db.selectFrom('provisionTasks').selectAll().where('provisionId', '=', provisionId).where('seq', '=', seq).executeTakeFirstOrThrow();
    if (doneTaskStatuses.includes(task.status)) return;

    if (spec.when && !evaluateCondition(spec.when, p.variables)) {
      await transaction(this.o.db, async (trx) => {
        await this.setTask(trx, provisionId, seq, 'skipped', { finishedAt: this.now(), log: json([...task.log, { at: this.now(), line: `Skipped: "${spec.when}" is false.` }]) });
        await this.event(trx, provisionId, attempt, seq, 'skipped', null);
      });
      this.o.hub.changed(provisionId);
      return;
    }

    const attemptNo = task.attempts + 1;
    const lines: LogLine[] = [...task.log, { at: this.now(), line: `Attempt ${attemptNo} started${attempt > 1 ? ` (run ${attempt})` : ''}.` }];
    await transaction(this.o.db, async (trx) => {
      await this.setTask(trx, provisionId, seq, 'running', { attempts: attemptNo, startedAt: task.startedAt ?? this.now(), error: null, log: json(lines) });
      await this.event(trx, provisionId, attempt, seq, 'running', attemptNo > 1 ? `Attempt ${attemptNo}` : null);
    });
    this.o.hub.changed(provisionId);

    const signals = [AbortSignal.timeout(Math.max(1, deadline - Date.now()))];
    const stepSignal = DBOS.stepStatus?.timeoutSignal;
    if (stepSignal) signals.push(stepSignal);
    const signal = AbortSignal.any(signals);

    try {
      const args = action.args.parse(renderDeep(spec.args, p.variables));
      const result = await action.run(this.context(p, seq, signal, lines), args);
      lines.push({ at: this.now(), line: 'Done.' });
      await transaction(this.o.db, async (trx) => {
        await this.setTask(trx, provisionId, seq, 'succeeded', { output: json(result.output), undo: result.undo ? json(result.undo) : null, log: json(lines), finishedAt: this.now(), error: null });
        await this.event(trx, provisionId, attempt, seq, 'succeeded', null);
      });
      this.o.hub.changed(provisionId);
    } catch (e) {
      const err = describe(e);
      lines.push({ at: this.now(), line: `Attempt ${attemptNo} failed: ${err.message}${err.hint ? ` (${err.hint})` : ''}` });
      await this.o.db
        .updateTable('provisionTasks')
        .set({ error: err.message, output: json({ error: err }), log: json(lines) })
        .where('provisionId', '=', provisionId)
        .where('seq', '=', seq)
        .where('status', '=', 'running')
        .execute();
      this.o.hub.changed(provisionId);
      throw e;
    }
  }

  /** A task failed for good: ignore it (ignore_errors), or stop the run, saying which undo to do. */
  async taskFailed(provisionId: string, attempt: number, seq: number, deadline: number, stepTimeoutMs: number | null): Promise<FailureOutcome> {
    const out = await transaction(this.o.db, async (trx): Promise<FailureOutcome> => {
      const p = await this.load(trx, provisionId);
      const spec = p.playbookSnapshot.tasks[seq - 1]!;
      const task = await trx.selectFrom('provisionTasks').selectAll().where('provisionId', '=', provisionId).where('seq', '=', seq).executeTakeFirstOrThrow();
      const pastDeadline = Date.now() >= deadline;
      let message = task.error ?? 'The task failed.';
      if (stepTimeoutMs !== null && !pastDeadline) message = `No answer within ${seconds(stepTimeoutMs)}.`;
      if (pastDeadline) message = `Provisioning did not finish within ${seconds(p.timeoutSeconds * 1000)}.`;
      const lines = [...task.log, { at: this.now(), line: spec.ignore_errors ? `Failed, ignored (ignore_errors): ${message}` : `Failed: ${message}` }];
      if (spec.ignore_errors && !pastDeadline) {
        if (task.status !== 'ignored') await this.setTask(trx, provisionId, seq, 'ignored', { error: message, log: json(lines), finishedAt: this.now() });
        await this.event(trx, provisionId, attempt, seq, 'ignored', message);
        return { outcome: 'ignored' };
      }
      if (task.status === 'running' || task.status === 'pending') {
        if (task.status === 'pending') await this.setTask(trx, provisionId, seq, 'running');
        await this.setTask(trx, provisionId, seq, 'failed', { error: message, log: json(lines), finishedAt: this.now() });
      }
      await this.event(trx, provisionId, attempt, seq, 'failed', message);
      const status = pastDeadline ? 'timed_out' : 'failed';
      const stored = (task.output as { error?: { code?: string; hint?: string } } | null)?.error;
      const code = pastDeadline ? 'PROVISIONING_TIMED_OUT' : stepTimeoutMs !== null ? 'TASK_TIMED_OUT' : (stored?.code ?? 'TASK_FAILED');
      const hint = pastDeadline
        ? 'Check that the OCS and the network are online and look at the logs, then retry.'
        : stepTimeoutMs !== null
          ? `The system behind "${task.name}" is slow or down; check it, then retry.`
          : (stored?.hint ?? 'Look at the logs of this task, fix the cause, then retry.');
      await trx
        .updateTable('provisions')
        .set({ failedTask: seq, errorCode: code, error: pastDeadline ? `${message} It stopped at "${task.name}".` : message, errorHint: hint, updatedAt: this.now() })
        .where('id', '=', provisionId)
        .execute();
      const rollbackAll = p.playbookSnapshot.on_failure === 'rollback';
      const succeeded = await trx.selectFrom('provisionTasks').select(['seq', 'undo']).where('provisionId', '=', provisionId).where('status', '=', 'succeeded').orderBy('seq', 'desc').execute();
      const undo = succeeded
        .filter((t) => t.undo && actions.get(p.playbookSnapshot.tasks[t.seq - 1]!.action)?.undo && (rollbackAll || p.playbookSnapshot.tasks[t.seq - 1]!.undo_on_failure))
        .map((t) => t.seq);
      return { outcome: 'stop', status, undo };
    });
    this.o.hub.changed(provisionId);
    return out;
  }

  /** The run's deadline passed between two tasks (after a restart, say). */
  async stopAtDeadline(provisionId: string, attempt: number, seq: number): Promise<void> {
    const p = await this.load(this.o.db, provisionId);
    const task = await this.o.db.selectFrom('provisionTasks').select('name').where('provisionId', '=', provisionId).where('seq', '=', seq).executeTakeFirstOrThrow();
    await this.o.db
      .updateTable('provisions')
      .set({
        failedTask: seq,
        errorCode: 'PROVISIONING_TIMED_OUT',
        error: `Provisioning did not finish within ${seconds(p.timeoutSeconds * 1000)}. It stopped before "${task.name}".`,
        errorHint: 'Check that the OCS and the network are online and look at the logs, then retry.',
      })
      .where('id', '=', provisionId)
      .execute();
    await this.finish(provisionId, attempt, 'timed_out');
  }

  /** Undoes one task that succeeded (rollback, or cleanup after a cancel). Repeating it is harmless. */
  async undoTask(provisionId: string, seq: number): Promise<void> {
    const p = await this.load(this.o.db, provisionId);
    const task = await this.o.db.selectFrom('provisionTasks').selectAll().where('provisionId', '=', provisionId).where('seq', '=', seq).executeTakeFirstOrThrow();
    if (task.status !== 'succeeded' || !task.undo) return;
    const action = actions.get(task.action)!;
    const lines: LogLine[] = [...task.log];
    await action.undo!(this.context(p, seq, AbortSignal.timeout(60_000), lines), task.undo);
    lines.push({ at: this.now(), line: 'Undone.' });
    await transaction(this.o.db, async (trx) => {
      await this.setTask(trx, provisionId, seq, 'rolled_back', { log: json(lines) });
      await this.event(trx, provisionId, p.attempt, seq, 'rolled_back', null);
    });
    this.o.hub.changed(provisionId);
  }

  /** Tasks a cancel should undo, last first. */
  async undoable(provisionId: string): Promise<number[]> {
    const rows = await this.o.db.selectFrom('provisionTasks').select(['seq', 'action', 'undo']).where('provisionId', '=', provisionId).where('status', '=', 'succeeded').orderBy('seq', 'desc').execute();
    return rows.filter((r) => r.undo && actions.get(r.action)?.undo).map((r) => r.seq);
  }

  /** The run ends: the provision's status, and a new service that failed stays, not active (R8.2). */
  async finish(provisionId: string, attempt: number, status: Extract<ProvisionStatus, 'succeeded' | 'failed' | 'timed_out'>): Promise<void> {
    await transaction(this.o.db, async (trx) => {
      const p = await trx.selectFrom('provisions').selectAll().where('id', '=', provisionId).forUpdate().executeTakeFirstOrThrow();
      if (p.attempt !== attempt || p.status === status) return;
      provisionLifecycle.assert(p.status, status);
      const now = this.now();
      await trx
        .updateTable('provisions')
        .set({ status, finishedAt: now, updatedAt: now, ...(status === 'succeeded' && { failedTask: null, errorCode: null, error: null, errorHint: null }) })
        .where('id', '=', provisionId)
        .execute();
      if (status !== 'succeeded' && p.kind === 'new_service' && p.serviceId) {
        const service = await trx.selectFrom('services').select('status').where('id', '=', p.serviceId).executeTakeFirstOrThrow();
        if (service.status === 'provisioning') await this.o.deps.services.transition(trx, p.serviceId, 'failed');
      }
      await this.event(trx, provisionId, attempt, null, status, status === 'succeeded' ? 'Completed' : p.error);
    });
    this.o.hub.changed(provisionId);
    this.o.logger.info({ provisionId, attempt, status }, 'provisioning finished');
  }
}

function describe(e: unknown): { code: string; message: string; hint?: string } {
  if (e instanceof TaskError) return { code: e.code, message: e.message, ...(e.hint && { hint: e.hint }) };
  if (e instanceof DBOSStepTimeoutError) return { code: 'TASK_TIMED_OUT', message: `No answer within ${seconds(e.timeoutMS)}.` };
  const err = e as Error & { name?: string };
  if (err?.name === 'ZodError') return { code: 'BAD_ARGUMENTS', message: `The task's arguments are wrong: ${err.message}`, hint: 'Fix the playbook or the product, then retry.' };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return { code: 'TASK_TIMED_OUT', message: 'The task was stopped: its time was up.' };
  return { code: 'TASK_FAILED', message: err?.message ?? String(e) };
}

function seconds(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** For tests and the console: the text a task's name renders to. */
export function taskName(spec: Playbook['tasks'][number], vars: RunVariables): string {
  try {
    return String(renderString(spec.name, vars));
  } catch {
    return spec.name;
  }
}
