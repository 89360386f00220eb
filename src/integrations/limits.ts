import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DbNotifier } from '../db/notifier.js';
import type { DB } from '../db/schema.js';
import { callOutcome, type Metrics } from '../observability/metrics.js';
import { Tracing } from '../observability/tracing.js';
import { abortReason } from './errors.js';

/**
 * How hard Switchboard may press an outside system (R11.3): at most `atOnce` calls under way and
 * `perSecond` calls a second, counted across every process that shares the database, so that a
 * mass migration cannot overload the OCS or the network. Null: no limit of that kind.
 */
export interface SystemLimit {
  atOnce: number | null;
  perSecond: number | null;
}

const channel = 'sb_system_calls';
/** How long a process's slots count when it stops renewing them (it died): then others may use them. */
const leaseSeconds = 15;
/** Waiting for another process's calls to end when its news is missed: look again this often. */
const pollMs = 200;

interface Waiter {
  want: number;
  signal: AbortSignal | undefined;
  resolve(granted: number): void;
  reject(error: unknown): void;
}

/**
 * The calls one process wants to make to one system, in the order they asked: the first waiter is
 * served from the database's count (sb_take_calls: one statement that takes what the limits leave),
 * the others wait behind it, so a process asks once however many groups are waiting.
 */
class Gate {
  held = 0;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private wake: (() => void) | null = null;
  /** Counts the nudges: one that came while the database was being asked is not lost. */
  private nudges = 0;

  constructor(
    private readonly owner: SystemLimits,
    readonly system: string,
    readonly limit: SystemLimit,
  ) {}

  take(want: number, signal: AbortSignal | undefined): Promise<number> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { want, signal, resolve, reject };
      this.queue.push(waiter);
      signal?.addEventListener('abort', () => this.nudge(), { once: true });
      if (!this.pumping) void this.pump();
    });
  }

  /** Something changed (calls ended, a waiter gave up): look again now. */
  nudge(): void {
    this.nudges++;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length) {
        const first = this.queue[0]!;
        if (first.signal?.aborted) {
          this.queue.shift();
          first.reject(abortReason(first.signal));
          continue;
        }
        let granted = 0;
        let waitMs = pollMs;
        const seen = this.nudges;
        try {
          ({ granted, waitMs } = await this.owner.takeFromDatabase(this, first.want));
        } catch (error) {
          this.queue.shift();
          first.reject(error);
          continue;
        }
        if (granted > 0) {
          this.held += granted;
          this.queue.shift();
          first.resolve(granted);
          continue;
        }
        // Calls ended while the database was asked: ask again now.
        if (this.nudges !== seen) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, Math.min(waitMs || pollMs, pollMs)));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * The limits of every outside system, for this process. `calls` and `one` are what an adapter
 * wraps its calls in; without a limit for the system they cost nothing (no statement).
 */
export class SystemLimits {
  private readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly gates = new Map<string, Gate>();
  private renewer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly limits: Record<string, SystemLimit>,
    private readonly options: { notifier?: DbNotifier | undefined; logger?: Logger | undefined; metrics?: Metrics | undefined; tracing?: Tracing | undefined } = {},
  ) {
    for (const [system, limit] of Object.entries(limits)) {
      if (limit.atOnce !== null || limit.perSecond !== null) this.gates.set(system, new Gate(this, system, limit));
    }
  }

  /** The limits in force, by system (for the operations page and the start-up log). */
  get configured(): Record<string, SystemLimit> {
    return Object.fromEntries([...this.gates.values()].map((g) => [g.system, g.limit]));
  }

  limitOf(system: string): SystemLimit | null {
    return this.gates.get(system)?.limit ?? null;
  }

  async start(): Promise<void> {
    if (this.started || !this.gates.size) return;
    this.started = true;
    // Another process's calls ended: whoever waits for that system here looks again.
    await this.options.notifier?.on(channel, (system) => this.gates.get(system)?.nudge());
    this.renewer = setInterval(() => void this.renew(), (leaseSeconds * 1000) / 3);
    this.renewer.unref();
  }

  async stop(): Promise<void> {
    if (this.renewer) clearInterval(this.renewer);
    this.renewer = null;
    if (this.gates.size) await this.db.deleteFrom('systemSlots').where('holder', '=', this.holder).execute().catch(() => undefined);
  }

  /**
   * `count` calls to `system`, made as the limits allow: `fn(start, n)` makes calls start to
   * start+n-1, and the batches the limits grant run concurrently. The first failure is thrown once
   * every batch has ended.
   */
  async calls(system: string, count: number, signal: AbortSignal | undefined, call: (start: number, n: number) => Promise<void>, operation?: string): Promise<void> {
    const fn = (from: number, n: number) => this.observed(system, operation, from, n, count, signal, () => call(from, n));
    const gate = this.gates.get(system);
    if (count <= 0) return;
    if (!gate) return fn(0, count);
    const running: Promise<void>[] = [];
    let failure: { error: unknown } | null = null;
    for (let start = 0; start < count && !failure; ) {
      let n: number;
      try {
        n = await gate.take(count - start, signal);
      } catch (error) {
        failure = { error };
        break;
      }
      const from = start;
      start += n;
      running.push(
        fn(from, n)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => this.give(gate, n)),
      );
    }
    await Promise.all(running);
    if (failure) throw failure.error;
  }

  /** One call to `system`, when the limits allow it. */
  async one<T>(system: string, signal: AbortSignal | undefined, call: () => Promise<T>, operation?: string): Promise<T> {
    const fn = () => this.observed(system, operation, 0, 1, 1, signal, call);
    const gate = this.gates.get(system);
    if (!gate) return fn();
    await gate.take(1, signal);
    try {
      return await fn();
    } finally {
      await this.give(gate, 1);
    }
  }

  /**
   * Every call to an outside system passes here (issue 12): counted by outcome, timed (the wait
   * for a limit is not the system's latency), and traced as a client span under its run's task.
   */
  private async observed<T>(system: string, operation: string | undefined, from: number, n: number, total: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const { metrics, tracing } = this.options;
    if (!metrics && !tracing?.enabled) return fn();
    const spans = tracing?.calls(system, operation, from, n, total, signal) ?? [];
    const started = performance.now();
    const done = (error: unknown) => {
      metrics?.call(system, callOutcome(error), (performance.now() - started) / 1000, n);
      for (const span of spans) Tracing.end(span, error);
    };
    try {
      const result = await fn();
      done(null);
      return result;
    } catch (error) {
      done(error);
      throw error;
    }
  }

  /** What the limits leave of `want` now, taken for this process; or how long to wait. */
  async takeFromDatabase(gate: Gate, want: number): Promise<{ granted: number; waitMs: number }> {
    if (!this.started) await this.start();
    const { rows } = await sql<{ granted: number; wait_ms: number }>`
      select granted, wait_ms from sb_take_calls(${gate.system}, ${this.holder}, ${want}::int, ${gate.limit.atOnce}::int, ${gate.limit.perSecond}::float8, ${leaseSeconds}::float8)`.execute(this.db);
    return { granted: rows[0]!.granted, waitMs: rows[0]!.wait_ms };
  }

  private async give(gate: Gate, n: number): Promise<void> {
    gate.held -= n;
    if (gate.limit.atOnce !== null) {
      try {
        await sql`select sb_give_calls(${gate.system}, ${this.holder}, ${n}::int, ${this.options.notifier?.shared ? channel : null})`.execute(this.db);
      } catch (err) {
        // The slots come back when the lease ends; the calls themselves are done.
        this.options.logger?.warn({ err: (err as Error).message, system: gate.system }, 'could not give back call slots; they return when their lease ends');
      }
    }
    gate.nudge();
  }

  /** Keeps this process's slots its own while its calls are under way. */
  private async renew(): Promise<void> {
    if (![...this.gates.values()].some((g) => g.held > 0)) return;
    await this.db
      .updateTable('systemSlots')
      .set({ until: sql`clock_timestamp() + make_interval(secs => ${leaseSeconds})` })
      .where('holder', '=', this.holder)
      .where('slots', '>', 0)
      .execute()
      .catch((err: Error) => this.options.logger?.warn({ err: err.message }, 'could not renew call slots'));
  }
}

/**
 * Limits from the environment: `<SYSTEM>_MAX_CONCURRENCY` (calls under way at once) and
 * `<SYSTEM>_MAX_RATE` (calls a second) for any system: OCS_MAX_CONCURRENCY=50, HLR_MAX_RATE=200,
 * IPTV_MIDDLEWARE_MAX_CONCURRENCY=4 for the HTTP system iptv-middleware.
 */
export function limitsFromEnvironment(env: NodeJS.ProcessEnv): Record<string, SystemLimit> {
  const out: Record<string, SystemLimit> = {};
  for (const [key, raw] of Object.entries(env)) {
    const m = /^([A-Z0-9_]+)_MAX_(CONCURRENCY|RATE)$/.exec(key);
    if (!m || raw === undefined || raw.trim() === '') continue;
    const integer = m[2] === 'CONCURRENCY';
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)) || n > 1_000_000) {
      throw new Error(`${key} must be a ${integer ? 'whole ' : ''}number above 0 (got "${raw}")`);
    }
    const system = m[1]!.toLowerCase().replace(/_/g, '-');
    const limit = (out[system] ??= { atOnce: null, perSecond: null });
    if (integer) limit.atOnce = n;
    else limit.perSecond = n;
  }
  return out;
}

/** `fn`, one call to `system`, under its limits when there are any. */
export const limited = <T>(limits: SystemLimits | undefined, system: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> =>
  limits ? limits.one(system, signal, fn) : fn();
