import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, Executor } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { AppError } from '../shared/errors.js';
import { type Ctx, systemCtx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import { sleep, TaskError, unreachable } from './errors.js';
import { SystemLimits } from './limits.js';

/**
 * The built-in stand-ins for the operator's systems (OCS, HLR/HSS, RADIUS, mail, ticketing, any
 * HTTP system) can be told to be slow or to fail, for demos and tests: "Unable to connect to OCS"
 * on demand. Settings live in the database so every process sees them; env variables
 * SIM_<SYSTEM>_LATENCY_MS and SIM_<SYSTEM>_FAILURE set them at start-up.
 */
export const simulatorFailure = z.enum(['unreachable', 'error', 'timeout']);
export const simulatorSettings = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).default(0),
    failure: simulatorFailure.nullable().default(null).describe('unreachable: cannot connect; error: answers with an error; timeout: never answers'),
  })
  .meta({ id: 'SimulatorSettings' });
export type SimulatorSettings = z.infer<typeof simulatorSettings>;

export const knownSystems: Record<string, string> = {
  ocs: 'OCS',
  hlr: 'the HLR/HSS',
  radius: 'RADIUS',
  mail: 'the mail server',
  tickets: 'the ticketing system',
  payments: 'the payment gateway',
};
export const systemLabel = (system: string) => knownSystems[system] ?? system;

export class Simulators {
  private cache = new Map<string, { value: SimulatorSettings; until: number }>();
  /** Calls under way in this process, and the most at once since the settings last changed. */
  private load = new Map<string, { inFlight: number; peak: number }>();
  private static readonly cacheMs = 250;

  /** Every system that can be simulated: the built-in ones and the HTTP systems playbooks call by name. */
  readonly systems: Set<string>;

  constructor(
    private readonly db: Kysely<DB>,
    httpSystems: Iterable<string> = [],
    private readonly limits: SystemLimits = new SystemLimits(db, {}),
  ) {
    this.systems = new Set([...Object.keys(knownSystems), ...httpSystems]);
  }

  async get(system: string): Promise<SimulatorSettings> {
    const hit = this.cache.get(system);
    if (hit && hit.until > Date.now()) return hit.value;
    const row = await this.db.selectFrom('simulatorSettings').select(['latencyMs', 'failure']).where('system', '=', system).executeTakeFirst();
    const value = row ?? { latencyMs: 0, failure: null };
    this.cache.set(system, { value, until: Date.now() + Simulators.cacheMs });
    return value;
  }

  async list(): Promise<(SimulatorSettings & { system: string; label: string; inFlight: number; peakInFlight: number })[]> {
    const rows = await this.db.selectFrom('simulatorSettings').select(['system', 'latencyMs', 'failure']).execute();
    const bySystem = new Map(rows.map((r) => [r.system, r]));
    for (const s of Object.keys(knownSystems)) if (!bySystem.has(s)) bySystem.set(s, { system: s, latencyMs: 0, failure: null });
    return [...bySystem.values()].map((r) => ({ ...r, label: systemLabel(r.system), inFlight: this.load.get(r.system)?.inFlight ?? 0, peakInFlight: this.load.get(r.system)?.peak ?? 0 })).sort((a, b) => a.system.localeCompare(b.system));
  }

  /** Makes a simulated system slow or failing (an admin's change: audited). */
  async set(ctx: Ctx, system: string, settings: SimulatorSettings): Promise<SimulatorSettings> {
    if (!this.systems.has(system)) {
      throw new AppError('NOT_FOUND', `There is no simulated system "${system}".`, `The systems are: ${[...this.systems].sort().join(', ')}.`);
    }
    await transaction(this.db, async (trx) => {
      const before = await trx.selectFrom('simulatorSettings').select(['latencyMs', 'failure']).where('system', '=', system).forUpdate().executeTakeFirst();
      await trx
        .insertInto('simulatorSettings')
        .values({ system, latencyMs: settings.latencyMs, failure: settings.failure })
        .onConflict((oc) => oc.column('system').doUpdateSet({ latencyMs: settings.latencyMs, failure: settings.failure, updatedAt: new Date().toISOString() }))
        .execute();
      await recordAudit(trx, ctx, { action: 'simulator.update', entityType: 'simulator', entityId: system, before: before ?? { latencyMs: 0, failure: null }, after: settings });
    });
    this.cache.delete(system);
    const l = this.load.get(system);
    if (l) l.peak = l.inFlight;
    return settings;
  }

  /** Applies SIM_<SYSTEM>_LATENCY_MS / SIM_<SYSTEM>_FAILURE from the environment. */
  async applyEnvironment(env: NodeJS.ProcessEnv): Promise<void> {
    const systems = new Set<string>();
    for (const key of Object.keys(env)) {
      const m = /^SIM_([A-Z0-9_]+)_(LATENCY_MS|FAILURE)$/.exec(key);
      if (m) systems.add(m[1]!.toLowerCase().replace(/_/g, '-'));
    }
    for (const system of systems) {
      const prefix = `SIM_${system.toUpperCase().replace(/-/g, '_')}`;
      const parsed = simulatorSettings.parse({
        latencyMs: env[`${prefix}_LATENCY_MS`] ? Number(env[`${prefix}_LATENCY_MS`]) : 0,
        failure: env[`${prefix}_FAILURE`] || null,
      });
      this.systems.add(system);
      await this.set(systemCtx, system, parsed);
    }
  }

  /**
   * What a simulated call goes through before it does its work: the system's limits (R11.3), the
   * configured latency, then the configured failure. Every call is recorded, with its outcome and
   * when it was under way.
   */
  async call(system: string, operation: string, key: string | null, signal?: AbortSignal): Promise<SimCall> {
    const [timing] = await this.callMany(system, operation, [key], signal);
    return timing!;
  }

  async record(system: string, operation: string, key: string | null, outcome: string, timing: SimCall | null = null): Promise<void> {
    await this.recordMany(system, operation, [{ key, outcome }], timing ? [timing] : null);
  }

  /**
   * `n` calls at once (a group's runs): each is a call the system sees, made as its limits allow
   * (batches of them under way together for the configured latency), then the configured failure
   * for all. Returns when each was under way, for `recordMany`. Failures are recorded here.
   */
  async callMany(system: string, operation: string, keys: (string | null)[], signal?: AbortSignal): Promise<SimCall[]> {
    const s = await this.get(system);
    const l = this.load.get(system) ?? this.load.set(system, { inFlight: 0, peak: 0 }).get(system)!;
    const timings: SimCall[] = keys.map(() => ({ startedAt: null, endedAt: null }));
    try {
      await this.limits.calls(system, keys.length, signal, async (from, n) => {
        const startedAt = new Date().toISOString();
        l.inFlight += n;
        l.peak = Math.max(l.peak, l.inFlight);
        try {
          if (s.latencyMs) await sleep(s.latencyMs, signal);
          if (s.failure === 'unreachable') throw unreachable(systemLabel(system), system.toUpperCase().replace(/-/g, '_'));
          if (s.failure === 'error') {
            throw new TaskError(`${system.toUpperCase().replace(/-/g, '_')}_ERROR`, `${systemLabel(system)} answered with an error`, `Look at ${systemLabel(system)}'s own logs, then retry.`, true);
          }
          if (s.failure === 'timeout') await sleep(24 * 3_600_000, signal);
        } finally {
          l.inFlight -= n;
          const endedAt = new Date().toISOString();
          for (let i = from; i < from + n; i++) timings[i] = { startedAt, endedAt };
        }
      }, operation);
    } catch (e) {
      await this.recordMany(system, operation, keys.map((key) => ({ key, outcome: `failed: ${(e as Error).message}` })), timings);
      throw e;
    }
    return timings;
  }

  /** What became of many calls, in one statement; `timings[i]` is when `calls[i]` was under way. */
  async recordMany(system: string, operation: string, calls: { key: string | null; outcome: string }[], timings: SimCall[] | null = null, db: Executor = this.db): Promise<void> {
    if (!calls.length) return;
    await db
      .insertInto('simCalls')
      .values(calls.map((c, i) => ({ system, operation, key: c.key, outcome: c.outcome, startedAt: timings?.[i]?.startedAt ?? null, endedAt: timings?.[i]?.endedAt ?? null })))
      .execute();
  }
}

/** When a simulated call was under way (null: it never started, its turn did not come). */
export interface SimCall {
  startedAt: string | null;
  endedAt: string | null;
}
