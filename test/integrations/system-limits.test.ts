import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemLimits } from '../../src/integrations/limits.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { usingPostgres } from '../helpers/databases.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { setSimulator } from '../helpers/provisioning.js';

/**
 * Limits per outside system (R11.3, issue 10): at most N calls at once and M calls a second to
 * the OCS (and each other system), counted across every process sharing the database, so that a
 * mass migration cannot overload the network.
 */
let t: TestApp;
/** On PostgreSQL, a worker process too: the groups are shared between two processes. */
let worker: Proc | null = null;
beforeAll(async () => {
  // Each process runs one group of four at a time: the batch's three groups are shared out.
  const env = { RETRY_DELAY_SCALE: '0.01', BULK_CONCURRENCY: '12', GROUP_SIZE: '4', WORKER_CONCURRENCY: '4', OCS_MAX_CONCURRENCY: '3' };
  t = await startTestApp({ env });
  if (usingPostgres()) worker = await startProcess('worker', { ...env, DATABASE_URL: t.db.databaseUrl!, DATA_DIR: t.db.dataDir, WORKER_ID: 'second' });
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await t?.close();
});

/** The most calls of `system` under way at once, told from when each started and ended. */
async function peak(system: string, operation: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select coalesce(max(n), 0)::int as n from (
      select (select count(*) from sim_calls d
              where d.system = c.system and d.operation = c.operation
                and d.started_at <= c.started_at and d.ended_at > c.started_at) as n
      from sim_calls c where c.system = ${system} and c.operation = ${operation} and c.started_at is not null) x`.execute(t.app.database.db);
  return rows[0]!.n;
}

describe('limits on an outside system (R11.3)', () => {
  it('never has more OCS calls under way than OCS_MAX_CONCURRENCY, whatever the groups and workers, and every row ends right', async () => {
    const agent = await t.as('agent');
    await setSimulator(await t.as('admin'), 'ocs', { latencyMs: 60 });
    await setSimulator(await t.as('admin'), 'mail', { latencyMs: 60 });
    const csv = `customer\n${Array.from({ length: 12 }, (_, i) => [100, 101, 104, 107][i % 4]).join('\n')}`;
    const res = await agent.upload('/api/batches?product=mobile-20gb', csv);
    expect(res.statusCode, res.body).toBe(201);
    const id = body(res).batch.id as string;
    let b: any;
    const until = Date.now() + 60_000;
    for (;;) {
      b = body(await agent.get(`/api/batches/${id}`));
      if (b.status === 'completed') break;
      expect(Date.now(), JSON.stringify(b.counts)).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(b.counts).toMatchObject({ succeeded: 12, failed: 0 });
    if (worker) {
      // Both processes ran groups.
      const by = await sql<{ n: number }>`select count(distinct owner)::int as n from provision_groups`.execute(t.app.database.db);
      expect(by.rows[0]!.n).toBe(2);
    }

    const calls = await sql<{ n: number }>`select count(*)::int as n from sim_calls where system = 'ocs' and operation = 'create_account' and outcome = 'created'`.execute(t.app.database.db);
    expect(calls.rows[0]!.n).toBe(12);
    // The simulator's own count: three at once at most, and the limit was used, not a crawl of one.
    expect(await peak('ocs', 'create_account')).toBe(3);
    // Mail has no limit: a group's four welcome messages went together.
    expect(await peak('mail', 'send')).toBeGreaterThanOrEqual(4);
    // Every slot was given back.
    const held = await sql<{ n: number }>`select coalesce(sum(slots), 0)::int as n from system_slots where system = 'ocs'`.execute(t.app.database.db);
    expect(held.rows[0]!.n).toBe(0);
    await setSimulator(await t.as('admin'), 'ocs', { latencyMs: 0 });
    await setSimulator(await t.as('admin'), 'mail', { latencyMs: 0 });
  });

  it('shares one count between processes: two holders never exceed the limit together', async () => {
    const db = t.app.database.db;
    const a = new SystemLimits(db, { 'limit-test': { atOnce: 4, perSecond: null } });
    const c = new SystemLimits(db, { 'limit-test': { atOnce: 4, perSecond: null } });
    let now = 0;
    let most = 0;
    const call = async (_start: number, n: number) => {
      now += n;
      most = Math.max(most, now);
      await new Promise((r) => setTimeout(r, 25));
      now -= n;
    };
    await Promise.all([...Array.from({ length: 6 }, () => a.calls('limit-test', 5, undefined, call)), ...Array.from({ length: 6 }, () => c.calls('limit-test', 5, undefined, call))]);
    expect(most).toBe(4);
    await a.stop();
    await c.stop();
  });

  it('keeps to the calls a second: no second holds more than the rate and its small burst', async () => {
    const limits = new SystemLimits(t.app.database.db, { 'rate-test': { atOnce: null, perSecond: 20 } });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, () =>
        limits.one('rate-test', undefined, async () => {
          starts.push(Date.now());
        }),
      ),
    );
    starts.sort((x, y) => x - y);
    // A bucket of a tenth of a second's calls (2 here) on top of 20 a second.
    for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(22);
    // 30 calls at 20 a second, 2 at once: the last starts (30 - 2) / 20 s after the first, at least.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(1300);
    await limits.stop();
  });

  it('gives up waiting when the task is stopped (its timeout), and the turn passes to the next', async () => {
    const db = t.app.database.db;
    const limits = new SystemLimits(db, { 'stop-test': { atOnce: 1, perSecond: null } });
    let release!: () => void;
    const first = limits.one('stop-test', undefined, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    const stopper = new AbortController();
    const waiting = limits.one('stop-test', stopper.signal, async () => 'ran');
    const after = limits.one('stop-test', undefined, async () => 'next ran');
    stopper.abort(new Error('the task timed out'));
    await expect(waiting).rejects.toThrow('the task timed out');
    release();
    await first;
    expect(await after).toBe('next ran');
    await limits.stop();
  });
});

describe('limits in the configuration', () => {
  it('refuses a limit that is not a number above 0, naming the variable', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ ...process.env, OCS_MAX_CONCURRENCY: 'ten' })).toThrow(/OCS_MAX_CONCURRENCY must be a whole number above 0/);
    expect(() => loadConfig({ ...process.env, HLR_MAX_RATE: '-5' })).toThrow(/HLR_MAX_RATE must be a number above 0/);
    expect(loadConfig({ ...process.env, OCS_MAX_CONCURRENCY: '50', IPTV_MIDDLEWARE_MAX_RATE: '2.5' }).systemLimits).toMatchObject({
      ocs: { atOnce: 50, perSecond: null },
      'iptv-middleware': { atOnce: null, perSecond: 2.5 },
    });
  });
});
