import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { freshDatabase, type TestDatabase } from '../helpers/databases.js';
import { apiClient, type Proc, startProcess } from '../helpers/processes.js';

/**
 * A process killed in the middle of a batch (R11.3, R8): on restart the batch goes on from where
 * it was, and no row is provisioned twice nor lost.
 */
let db: TestDatabase;
let proc: Proc | null = null;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await proc?.kill('SIGKILL');
  await db?.drop();
});

const agent = { email: 'agent@switchboard.local', password: 'switchboard-agent' };
const env = (latency: number) => ({ DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '', SIM_OCS_LATENCY_MS: String(latency), RETRY_DELAY_SCALE: '0.01' });

describe('a process killed mid-batch', () => {
  it('goes on after a restart: every good row provisioned exactly once', async () => {
    proc = await startProcess('serve', env(300));
    let api = await apiClient(proc.base!, agent);
    const csv = `customer\n${Array.from({ length: 10 }, (_, i) => [100, 101, 104, 107][i % 4]).join('\n')}`;
    const cookie = (await fetch(`${proc.base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(agent) })).headers.getSetCookie()[0]!.split(';')[0]!;
    const res = await fetch(`${proc.base}/api/batches?product=mobile-20gb&concurrency=2`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: csv });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as any).batch.id as string;

    const until = Date.now() + 30_000;
    for (;;) {
      const b = (await api('GET', `/api/batches/${id}`)).json;
      if (b.counts.succeeded >= 2 && b.counts.running > 0) break;
      expect(Date.now(), JSON.stringify(b.counts)).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 50));
    }
    await proc.kill('SIGKILL');

    proc = await startProcess('serve', env(0));
    api = await apiClient(proc.base!, agent);
    let done: any;
    const until2 = Date.now() + 60_000;
    for (;;) {
      done = (await api('GET', `/api/batches/${id}`)).json;
      if (done.status === 'completed') break;
      expect(Date.now(), JSON.stringify(done.counts)).toBeLessThan(until2);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(done.counts).toMatchObject({ succeeded: 10, failed: 0, pending: 0, queued: 0, running: 0 });
    await proc.kill('SIGTERM');
    proc = null;

    const database = await openDatabase(loadConfig({ DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '' }));
    try {
      const n = async (q: ReturnType<typeof sql>) => Number((await sql<{ n: number }>`select count(*)::int as n from (${q}) x`.execute(database.db)).rows[0]!.n);
      expect(await n(sql`select 1 from provisions where batch_id = ${id}`)).toBe(10);
      expect(await n(sql`select distinct service_id from batch_rows where batch_id = ${id}`)).toBe(10);
      expect(await n(sql`select 1 from sim_calls where system = 'ocs' and operation = 'create_account' and outcome = 'created'`)).toBe(10);
      expect(await n(sql`select 1 from inventory_items i join provisions p on p.service_id = i.service_id where p.batch_id = ${id} and i.status = 'assigned'`)).toBe(20);
      expect(await n(sql`select 1 from inventory_items where status = 'reserved'`)).toBe(0);
    } finally {
      await database.close();
    }
  });
});
