import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { demoUsers } from '../../src/demo/demo-data.js';
import { freshDatabase, type TestDatabase, usingPostgres } from '../helpers/databases.js';
import { apiClient, type Proc, startProcess } from '../helpers/processes.js';

/**
 * Renewals are processed exactly once per period with two worker processes sharing the work and
 * one of them killed (SIGKILL) in the middle of renewals (issue 5). Several processes need
 * PostgreSQL: the embedded database belongs to one process, so this runs with DATABASE_URL only.
 */
describe.skipIf(!usingPostgres())('renewals with two workers, one killed mid-renewal (PostgreSQL)', () => {
  let db: TestDatabase;
  const procs: Proc[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    await db?.drop();
  });

  it('renews each service once and charges each period once; renewals interrupted by the kill are finished', { timeout: 180_000 }, async () => {
    const env = { DATABASE_URL: db.databaseUrl!, TEST_CLOCK: 'on', BILLING_SCHEDULE: 'off', RETRY_DELAY_SCALE: '0.01' };
    // The web process starts work and leaves it to the workers; each worker takes three at a time.
    const web = await startProcess('serve', { ...env, WORKER_ID: 'web', RUN_WORKFLOWS: 'off' });
    procs.push(web);
    const admin = await apiClient(web.base!, demoUsers.find((u) => u.role === 'admin')!);
    const agent = await apiClient(web.base!, demoUsers.find((u) => u.role === 'agent')!);

    const w1 = await startProcess('worker', { ...env, WORKER_ID: 'w1', WORKER_CONCURRENCY: '3' });
    const w2 = await startProcess('worker', { ...env, WORKER_ID: 'w2', WORKER_CONCURRENCY: '3' });
    procs.push(w1, w2);

    // Six auto-renew lines for John Smith.
    const services: number[] = [];
    for (let i = 0; i < 6; i++) {
      const holder = `workers-test-${i}-0000`;
      const inventory: Record<string, number> = {};
      for (const template of ['SIM Card', 'Mobile Number']) {
        const list = await agent('GET', `/api/inventory/available?template=${encodeURIComponent(template)}&limit=1`);
        inventory[template] = list.json.items[0].id;
        expect((await agent('POST', `/api/inventory/items/${inventory[template]}/reservations`, { holder })).status).toBe(201);
      }
      const p = await agent('POST', '/api/provisions', { customerId: 100, product: 'mobile-20gb', reservation: holder, inventory, autoRenew: true }, { 'idempotency-key': holder });
      expect(p.status).toBe(201);
      let progress = p.json;
      while (progress.status !== 'succeeded') {
        expect(['queued', 'running']).toContain(progress.status);
        await new Promise((r) => setTimeout(r, 100));
        progress = (await agent('GET', `/api/provisions/${progress.id}`)).json;
      }
      services.push(progress.service.id);
    }
    const periodEnd = (await agent('GET', `/api/services/${services[0]}`)).json.currentPeriodEnd as string;


    // The gateway is slow, so renewals are caught in the middle of their payment.
    expect((await admin('PUT', '/api/simulators/payments', { latencyMs: 2500, failure: null })).status).toBe(200);
    expect((await admin('PUT', '/api/test-clock', { advanceMs: 32 * 86_400_000 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600)); // every process reads the moved clock
    const run = await admin('POST', '/api/billing/run');
    expect(run.json.renewals).toHaveLength(6);
    // And once more from a worker's point of view: the same workflows, nothing new.
    expect((await admin('POST', '/api/billing/run')).json.renewals).toHaveLength(6);

    await new Promise((r) => setTimeout(r, 1200));
    await w1.kill('SIGKILL');
    const w1again = await startProcess('worker', { ...env, WORKER_ID: 'w1', WORKER_CONCURRENCY: '3' });
    procs.push(w1again);
    await admin('PUT', '/api/simulators/payments', { latencyMs: 0, failure: null });

    const until = Date.now() + 60_000;
    for (;;) {
      const states = await Promise.all(services.map((id) => agent('GET', `/api/services/${id}/charges`)));
      const done = states.every((s) => s.json.items.filter((c: any) => c.kind === 'recurring' && c.status === 'paid').length === 2);
      if (done) break;
      expect(Date.now(), JSON.stringify(states.map((s) => s.json.items.map((c: any) => [c.periodStart, c.status])))).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 300));
    }
    for (const p of [web, w2, w1again]) await p.kill('SIGTERM');

    const database = await openDatabase(loadConfig({ DATABASE_URL: db.databaseUrl! }));
    try {
      const d = database.db;
      for (const id of services) {
        const charges = await d.selectFrom('charges').selectAll().where('serviceId', '=', id).where('kind', '=', 'recurring').orderBy('periodStart').execute();
        expect(charges.map((c) => [c.periodStart, c.status])).toEqual([
          [charges[0]!.periodStart, 'paid'],
          [periodEnd, 'paid'],
        ]);
        const s = await d.selectFrom('services').select(['currentPeriodStart']).where('id', '=', id).executeTakeFirstOrThrow();
        expect(s.currentPeriodStart).toBe(periodEnd);
        for (const c of charges) {
          const succeeded = await d.selectFrom('payments').select('id').where('chargeId', '=', c.id).where('status', '=', 'succeeded').execute();
          expect(succeeded).toHaveLength(1);
          const atGateway = await sql<{ n: number }>`select count(*)::int as n from test_gateway_charges where idempotency_key like ${`${c.idempotencyKey}#%`}`.execute(d);
          expect(atGateway.rows[0]!.n).toBe(1);
        }
      }
      const renewals = await sql<{ executorId: string; recoveryAttempts: number; status: string }>`
        select executor_id, recovery_attempts, status from dbos.workflow_status where name = 'billing-renewal'`.execute(d);
      expect(renewals.rows).toHaveLength(6);
      expect(renewals.rows.every((r) => r.status === 'SUCCESS')).toBe(true);
      // Both workers took renewals, and those of the killed one were taken back after its restart.
      // The renewals the killed worker held were interrupted and taken up again (a second recovery
      // attempt), by another worker or by the restarted one, and still ran once.
      expect(renewals.rows.filter((r) => Number(r.recoveryAttempts) >= 2).length).toBeGreaterThanOrEqual(1);
    } finally {
      await database.close();
    }
  });
});
