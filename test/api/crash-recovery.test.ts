import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { freshDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * A process killed in the middle of a run (SIGKILL: no chance to clean up) resumes the run when
 * it starts again, from the first unfinished task, and nothing that was done is done twice.
 */
let db: TestDatabase;
let child: ChildProcess | null = null;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await db?.drop();
});

function start(env: Record<string, string>): Promise<{ proc: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      env: { ...process.env, DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DEMO_DATA: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, base: m[1]! });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${out}`));
    });
  });
}

async function api(base: string, cookie: string, method: string, path: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { cookie, ...(payload !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(payload !== undefined && { body: JSON.stringify(payload) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function signIn(base: string) {
  const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'agent@switchboard.local', password: 'switchboard-agent' }) });
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

describe('a process killed mid-run (R8, durable workflows)', () => {
  it('resumes the run after a restart, skips finished tasks, and does no side effect twice', async () => {
    // The OCS answers slowly, so the run is caught inside "Configure OCS account".
    let s = await start({ SIM_OCS_LATENCY_MS: '4000' });
    child = s.proc;
    let cookie = await signIn(s.base);
    const holder = 'wizard-crash-test-1';
    const inventory: Record<string, number> = {};
    for (const template of ['SIM Card', 'Mobile Number']) {
      const list = await api(s.base, cookie, 'GET', `/api/inventory/available?template=${encodeURIComponent(template)}&limit=1`);
      inventory[template] = list.json.items[0].id;
      expect((await api(s.base, cookie, 'POST', `/api/inventory/items/${inventory[template]}/reservations`, { holder })).status).toBe(201);
    }
    const started = await api(s.base, cookie, 'POST', '/api/provisions', { customerId: 100, product: 'mobile-20gb', reservation: holder, inventory }, { 'idempotency-key': 'crash-key-1' });
    expect(started.status).toBe(201);
    const id = started.json.id as string;

    const until = Date.now() + 20_000;
    for (;;) {
      const p = await api(s.base, cookie, 'GET', `/api/provisions/${id}`);
      if (p.json.tasks[3].status === 'running') break;
      expect(Date.now()).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 50));
    }
    s.proc.kill('SIGKILL');
    await new Promise((r) => s.proc.once('exit', r));

    s = await start({ SIM_OCS_LATENCY_MS: '0' });
    child = s.proc;
    cookie = await signIn(s.base);
    let done: any;
    const until2 = Date.now() + 30_000;
    for (;;) {
      done = (await api(s.base, cookie, 'GET', `/api/provisions/${id}`)).json;
      if (['succeeded', 'failed', 'timed_out'].includes(done.status)) break;
      expect(Date.now(), JSON.stringify(done.tasks)).toBeLessThan(until2);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(done.status).toBe('succeeded');
    expect(done.summary).toBe('6 of 6 tasks completed');
    // The three tasks finished before the kill were not run again; the interrupted one was.
    expect(done.tasks.map((t: any) => t.attempts)).toEqual([1, 1, 1, 2, 1, 1]);
    const logs = (await api(s.base, cookie, 'GET', `/api/provisions/${id}/logs`)).json;
    for (const seq of [1, 2, 3]) expect(logs.events.filter((e: any) => e.taskSeq === seq && e.status === 'succeeded')).toHaveLength(1);

    s.proc.kill('SIGTERM');
    await new Promise((r) => s.proc.once('exit', r));
    child = null;

    // What the outside systems saw: one account, one e-mail, the items assigned once.
    const database = await openDatabase(loadConfig({ DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '' }));
    try {
      const q = async (query: ReturnType<typeof sql>) => Number((await sql<{ n: number }>`select count(*)::int as n from (${query}) x`.execute(database.db)).rows[0]!.n);
      const serviceId = done.service.id as number;
      expect(await q(sql`select 1 from sim_ocs_accounts a join services s on s.ocs_account = a.account where s.id = ${serviceId}`)).toBe(1);
      expect(await q(sql`select 1 from sim_calls where system = 'ocs' and operation = 'create_account' and outcome = 'created'`)).toBe(1);
      expect(await q(sql`select 1 from mail_outbox where service_id = ${serviceId}`)).toBe(1);
      expect(await q(sql`select 1 from inventory_items where service_id = ${serviceId} and status = 'assigned'`)).toBe(2);
      expect(await q(sql`select 1 from services where customer_id = 100`)).toBe(1);
      expect(await q(sql`select 1 from services where id = ${serviceId} and status = 'active'`)).toBe(1);
    } finally {
      await database.close();
    }
  });
});
