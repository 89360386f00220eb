import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { SpanKind, Tracing } from '../../observability/tracing.js';
import { sleep, TaskError } from '../../integrations/errors.js';
import type { Executor } from '../../db/schema.js';
import { type ActionDefinition, type ActionDeps, type ActionRow, type GroupContext, type RowOutcome, runEach } from '../actions/action.js';
import { actions } from '../actions/index.js';
import type { LedgerWriter, RunLedger } from '../ledger.js';
import type { Playbook, PlaybookTask } from '../playbooks/playbook.schema.js';
import { evaluateCondition, renderDeep, renderString } from '../playbooks/templating.js';
import type { ProvisionKind, RunVariables } from '../provisioning.schemas.js';
import type { LogLine } from '../provisioning.tables.js';
import type { Undoer } from './undo.js';

/** A run of a group, as the worker holds it while it runs it. */
export interface Member {
  id: string;
  attempt: number;
  kind: ProvisionKind;
  /** The run's deadline (epoch ms). */
  deadline: number;
  timeoutSeconds: number;
  playbook: Playbook;
  variables: RunVariables;
  /** Tasks already done (succeeded, ignored, skipped): never run again (R8.3). */
  done: Set<number>;
  /** Attempts of each task in this run attempt, in this process. */
  tries: Map<number, number>;
  /** The W3C traceparent of the request that confirmed or retried the run (issue 12). */
  traceParent: string | null;
  /** This run's span in this process, while it runs here. */
  span?: Span | null;
}

/** The group a worker runs: its lease can be lost (another worker took it) or given up (drain). */
export interface GroupHandle {
  id: string;
  /** Fires when this worker must stop working on the group. */
  signal: AbortSignal;
  /** A member ended (succeeded, failed, timed out) or left for good. */
  ended(memberIds: string[]): void;
  /** A member left to be retried alone later; it is still the group's. */
  detach(run: Promise<void>): void;
}

interface Failure {
  member: Member;
  code: string;
  message: string;
  hint?: string | undefined;
  retryable: boolean;
  text?: TaskError['text'];
  /** The task's own timeout fired (not the run's deadline). */
  stepTimedOut: boolean;
}

/** What a task failed with, said for staff. */
export function describe(e: unknown): { code: string; message: string; hint?: string; retryable: boolean; text?: TaskError['text'] } {
  if (e instanceof TaskError) return { code: e.code, message: e.message, ...(e.hint && { hint: e.hint }), retryable: e.retryable, ...(e.text && { text: e.text }) };
  const err = e as Error & { name?: string };
  if (err?.name === 'ZodError') return { code: 'BAD_ARGUMENTS', message: `The task's arguments are wrong: ${err.message}`, hint: 'Fix the playbook or the product, then retry.', retryable: false };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return { code: 'TASK_TIMED_OUT', message: 'The task was stopped: its time was up.', retryable: true };
  return { code: 'TASK_FAILED', message: err?.message ?? String(e), retryable: true };
}

export function seconds(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** For tests and the console: the text a task's name renders to. */
export function taskName(spec: PlaybookTask, vars: RunVariables): string {
  try {
    return String(renderString(spec.name, vars));
  } catch {
    return spec.name;
  }
}

/**
 * Runs a group through its playbook, task by task, for all its runs at once (issue 10). For each
 * task: one statement records it running for every run of the group, the action does its work for
 * all of them (`runMany`: set-based SQL inside Switchboard, one call per run to an outside system,
 * concurrently), one statement records every outcome. An action done inside Switchboard (`atomic`)
 * does its work in the very transaction that records it. A run whose task fails leaves the group:
 * retried alone after its delay, ignored (ignore_errors), or ended, with its rollback, exactly as
 * one run alone would be; the others go on.
 */
export class GroupRunner {
  constructor(
    private readonly o: {
      db: Executor;
      ledger: RunLedger;
      deps: ActionDeps;
      undoer: Undoer;
      logger: Logger;
      /** Scales every retry delay (tests set it near 0). */
      retryDelayScale: number;
      tracing: Tracing;
    },
  ) {}

  /** Runs `members` from task `fromSeq` on; each ends (or leaves to be retried alone). */
  async run(group: GroupHandle, members: Member[], fromSeq = 1): Promise<void> {
    for (const m of members) m.span ??= this.o.tracing.start(`provision ${m.playbook.name}`, SpanKind.CONSUMER, { 'switchboard.provision_id': m.id, 'switchboard.attempt': m.attempt, 'switchboard.playbook': m.playbook.name, 'switchboard.group_id': group.id, 'switchboard.group_size': members.length }, this.o.tracing.extract(m.traceParent));
    let active = members;
    const last = Math.max(0, ...members.map((m) => m.playbook.tasks.length));
    for (let seq = fromSeq; seq <= last && active.length; seq++) {
      if (group.signal.aborted) return this.handedOver(active); // the lease is gone: whoever holds it now resumes these runs
      active = await this.step(group, active, seq);
    }
    if (!active.length) return;
    if (group.signal.aborted) return this.handedOver(active);
    await this.o.ledger.autocommit((w) => w.finish(active.map((m) => ({ id: m.id, attempt: m.attempt, to: 'succeeded' as const }))));
    for (const m of active) {
      this.o.logger.debug({ provisionId: m.id, attempt: m.attempt }, 'provisioning finished');
      this.endSpan(m, null, { 'switchboard.outcome': 'succeeded' });
    }
    group.ended(active.map((m) => m.id));
  }

  private endSpan(m: Member, error: unknown, attributes: Record<string, string>): void {
    Tracing.end(m.span, error, attributes);
    m.span = null;
  }

  /** Runs this process stops working on (lease lost, drain): another worker goes on with them. */
  private handedOver(members: Member[]): void {
    for (const m of members) this.endSpan(m, null, { 'switchboard.outcome': 'handed_over' });
  }

  /** One task for every member that has not done it yet; returns the members that go on. */
  private async step(group: GroupHandle, active: Member[], seq: number): Promise<Member[]> {
    const now = Date.now();
    const todo = active.filter((m) => !m.done.has(seq) && seq <= m.playbook.tasks.length);
    const late = todo.filter((m) => now >= m.deadline);
    if (late.length) await this.pastDeadline(group, late, seq);
    const doing = todo.filter((m) => now < m.deadline);
    if (!doing.length) return active.filter((m) => !late.includes(m));

    const spec = doing[0]!.playbook.tasks[seq - 1]!;
    const action = actions.get(spec.action)!;
    const skipped = spec.when ? doing.filter((m) => !evaluateCondition(spec.when!, m.variables)) : [];
    if (skipped.length) {
      const moved = await this.o.ledger.write((w) => w.tasksSkipped(seq, skipped.map((m) => ({ id: m.id, attempt: m.attempt, why: `Skipped: "${spec.when}" is false.` }))));
      for (const m of skipped) if (moved.has(m.id)) m.done.add(seq);
    }
    const running = doing.filter((m) => !skipped.includes(m));
    for (const m of running) m.tries.set(seq, (m.tries.get(seq) ?? 0) + 1);
    const { failures, gone } = await this.attempt(group, running, seq, spec, action);
    for (const m of gone) this.endSpan(m, null, { 'switchboard.outcome': 'ended_elsewhere' });
    if (gone.length) group.ended(gone.map((m) => m.id));
    // A failed run leaves the group: another try alone later, ignored, or the end of its run.
    const leaving = new Set<Member>([...late, ...gone]);
    const ignored: Failure[] = [];
    const stopped: Failure[] = [];
    for (const f of failures) {
      const tries = f.member.tries.get(seq) ?? 0;
      const pastDeadline = Date.now() >= f.member.deadline;
      if (f.retryable && !pastDeadline && tries < spec.retries + 1) {
        leaving.add(f.member);
        const delay = Math.max(1, Math.round(spec.retry_delay * this.o.retryDelayScale * 2 ** (tries - 1)));
        group.detach(this.retryAlone(group, f.member, seq, delay));
      } else if (spec.ignore_errors && !pastDeadline) {
        ignored.push(f);
      } else {
        leaving.add(f.member);
        stopped.push(f);
      }
    }
    if (ignored.length) {
      const moved = await this.o.ledger.write((w) => w.tasksEnded(seq, spec.action, 'ignored', ignored.map((f) => ({ id: f.member.id, attempt: f.member.attempt, message: f.message, errorCode: f.code, text: f.text }))));
      for (const f of ignored) if (moved.has(f.member.id)) f.member.done.add(seq);
    }
    if (stopped.length) await this.stop(group, stopped, seq, spec);
    return active.filter((m) => !leaving.has(m));
  }

  /** A failed attempt is tried again, alone, after its delay (with backoff), from its task on. */
  private async retryAlone(group: GroupHandle, member: Member, seq: number, delayMs: number): Promise<void> {
    try {
      await sleep(delayMs, group.signal);
    } catch {
      return this.handedOver([member]); // the lease is gone or the process stops: whoever takes the group over resumes it
    }
    await this.run(group, [member], seq);
  }

  /**
   * One attempt of task `seq` for `members`: recorded running, done, recorded. Returns the members
   * whose attempt failed, and why, and those that are not this group's to run any more (their run
   * ended or a newer attempt of it started meanwhile).
   */
  private async attempt(group: GroupHandle, members: Member[], seq: number, spec: PlaybookTask, action: ActionDefinition): Promise<{ failures: Failure[]; gone: Member[] }> {
    if (!members.length) return { failures: [], gone: [] };
    // The arguments, and what an undo would need if this attempt's outcome were lost (undoFor).
    const prepared = members.map((m) => {
      try {
        const args = action.args.parse(renderDeep(spec.args, m.variables)) as Record<string, unknown>;
        return { m, args, planned: action.undoFor ? action.undoFor(args) : null, bad: null as unknown };
      } catch (e) {
        return { m, args: {} as Record<string, unknown>, planned: null, bad: e };
      }
    });
    const plan = prepared.map((p) => ({ id: p.m.id, attempt: p.m.attempt, plannedUndo: p.planned }));
    const lines = new Map<string, LogLine[]>();
    const timeouts = new Map<string, AbortSignal>();
    const outcomes = new Map<string, RowOutcome>();
    // Each run's task is a span of its run's trace; the calls to outside systems made for a row are its children.
    const spans = new Map<string, Span | null>();
    const spanOf = (m: Member) => {
      if (!this.o.tracing.enabled) return null;
      if (!spans.has(m.id)) spans.set(m.id, this.o.tracing.start(`task ${seq} ${spec.action}`, SpanKind.INTERNAL, { 'switchboard.provision_id': m.id, 'switchboard.attempt': m.attempt, 'switchboard.task.seq': seq, 'switchboard.task.action': spec.action, 'switchboard.task.try': m.tries.get(seq) ?? 1 }, m.span));
      return spans.get(m.id)!;
    };
    const rowOf = (p: (typeof prepared)[number]): ActionRow<Record<string, unknown>> => {
      const log: LogLine[] = [];
      lines.set(p.m.id, log);
      const stepTimeout = AbortSignal.timeout(Math.max(1, spec.timeout));
      timeouts.set(p.m.id, stepTimeout);
      const signal = AbortSignal.any([stepTimeout, AbortSignal.timeout(Math.max(1, p.m.deadline - Date.now())), group.signal]);
      this.o.tracing.bind(signal, spanOf(p.m));
      return {
        provisionId: p.m.id,
        attempt: p.m.attempt,
        taskSeq: seq,
        idempotencyKey: `${p.m.id}:${seq}`,
        vars: p.m.variables,
        args: p.args,
        signal,
        log: (line) => log.push({ at: new Date().toISOString(), line }),
      };
    };
    const work = async (ctx: GroupContext, moving: typeof prepared) => {
      for (const p of moving) if (p.bad) outcomes.set(p.m.id, { ok: false, error: p.bad });
      const go = moving.filter((p) => !p.bad);
      if (!go.length) return;
      const rows = go.map(rowOf);
      const results = action.runMany ? await action.runMany(ctx, rows) : await runEach(action, ctx, rows);
      go.forEach((p, i) => outcomes.set(p.m.id, results[i]!));
    };
    const record = async (w: LedgerWriter, moving: typeof prepared) => {
      const ok = moving.filter((p) => outcomes.get(p.m.id)?.ok);
      const failed = moving.filter((p) => !outcomes.get(p.m.id)?.ok);
      await w.tasksSucceeded(
        seq,
        spec.action,
        ok.map((p) => {
          const r = (outcomes.get(p.m.id) as Extract<RowOutcome, { ok: true }>).result;
          return { id: p.m.id, attempt: p.m.attempt, output: r.output, undo: r.undo ?? null, lines: lines.get(p.m.id) ?? [] };
        }),
      );
      await w.attemptsFailed(
        seq,
        spec.action,
        failed.map((p) => ({ id: p.m.id, attempt: p.m.attempt, error: this.errorOf(p.m, outcomes.get(p.m.id), timeouts.get(p.m.id), spec), lines: lines.get(p.m.id) ?? [] })),
      );
    };

    let started: Map<string, number>;
    if (action.atomic) {
      // The work and its record in one transaction: done exactly once, or not at all.
      try {
        started = await this.o.ledger.write(async (w) => {
          const s = await w.tasksRunning(seq, plan);
          const moving = prepared.filter((p) => s.has(p.m.id));
          await work({ deps: this.o.deps, db: w.trx }, moving);
          await record(w, moving);
          return s;
        });
      } catch (e) {
        // The set failed as a whole (a row the database refused): each row alone tells which.
        if (prepared.length > 1) {
          for (const span of spans.values()) Tracing.end(span, e, { 'switchboard.outcome': 'retried_row_by_row' });
          const each = await Promise.all(prepared.map((p) => this.attempt(group, [p.m], seq, spec, action)));
          return { failures: each.flatMap((x) => x.failures), gone: each.flatMap((x) => x.gone) };
        }
        outcomes.clear();
        for (const p of prepared) outcomes.set(p.m.id, { ok: false, error: e });
        started = await this.o.ledger.write(async (w) => {
          const s = await w.tasksRunning(seq, plan);
          await record(w, prepared.filter((p) => s.has(p.m.id)));
          return s;
        });
      }
    } else {
      // Each record is one statement for the whole group: no transaction is needed around it.
      started = await this.o.ledger.autocommit((w) => w.tasksRunning(seq, plan));
      const moving = prepared.filter((p) => started.has(p.m.id));
      try {
        await work({ deps: this.o.deps, db: this.o.db }, moving);
      } catch (e) {
        for (const p of moving) outcomes.set(p.m.id, { ok: false, error: e });
      }
      await this.o.ledger.autocommit((w) => record(w, moving));
    }

    const gone = prepared.filter((p) => !started.has(p.m.id)).map((p) => p.m);
    const failures: Failure[] = [];
    for (const p of prepared) {
      const out = outcomes.get(p.m.id);
      const span = spans.get(p.m.id);
      if (!started.has(p.m.id)) {
        Tracing.end(span, null, { 'switchboard.outcome': 'not_started' });
        continue;
      }
      if (out?.ok) {
        Tracing.end(span, null, { 'switchboard.outcome': 'succeeded' });
        p.m.done.add(seq);
        continue;
      }
      const err = this.errorOf(p.m, out, timeouts.get(p.m.id), spec);
      Tracing.end(span, { code: err.code, message: err.message }, { 'switchboard.outcome': 'failed' });
      failures.push({ member: p.m, code: err.code, message: err.message, hint: err.hint, retryable: err.retryable, ...('text' in err && err.text && { text: err.text }), stepTimedOut: err.code === 'TASK_TIMED_OUT' });
    }
    return { failures, gone };
  }

  /** Why an attempt failed; the task's own timeout (not the run's deadline) says so. */
  private errorOf(m: Member, out: RowOutcome | undefined, stepTimeout: AbortSignal | undefined, spec: PlaybookTask) {
    if (stepTimeout?.aborted && Date.now() < m.deadline) return { code: 'TASK_TIMED_OUT', message: `No answer within ${seconds(spec.timeout)}.`, retryable: true };
    return describe(out && !out.ok ? out.error : new Error('The task did not run.'));
  }

  /** Runs past their deadline before task `seq`: the task fails with the deadline, the run ends timed out. */
  private async pastDeadline(group: GroupHandle, late: Member[], seq: number): Promise<void> {
    const spec = late[0]!.playbook.tasks[seq - 1]!;
    await this.o.ledger.write((w) => w.tasksRunning(seq, late.map((m) => ({ id: m.id, attempt: m.attempt }))));
    await this.stop(
      group,
      late.map((m) => ({ member: m, code: 'PROVISIONING_TIMED_OUT', message: '', retryable: false, stepTimedOut: false })),
      seq,
      spec,
    );
  }

  /**
   * Runs whose task failed for good: the task failed, what the playbook says to undo undone (each
   * undo on its own), the run ended failed or timed out with the reason and a way out (R8.2).
   */
  private async stop(group: GroupHandle, failures: Failure[], seq: number, spec: PlaybookTask): Promise<void> {
    if (!failures.length) return;
    const said = failures.map((f) => {
      const m = f.member;
      const name = taskName(spec, m.variables);
      const pastDeadline = Date.now() >= m.deadline;
      if (pastDeadline) {
        const message = `Provisioning did not finish within ${seconds(m.timeoutSeconds * 1000)}.`;
        return { f, taskMessage: message, status: 'timed_out' as const, error: { failedTask: seq, code: 'PROVISIONING_TIMED_OUT', message: `${message} It stopped at "${name}".`, hint: 'Check that the OCS and the network are online and look at the logs, then retry.' } };
      }
      if (f.stepTimedOut) {
        return { f, taskMessage: f.message, status: 'failed' as const, error: { failedTask: seq, code: 'TASK_TIMED_OUT', message: f.message, hint: `The system behind "${name}" is slow or down; check it, then retry.` } };
      }
      return { f, taskMessage: f.message, text: f.text, status: 'failed' as const, error: { failedTask: seq, code: f.code, message: f.message, hint: f.hint ?? 'Look at the logs of this task, fix the cause, then retry.' } };
    });
    await this.o.ledger.write((w) => w.tasksEnded(seq, spec.action, 'failed', said.map((s) => ({ id: s.f.member.id, attempt: s.f.member.attempt, message: s.taskMessage, errorCode: s.error.code, text: 'text' in s ? s.text : undefined }))));
    // Each run's rollback on its own (a rollback playbook, or tasks marked undo_on_failure).
    await Promise.all(said.map((s) => this.o.undoer.rollback(s.f.member)));
    await this.o.ledger.write((w) => w.finish(said.map((s) => ({ id: s.f.member.id, attempt: s.f.member.attempt, to: s.status, error: s.error }))));
    for (const s of said) this.endSpan(s.f.member, { code: s.error.code, message: s.error.message }, { 'switchboard.outcome': s.status });
    group.ended(said.map((s) => s.f.member.id));
  }
}
