import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { freshDatabase, type TestDatabase, usingPostgres } from '../helpers/databases.js';
import { apiClient, type Proc, startProcess } from '../helpers/processes.js';
import { waitForEnd } from '../helpers/provisioning.js';

/**
 * Runs move through their playbook in groups (issue 10): a run that fails leaves its group and is
 * retried alone; a stopping process drains; a worker that dies for good loses its groups to another.
 */
const fixtures = path.resolve('test/fixtures/playbooks');
const agentLogin = { email: 'agent@switchboard.local', password: 'switchboard-agent' };
const adminLogin = { email: 'admin@switchboard.local', password: 'switchboard-admin' };
const product = {
  slug: 'test-group',
  name: 'Group test',
  category: 'plan',
  serviceType: 'mobile',
  customerTypes: ['individual', 'business'],
  billing: 'one_off',
  setupFee: 500,
  recurringPrice: 0,
  currency: 'GBP',
  inventoryTemplates: [],
  playbook: 'test-group',
};
const customers = [100, 101, 104, 107];

describe('a group in which one run fails at task 3 (issue 10)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01', PLAYBOOKS_DIR: fixtures } });
    const res = await (await t.as('admin')).post('/api/products', product);
    expect(res.statusCode, res.body).toBe(201);
  });
  afterAll(() => t?.close());

  it('ends the others right, and the failed run, retried alone, succeeds without redoing its first tasks', async () => {
    const db = t.app.database.db;
    const agent = await t.as('agent');
    // One customer's card declines: the payment at task 3 fails for that run alone.
    const unlucky = customers[2]!;
    await sql`update payment_methods set last4 = '0002' where customer_id = ${unlucky} and is_default`.execute(db);
    const res = await agent.upload('/api/batches?product=test-group', `customer\n${customers.join('\n')}`);
    expect(res.statusCode, res.body).toBe(201);
    const batchId = body(res).batch.id as string;
    let b: any;
    for (const until = Date.now() + 30_000; ; ) {
      b = body(await agent.get(`/api/batches/${batchId}`));
      if (b.status === 'completed') break;
      expect(Date.now(), JSON.stringify(b.counts)).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(b.counts).toMatchObject({ succeeded: 3, failed: 1 });

    const runs = (await sql<{ id: string; customerId: number; status: string; groupId: string; failedTask: number | null; errorCode: string | null }>`
      select id, customer_id, status, group_id, failed_task, error_code from provisions where batch_id = ${batchId} order by customer_id`.execute(db)).rows;
    // They went through the playbook as one group.
    expect(new Set(runs.map((r) => r.groupId)).size).toBe(1);
    const failed = runs.find((r) => r.customerId === unlucky)!;
    expect(failed).toMatchObject({ status: 'failed', failedTask: 3, errorCode: 'PAYMENT_DECLINED' });
    const detail = body(await agent.get(`/api/provisions/${failed.id}`));
    expect(detail.tasks.map((x: any) => x.status)).toEqual(['succeeded', 'succeeded', 'failed', 'pending']);
    for (const r of runs.filter((x) => x.customerId !== unlucky)) {
      const d = body(await agent.get(`/api/provisions/${r.id}`));
      expect(d.status).toBe('succeeded');
      expect(d.service.status).toBe('active');
      expect(d.tasks.map((x: any) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    }
    const rows = body(await agent.get(`/api/batches/${batchId}/rows?status=failed`)).items;
    expect(rows).toHaveLength(1);
    expect(rows[0].failedTask).toMatchObject({ seq: 3, name: 'Take the setup fee' });

    // The customer gives a card that works; the run is retried, alone.
    await sql`update payment_methods set last4 = '4242' where customer_id = ${unlucky} and is_default`.execute(db);
    const retry = await agent.post(`/api/provisions/${failed.id}/retry`, { attempt: 1 });
    expect(retry.statusCode, retry.body).toBe(200);
    const done = await waitForEnd(agent, failed.id);
    expect(done.status).toBe('succeeded');
    expect(done.service.status).toBe('active');
    const after = (await sql<{ id: string; attempt: number; groupId: string }>`select id, attempt, group_id from provisions where batch_id = ${batchId}`.execute(db)).rows;
    expect(after.find((r) => r.id === failed.id)).toMatchObject({ attempt: 2 });
    expect(after.find((r) => r.id === failed.id)!.groupId).not.toBe(failed.groupId);
    for (const r of after.filter((x) => x.id !== failed.id)) expect(r).toMatchObject({ attempt: 1, groupId: failed.groupId });
    // Tasks 1 and 2 were not done again: one OCS account each; the unlucky customer paid once.
    const ocs = await sql<{ n: number }>`select count(*)::int as n from sim_calls where system = 'ocs' and operation = 'create_account'`.execute(db);
    expect(ocs.rows[0]!.n).toBe(4);
    const paid = await sql<{ outcome: string }>`
      select outcome from test_gateway_charges where idempotency_key like ${`${failed.id}:%`} order by created_at`.execute(db);
    expect(paid.rows.map((r) => r.outcome)).toEqual(['declined:card_declined', 'succeeded']);
  });
});

/** The number of runs of `status` and what the simulators saw, read from the database once the processes are gone. */
async function inspect(db: TestDatabase) {
  const database = await openDatabase(loadConfig({ DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '' }));
  try {
    const q = async <T>(query: ReturnType<typeof sql>) => (await query.execute(database.db)).rows as T[];
    return {
      runs: await q<{ status: string; owner: string | null }>(sql`select p.status, g.owner from provisions p left join provision_groups g on g.id = p.group_id order by p.created_at`),
      accounts: await q<{ outcome: string; n: number }>(sql`select outcome, count(*)::int as n from sim_calls where system = 'ocs' and operation = 'create_account' group by outcome`),
      mails: await q<{ n: number }>(sql`select count(*)::int as n from mail_outbox where status = 'sent'`),
    };
  } finally {
    await database.close();
  }
}

async function confirmRuns(base: string, n: number): Promise<string[]> {
  const api = await apiClient(base, agentLogin);
  const ids: string[] = [];
  for (const customerId of customers.slice(0, n)) {
    const r = await api('POST', '/api/provisions', { customerId, product: 'test-group', inventory: {} }, { 'idempotency-key': `group-${customerId}-${Date.now()}` });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    ids.push(r.json.id);
  }
  return ids;
}

async function until(what: string, check: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a process stopped with SIGTERM (issue 10)', () => {
  let db: TestDatabase;
  let proc: Proc | null = null;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await proc?.kill('SIGKILL');
    await db?.drop();
  });

  it("finishes the runs under way before it exits, without waiting out its grace", async () => {
    const env = { DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '', PLAYBOOKS_DIR: fixtures, SIM_OCS_LATENCY_MS: '2000', SHUTDOWN_GRACE_SECONDS: '20', DEMO_DATA: 'auto' };
    proc = await startProcess('serve', env);
    const admin = await apiClient(proc.base!, adminLogin);
    expect((await admin('POST', '/api/products', product)).status).toBe(201);
    const ids = await confirmRuns(proc.base!, 3);
    const api = await apiClient(proc.base!, agentLogin);
    // The OCS call (task 2) is under way for all three.
    await until('the runs reach the OCS', async () => (await Promise.all(ids.map((id) => api('GET', `/api/provisions/${id}`)))).every((r) => r.json.tasks[1].status === 'running'), 15_000);
    const exited = new Promise<number | null>((r) => proc!.proc.once('exit', (code) => r(code)));
    const sentAt = Date.now();
    proc.proc.kill('SIGTERM');
    const code = await exited;
    proc = null;
    expect(code).toBe(0);
    // It waited for the OCS (2 s), not the whole grace.
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    const seen = await inspect(db);
    expect(seen.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(seen.accounts).toEqual([{ outcome: 'created', n: 3 }]);
  });
});

describe.skipIf(!usingPostgres())('a worker killed for good (issue 10, R11.3)', () => {
  let db: TestDatabase;
  const procs: Proc[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    await db?.drop();
  });

  it("loses its groups to another worker, which finishes them: nothing lost, no side effect twice", async () => {
    const common = { DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl!, PLAYBOOKS_DIR: fixtures, WORKER_LEASE_SECONDS: '4', DEMO_DATA: 'auto' };
    // The web process starts runs but does not run them; the first worker takes them, then dies.
    const web = await startProcess('serve', { ...common, RUN_WORKFLOWS: 'off' });
    procs.push(web);
    const admin = await apiClient(web.base!, adminLogin);
    expect((await admin('POST', '/api/products', product)).status).toBe(201);
    const doomed = await startProcess('worker', { ...common, WORKER_ID: 'doomed', SIM_OCS_LATENCY_MS: '60000' });
    procs.push(doomed);
    const ids = await confirmRuns(web.base!, 4);
    const api = await apiClient(web.base!, agentLogin);
    await until('the doomed worker runs them', async () => (await Promise.all(ids.map((id) => api('GET', `/api/provisions/${id}`)))).every((r) => r.json.tasks[1].status === 'running'), 20_000);
    await doomed.kill('SIGKILL');

    // Another worker, with a healthy OCS, takes the groups over once their lease has run out.
    const rescuer = await startProcess('worker', { ...common, WORKER_ID: 'rescuer', SIM_OCS_LATENCY_MS: '0' });
    procs.push(rescuer);
    await until('the runs end', async () => (await Promise.all(ids.map((id) => api('GET', `/api/provisions/${id}`)))).every((r) => r.json.status === 'succeeded'), 60_000);
    for (const p of procs.splice(0)) await p.kill('SIGTERM');

    const seen = await inspect(db);
    expect(seen.runs).toHaveLength(4);
    expect(seen.runs.every((r) => r.status === 'succeeded' && r.owner === 'rescuer')).toBe(true);
    // One account each, whatever the doomed worker's call did before it died.
    const created = seen.accounts.find((a) => a.outcome === 'created')?.n ?? 0;
    expect(created).toBe(4);
  });
});
