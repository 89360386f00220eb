import { transaction } from '../db/transaction.js';
import { DBOS, Error as DBOSErrors } from '@dbos-inc/dbos-sdk';

const { DBOSStepTimeoutError } = DBOSErrors;
import { type Kysely, type RawBuilder, sql } from 'kysely';
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
import type { ProvisionKind, ProvisionStatus, RunVariables, TaskStatus } from './provisioning.schemas.js';
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
/** Each batch of a bulk assignment (R11.3) runs on its own queue, whose limit is the batch's. */
export const batchQueue = (batchId: string) => `batch-${batchId}`;
/**
 * The version DBOS records on workflows: a process recovers and runs only its own version's.
 * It names the workflow code's shape, not the release, so an upgrade goes on with the runs an
 * older process left; change it only when the workflows change incompatibly.
 */
export const WORKFLOW_VERSION = 'switchboard-workflows-1';
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

interface RunInfo {
  id: string;
  kind: ProvisionKind;
  variables: RunVariables;
  playbook: Playbook;
  timeoutSeconds: number;
}

type FailureOutcome = { outcome: 'ignored' } | { outcome: 'stop'; status: 'failed' | 'timed_out'; undo: number[] };

let engine: ProvisioningEngine | null = null;
const current = (): ProvisioningEngine => {
  if (!engine) throw new Error('The provisioning engine is not running in this process');
  return engine;
};

/** How long a row of a paused batch waits for the word to go before it looks again (seconds). */
const HELD_WAITS = [2, 5, 15, 60];
export const RESUME_TOPIC = 'resume';

/** The workflow: the same code on every attempt; finished tasks are skipped. */
async function provisionWorkflow(provisionId: string, attempt: number): Promise<string> {
  let plan = await DBOS.runStep(() => current().begin(provisionId, attempt), { name: 'begin' });
  // A row of a paused batch that the queue let through in the moment before the pause reached it
  // does not start: it waits, unstarted, for resume's word (or a later look), or for a cancel.
  for (let i = 0; plan === 'paused'; i++) {
    await DBOS.recv(RESUME_TOPIC, HELD_WAITS[Math.min(i, HELD_WAITS.length - 1)]);
    plan = await DBOS.runStep(() => current().begin(provisionId, attempt), { name: 'begin' });
  }
  if (!plan) return 'stale';
  for (const t of plan.tasks) {
    if (t.done) continue;
    try {
      // The time left only bounds the step (a setting, not a branch), so a replay takes the same path.
      await DBOS.runStep(() => current().runTask(provisionId, attempt, t.seq, plan.deadline), {
        name: `task ${t.seq}`,
        retriesAllowed: t.retries > 0,
        maxAttempts: t.retries + 1,
        intervalSeconds: t.retryDelayMs / 1000,
        backoffRate: 2,
        timeoutMS: Math.max(1, Math.min(t.timeoutMs, plan.deadline - Date.now())),
        shouldRetry: (e) => current().shouldRetry(e, plan.deadline),
      });
    } catch (e) {
      const timedOut = e instanceof DBOSStepTimeoutError || (e as { errors?: unknown[] }).errors?.some((x) => x instanceof DBOSStepTimeoutError) === true;
      const outcome = await DBOS.runStep(() => current().taskFailed(provisionId, attempt, t.seq, plan.deadline, timedOut ? t.timeoutMs : null), { name: `task ${t.seq} failed` });
      if (outcome.outcome === 'ignored') continue;
      for (const seq of outcome.undo) await undoStep(provisionId, seq, 3);
      await DBOS.runStep(() => current().finish(provisionId, attempt, outcome.status), { name: 'finish' });
      return outcome.status;
    }
  }
  await DBOS.runStep(() => current().finish(provisionId, attempt, 'succeeded'), { name: 'finish' });
  return 'succeeded';
}

/**
 * After a failed service is cancelled: undo what its run did outside (OCS account, RADIUS user...).
 * Each undo stands alone (so in a rollback too): one that cannot be done (its system still down) is
 * written in its task's log for staff to finish by hand, and the others are still done.
 */
async function cancelWorkflow(provisionId: string): Promise<string> {
  const seqs = await DBOS.runStep(() => current().undoable(provisionId), { name: 'undoable' });
  let undone = true;
  for (const seq of seqs) undone = (await undoStep(provisionId, seq, 5)) && undone;
  return undone ? 'cancelled' : 'cancelled, not all undone';
}

/** One task's undo as a step, tried a few times; if it cannot be done, its task says so. */
async function undoStep(provisionId: string, seq: number, tries: number): Promise<boolean> {
  try {
    await DBOS.runStep(() => current().undoTask(provisionId, seq), { name: `undo ${seq}`, retriesAllowed: true, maxAttempts: tries, intervalSeconds: current().undoRetrySeconds });
    return true;
  } catch (e) {
    const why = describe((e as { errors?: unknown[] }).errors?.at(-1) ?? e).message.replace(/\.?$/, '.');
    await DBOS.runStep(() => current().undoFailed(provisionId, seq, why), { name: `undo ${seq} failed` });
    return false;
  }
}

const registered = {
  provision: DBOS.registerWorkflow(provisionWorkflow, { name: PROVISION_WORKFLOW }),
  cancel: DBOS.registerWorkflow(cancelWorkflow, { name: CANCEL_WORKFLOW }),
};
void registered;

export class ProvisioningEngine {
  private launched = false;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly runs = new Map<string, RunInfo>();

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
      applicationVersion: WORKFLOW_VERSION,
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
    await this.reconcile();
    this.sweeper = setInterval(() => void this.reconcile().catch((err: Error) => this.o.logger.warn({ err: err.message }, 'reconcile failed')), 60_000);
    this.sweeper.unref();
  }

  /**
   * A run must never look busy forever (R8.4). Runs whose DBOS workflow has ended without saying
   * so (an engine error, a cancelled workflow) are failed; running runs more than two minutes
   * past their deadline (no process is working on them: every worker is gone) are timed out.
   * Each is decided in one transaction, guarded by its attempt, so two processes agree.
   */
  async reconcile(): Promise<number> {
    const overdue = new Date(Date.now() - 120_000).toISOString();
    const { rows } = await sql<{ id: string; attempt: number; why: 'ended' | 'overdue' }>`
      select p.id, p.attempt,
             case when w.status is not null and w.status not in ('ENQUEUED', 'PENDING', 'DELAYED') then 'ended' else 'overdue' end as why
      from provisions p
      left join dbos.workflow_status w on w.workflow_uuid = p.id::text || ':' || p.attempt
      where (p.status in ('queued', 'running') and w.status is not null and w.status not in ('ENQUEUED', 'PENDING', 'DELAYED'))
         or (p.status = 'running' and p.deadline_at < ${overdue})`.execute(this.o.db);
    let changed = 0;
    for (const r of rows) {
      const done = await transaction(this.o.db, async (trx) => {
        const p = await trx.selectFrom('provisions').selectAll().where('id', '=', r.id).where('attempt', '=', r.attempt).forUpdate().executeTakeFirst();
        if (!p || (p.status !== 'queued' && p.status !== 'running')) return false;
        const to = r.why === 'overdue' ? 'timed_out' : 'failed';
        if (p.status === 'queued') provisionLifecycle.assert('queued', 'running');
        provisionLifecycle.assert('running', to);
        const now = this.now();
        await trx
          .updateTable('provisions')
          .set({
            status: to,
            finishedAt: now,
            updatedAt: now,
            errorCode: r.why === 'overdue' ? 'PROVISIONING_TIMED_OUT' : 'ENGINE_ERROR',
            error: r.why === 'overdue' ? `Provisioning did not finish within ${seconds(p.timeoutSeconds * 1000)}: no process is working on it.` : 'The provisioning engine stopped this run unexpectedly.',
            errorHint: r.why === 'overdue' ? 'Check that a worker is running (switchboard worker), then retry.' : 'Retry it; if it stops again, look at the server log for this provisioning ID.',
          })
          .where('id', '=', r.id)
          .execute();
        if (p.kind === 'new_service' && p.serviceId) {
          const service = await trx.selectFrom('services').select('status').where('id', '=', p.serviceId).executeTakeFirstOrThrow();
          if (service.status === 'provisioning') await this.o.deps.services.transition(trx, p.serviceId, 'failed');
        }
        await this.event(trx, r.id, r.attempt, null, to, r.why === 'overdue' ? 'Past its deadline with no process working on it' : 'The workflow ended without finishing');
        return true;
      });
      if (done) {
        changed++;
        this.runs.delete(r.id);
        this.o.hub.changed(r.id);
        this.o.logger.warn({ provisionId: r.id, attempt: r.attempt, why: r.why }, 'a stalled run was ended');
      }
    }
    return changed;
  }

  async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.launched) await DBOS.shutdown();
    this.launched = false;
    if (engine === this) engine = null;
  }

  /** Enqueues an attempt's workflow in the caller's transaction (on a batch's queue for its rows). */
  async enqueue(trx: Executor, provisionId: string, attempt: number, queue: string = QUEUE): Promise<void> {
    await sql`select dbos.enqueue_workflow(
      ${PROVISION_WORKFLOW}, ${queue}, array[${JSON.stringify(provisionId)}::json, ${String(attempt)}::json], '{}'::json,
      null, null, ${`${provisionId}:${attempt}`}, ${WORKFLOW_VERSION}, null, null, null, null, null, null, null, null, ${APP_NAME})`.execute(trx);
  }

  /**
   * Opens (or reconfigures) a batch's queue: at most `concurrency` of its runs at once, across
   * every process (a global limit kept by DBOS in the database). Zero pauses it.
   */
  async setBatchQueue(batchId: string, concurrency: number): Promise<void> {
    await DBOS.registerQueue(batchQueue(batchId), { globalConcurrency: concurrency, minPollingIntervalMs: 100, onConflict: 'always_update' });
  }

  /** A finished batch's queue goes away (nothing is left on it). */
  async dropBatchQueue(batchId: string): Promise<void> {
    if ((await DBOS.retrieveQueue(batchQueue(batchId))) !== null) await DBOS.deleteQueue(batchQueue(batchId));
  }

  /** Tells the runs of a resumed batch that were held unstarted (see provisionWorkflow) to go. */
  async wakeHeld(workflowIds: string[]): Promise<void> {
    // A word that does not arrive costs only time: a held run also looks again by itself.
    for (const id of workflowIds) await DBOS.send(id, 'go', RESUME_TOPIC).catch(() => undefined);
  }

  /** Takes runs that will not start (their provision was cancelled) off their queue. */
  async cancelQueued(workflowIds: string[]): Promise<void> {
    if (workflowIds.length) await DBOS.cancelWorkflows(workflowIds);
  }

  async enqueueCancel(trx: Executor, provisionId: string): Promise<void> {
    await sql`select dbos.enqueue_workflow(
      ${CANCEL_WORKFLOW}, ${QUEUE}, array[${JSON.stringify(provisionId)}::json], '{}'::json,
      null, null, ${`${provisionId}:cancel`}, ${WORKFLOW_VERSION}, null, null, null, null, null, null, null, null, ${APP_NAME})`.execute(trx);
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

  /**
   * Marks the run running (or finds it already running after a restart) and returns its plan;
   * 'paused' while its batch is paused (it must not start yet); null when it is not to run.
   */
  async begin(provisionId: string, attempt: number): Promise<RunPlan | 'paused' | null> {
    const now = new Date();
    const { rows } = await sql<{ started: string | null; running: string | null; paused: boolean; kind: ProvisionKind; variables: RunVariables; playbookSnapshot: Playbook; timeoutSeconds: number }>`
      with held as (
        select exists (select 1 from provisions p join batches b on b.id = p.batch_id where p.id = ${provisionId} and b.status = 'paused') as paused
      ), started as (
        update provisions set status = 'running', started_at = ${now.toISOString()}, updated_at = ${now.toISOString()},
               deadline_at = ${now.toISOString()}::timestamptz + make_interval(secs => timeout_seconds)
        where id = ${provisionId} and attempt = ${attempt} and status = any(${provisionLifecycle.sourcesOf('running')}::text[])
          and not (select paused from held)
        returning deadline_at
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message)
        select ${provisionId}, ${attempt}, null, 'running', ${attempt > 1 ? `Attempt ${attempt} started` : 'Started'} from started
      )
      select (select deadline_at from started) as started,
             case when p.status = 'running' and p.attempt = ${attempt} then p.deadline_at end as running,
             p.status = 'queued' and p.attempt = ${attempt} and (select paused from held) as paused,
             p.kind, p.variables, p.playbook_snapshot, p.timeout_seconds
      from provisions p where p.id = ${provisionId}`.execute(this.o.db);
    const r = rows[0];
    if (r?.paused) return 'paused';
    const deadline = r?.started ?? r?.running;
    if (!r || !deadline) return null;
    this.remember({ id: provisionId, kind: r.kind, variables: r.variables, playbook: r.playbookSnapshot, timeoutSeconds: r.timeoutSeconds });
    if (r.started) this.o.hub.changed(provisionId);
    const tasks = await this.o.db.selectFrom('provisionTasks').select(['seq', 'status']).where('provisionId', '=', provisionId).orderBy('seq').execute();
    return {
      deadline: Date.parse(deadline),
      tasks: tasks.map((t) => {
        const spec = r.playbookSnapshot.tasks[t.seq - 1]!;
        return {
          seq: t.seq,
          done: doneTaskStatuses.includes(t.status),
          retries: spec.retries,
          retryDelayMs: Math.max(1, Math.round(spec.retry_delay * this.o.retryDelayScale)),
          timeoutMs: spec.timeout,
        };
      }),
    };
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

  private context(p: { id: string; variables: RunVariables }, attempt: number, seq: number, signal: AbortSignal, lines: LogLine[]): ActionContext {
    return {
      provisionId: p.id,
      attempt,
      taskSeq: seq,
      idempotencyKey: `${p.id}:${seq}`,
      vars: p.variables,
      signal,
      log: (line) => lines.push({ at: this.now(), line }),
      deps: this.o.deps,
    };
  }

  /** What a run needs that never changes after it is confirmed; kept per process. */
  private async runInfo(provisionId: string): Promise<RunInfo> {
    const hit = this.runs.get(provisionId);
    if (hit) return hit;
    const p = await this.o.db.selectFrom('provisions').select(['id', 'kind', 'variables', 'playbookSnapshot', 'timeoutSeconds']).where('id', '=', provisionId).executeTakeFirstOrThrow();
    return this.remember({ id: p.id, kind: p.kind, variables: p.variables, playbook: p.playbookSnapshot, timeoutSeconds: p.timeoutSeconds });
  }

  private remember(info: RunInfo): RunInfo {
    if (this.runs.size >= 5000) this.runs.delete(this.runs.keys().next().value!);
    this.runs.set(info.id, info);
    return info;
  }

  /**
   * Moves a task to `to` when its lifecycle allows it from where it is, appends to its log and
   * writes the event, in one statement. With `current`, only while `attempt` is the run's current,
   * running attempt. Returns the task's attempt count, or null when nothing moved.
   */
  private async moveTask(
    db: Executor,
    provisionId: string,
    attempt: number,
    seq: number,
    to: TaskStatus,
    o: { set?: RawBuilder<unknown>[]; log?: RawBuilder<unknown>; message?: RawBuilder<unknown>; also?: TaskStatus[]; current?: boolean } = {},
  ): Promise<number | null> {
    const from = [...taskLifecycle.sourcesOf(to), ...(o.also ?? [])];
    const sets = [sql`status = ${to}`, ...(o.set ?? []), ...(o.log ? [sql`log = log || ${o.log}`] : [])];
    const r = await sql<{ attempts: number }>`
      with t as (
        update provision_tasks set ${sql.join(sets)}
        where provision_id = ${provisionId} and seq = ${seq} and status = any(${from}::text[])
        ${o.current ? sql`and exists (select 1 from provisions where id = ${provisionId} and attempt = ${attempt} and status = 'running')` : sql``}
        returning attempts
      ), e as (
        insert into provision_events (provision_id, attempt, task_seq, status, message)
        select ${provisionId}, ${attempt}, ${seq}, ${to}, ${o.message ?? sql`null`} from t
      )
      select attempts from t`.execute(db);
    return r.rows[0]?.attempts ?? null;
  }

  private logLines(lines: string[]): RawBuilder<unknown> {
    const at = this.now();
    return sql`${json(lines.map((line) => ({ at, line })))}::jsonb`;
  }

  /** One attempt of one task: record it running, run the action, record what came of it. */
  async runTask(provisionId: string, attempt: number, seq: number, deadline: number): Promise<void> {
    if (Date.now() >= deadline) throw new TaskError('PROVISIONING_TIMED_OUT', 'The run is past its deadline.', undefined, false);
    const run = await this.runInfo(provisionId);
    const spec = run.playbook.tasks[seq - 1]!;
    const action = actions.get(spec.action)!;

    if (spec.when && !evaluateCondition(spec.when, run.variables)) {
      const moved = await this.moveTask(this.o.db, provisionId, attempt, seq, 'skipped', {
        set: [sql`finished_at = ${this.now()}`],
        log: this.logLines([`Skipped: "${spec.when}" is false.`]),
        current: true,
      });
      if (moved !== null) this.o.hub.changed(provisionId);
      return;
    }

    // The arguments, and what an undo would need if this attempt's outcome were lost (undoFor).
    let args: Record<string, unknown> | undefined;
    let badArgs: unknown = null;
    try {
      args = action.args.parse(renderDeep(spec.args, run.variables)) as Record<string, unknown>;
    } catch (e) {
      badArgs = e;
    }
    const planned = args && action.undoFor ? action.undoFor(args) : null;

    const now = this.now();
    const attemptNo = await this.moveTask(this.o.db, provisionId, attempt, seq, 'running', {
      also: ['running'],
      set: [sql`attempts = attempts + 1`, sql`started_at = coalesce(started_at, ${now})`, sql`error = null`, ...(planned ? [sql`undo = ${json(planned)}::jsonb`] : [])],
      log: sql`jsonb_build_array(jsonb_build_object('at', ${now}::text, 'line', 'Attempt ' || (attempts + 1) || ' started' || ${attempt > 1 ? ` (run ${attempt})` : ''} || '.'))`,
      message: sql`case when t.attempts > 1 then 'Attempt ' || t.attempts end`,
      current: true,
    });
    if (attemptNo === null) return; // done already, or this attempt was superseded
    this.o.hub.changed(provisionId);

    const signals = [AbortSignal.timeout(Math.max(1, deadline - Date.now()))];
    const status = DBOS.stepStatus;
    if (status?.timeoutSignal) signals.push(status.timeoutSignal);
    if (status?.cancelSignal) signals.push(status.cancelSignal);
    const signal = AbortSignal.any(signals);
    const lines: LogLine[] = [];

    try {
      if (badArgs || !args) throw badArgs;
      const result = await action.run(this.context(run, attempt, seq, signal, lines), args);
      const moved = await this.moveTask(this.o.db, provisionId, attempt, seq, 'succeeded', {
        set: [sql`output = ${json(result.output)}::jsonb`, sql`undo = ${result.undo ? json(result.undo) : null}::jsonb`, sql`finished_at = ${this.now()}`, sql`error = null`],
        log: sql`${json([...lines, { at: this.now(), line: 'Done.' }])}::jsonb`,
      });
      if (moved === null) throw new TaskError('TASK_SUPERSEDED', 'The task finished after it had been given up (timeout).', undefined, false);
      this.o.hub.changed(provisionId);
    } catch (e) {
      const err = describe(e);
      await this.o.db
        .updateTable('provisionTasks')
        .set({
          error: err.message,
          output: json({ error: err }),
          log: sql`log || ${json(lines)}::jsonb || jsonb_build_array(jsonb_build_object('at', ${this.now()}::text, 'line', 'Attempt ' || attempts || ' failed: ' || ${err.message + (err.hint ? ` (${err.hint})` : '')}))`,
        })
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

  /**
   * Undoes one task (rollback, or cleanup after a cancel): one that succeeded, or one that failed
   * after it started (what it may have done outside is undone too). Repeating it is harmless.
   */
  async undoTask(provisionId: string, seq: number): Promise<void> {
    const p = await this.load(this.o.db, provisionId);
    const task = await this.o.db.selectFrom('provisionTasks').selectAll().where('provisionId', '=', provisionId).where('seq', '=', seq).executeTakeFirstOrThrow();
    if ((task.status !== 'succeeded' && task.status !== 'failed') || !task.undo) return;
    const action = actions.get(task.action)!;
    const lines: LogLine[] = [...task.log];
    await action.undo!(this.context(p, p.attempt, seq, AbortSignal.timeout(60_000), lines), task.undo);
    lines.push({ at: this.now(), line: 'Undone.' });
    await transaction(this.o.db, async (trx) => {
      await this.setTask(trx, provisionId, seq, 'rolled_back', { log: json(lines) });
      await this.event(trx, provisionId, p.attempt, seq, 'rolled_back', null);
    });
    this.o.hub.changed(provisionId);
  }

  /** Seconds between the tries of an undo (scaled like task retries, for tests). */
  get undoRetrySeconds(): number {
    return 2 * this.o.retryDelayScale;
  }

  /** An undo that could not be done: its task's log and the run's events say so, for staff. */
  async undoFailed(provisionId: string, seq: number, why: string): Promise<void> {
    const p = await this.load(this.o.db, provisionId);
    const message = `Undo failed: ${why} Undo it by hand in the system concerned.`;
    await transaction(this.o.db, async (trx) => {
      await trx
        .updateTable('provisionTasks')
        .set({ log: sql`log || ${json([{ at: this.now(), line: message }])}::jsonb` })
        .where('provisionId', '=', provisionId)
        .where('seq', '=', seq)
        .execute();
      await this.event(trx, provisionId, p.attempt, seq, 'undo_failed', message);
    });
    this.o.hub.changed(provisionId);
    this.o.logger.warn({ provisionId, seq, why }, 'an undo after a cancel could not be done');
  }

  /**
   * Tasks a cancel should undo, last first: those that succeeded, and a failed one whose attempt
   * may have landed outside all the same (a timeout, a lost answer), by what its action planned.
   */
  async undoable(provisionId: string): Promise<number[]> {
    const rows = await this.o.db.selectFrom('provisionTasks').select(['seq', 'action', 'undo']).where('provisionId', '=', provisionId).where('status', 'in', ['succeeded', 'failed']).orderBy('seq', 'desc').execute();
    return rows.filter((r) => r.undo && actions.get(r.action)?.undo).map((r) => r.seq);
  }

  /** The run ends: the provision's status; a new service that failed stays, not active (R8.2). */
  async finish(provisionId: string, attempt: number, status: Extract<ProvisionStatus, 'succeeded' | 'failed' | 'timed_out'>): Promise<void> {
    if (status === 'succeeded') {
      // One statement on the common path: the service is already active (service.activate).
      const now = this.now();
      await sql`
        with done as (
          update provisions set status = 'succeeded', finished_at = ${now}, updated_at = ${now}, failed_task = null, error_code = null, error = null, error_hint = null
          where id = ${provisionId} and attempt = ${attempt} and status = any(${provisionLifecycle.sourcesOf('succeeded')}::text[])
          returning id
        )
        insert into provision_events (provision_id, attempt, task_seq, status, message) select id, ${attempt}, null, 'succeeded', 'Completed' from done`.execute(this.o.db);
      this.runs.delete(provisionId);
      this.o.hub.changed(provisionId);
      this.o.logger.info({ provisionId, attempt, status }, 'provisioning finished');
      return;
    }
    await transaction(this.o.db, async (trx) => {
      const p = await trx.selectFrom('provisions').selectAll().where('id', '=', provisionId).forUpdate().executeTakeFirstOrThrow();
      // Ended meanwhile (the reconciler, a newer attempt): nothing more to say.
      if (p.attempt !== attempt || p.status !== 'running') return;
      provisionLifecycle.assert(p.status, status);
      const now = this.now();
      await trx
        .updateTable('provisions')
        .set({ status, finishedAt: now, updatedAt: now })
        .where('id', '=', provisionId)
        .execute();
      // The service that failed to come up stays, not active (R8.2).
      if (p.kind === 'new_service' && p.serviceId) {
        const service = await trx.selectFrom('services').select('status').where('id', '=', p.serviceId).executeTakeFirstOrThrow();
        if (service.status === 'provisioning') await this.o.deps.services.transition(trx, p.serviceId, 'failed');
      }
      await this.event(trx, provisionId, attempt, null, status, p.error);
    });
    this.runs.delete(provisionId);
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
