/**
 * Provisioning throughput (R7): six-task mobile runs per second with zero-latency simulators,
 * and the progress route under 200 clients polling, on the embedded database or PostgreSQL.
 *
 *   npm run bench -- provisioning
 *   DATABASE_URL=postgres://... npm run bench -- provisioning
 *   BENCH_PROVISIONS=1000 ...           # how many runs (default 300 embedded, 2000 PostgreSQL)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { systemCtx } from '../src/users/actor.js';
import { countStatements, load, mb, onPostgres, report, signIn, startBenchApp, summarise } from './lib.js';

const runs = Number(process.env.BENCH_PROVISIONS ?? (onPostgres() ? 2000 : 300));
const extraWorkers = Number(process.env.BENCH_WORKERS ?? 0);
const { app, base } = await startBenchApp();
// Optional extra worker processes (PostgreSQL): `switchboard worker`, each with its own WORKER_ID.
const workers = Array.from({ length: onPostgres() ? extraWorkers : 0 }, (_, i) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], { env: { ...process.env, DATABASE_URL: app.config.databaseUrl, WORKER_ID: `bench-worker-${i + 1}`, LOG_LEVEL: 'warn' }, stdio: 'inherit' }),
);
if (workers.length) await new Promise((r) => setTimeout(r, 8000));
const { inventory, users } = app.services;
const db = app.database.db;
for (const s of await app.integrations.simulators.list()) await app.integrations.simulators.set(systemCtx, s.system, { latencyMs: 0, failure: null });

// Stock for every run: one SIM card and one number each.
const stamp = Date.now().toString(36);
await inventory.addItems(systemCtx, {
  template: 'SIM Card',
  items: Array.from({ length: runs }, (_, i) => ({ reference: `BSIM-${stamp}-${i}`, attributes: { iccid: `8944${String(Date.now() % 1e8).padStart(8, '0')}${String(i).padStart(8, '0')}`, imsi: `23415${String(i).padStart(10, '0')}` }, status: 'new' as const })),
});
await inventory.addItems(systemCtx, {
  template: 'Mobile Number',
  items: Array.from({ length: runs }, (_, i) => ({ reference: `+44 7${stamp}${i}`, attributes: { msisdn: `447${String(Date.now() % 1e4).padStart(4, '0')}${String(i).padStart(5, '0')}` }, status: 'new' as const })),
});
const sims = await db.selectFrom('inventoryItems').select('id').where('reference', 'like', `BSIM-${stamp}-%`).orderBy('id').execute();
const numbers = await db.selectFrom('inventoryItems').select('id').where('reference', 'like', `+44 7${stamp}%`).orderBy('id').execute();
const agent = (await users.list()).find((u) => u.role === 'agent')!;
const ctx = { actor: { id: agent.id, label: agent.email, role: agent.role } };

// Reservations first (the wizard's part), so the timing is of Confirm & Provision and the runs.
const holders: string[] = [];
for (let i = 0; i < runs; i++) {
  const holder = `bench-${randomUUID()}`;
  await inventory.reserve(ctx, sims[i]!.id, holder, 3600);
  await inventory.reserve(ctx, numbers[i]!.id, holder, 3600);
  holders.push(holder);
}

const cookie = await signIn(base);
const rssBefore = process.memoryUsage().rss;
const statements = countStatements();
const t0 = performance.now();
const ids: string[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < runs) {
      const i = next++;
      const res = await fetch(`${base}/api/provisions`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'idempotency-key': holders[i]! },
        body: JSON.stringify({ customerId: 100, product: 'mobile-20gb', reservation: holders[i], inventory: { 'SIM Card': sims[i]!.id, 'Mobile Number': numbers[i]!.id } }),
      });
      const p = (await res.json()) as { id: string };
      if (res.status !== 201) throw new Error(`POST /api/provisions: ${res.status} ${JSON.stringify(p)}`);
      ids.push(p.id);
    }
  }),
);
const submitted = performance.now();
let peakRss = process.memoryUsage().rss;
for (;;) {
  const r = await sql<{ done: number; failed: number }>`select count(*) filter (where status = 'succeeded')::int as done, count(*) filter (where status in ('failed', 'timed_out'))::int as failed from provisions where id = any(${ids}::uuid[])`.execute(db);
  const { done, failed } = r.rows[0]!;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (failed) throw new Error(`${failed} runs failed`);
  if (done === runs) break;
  await new Promise((res) => setTimeout(res, 50));
}
const finished = performance.now();
const sent = statements.stop();

report(`provisioning, six-task mobile playbook, zero-latency simulators, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, {
  runs,
  'confirmations (POST/s)': Math.round(runs / ((submitted - t0) / 1000)),
  'runs completed (per s)': Math.round(runs / ((finished - t0) / 1000)),
  'first POST to last done (s)': ((finished - t0) / 1000).toFixed(1),
  'SQL statements per run': `${(sent.total / runs).toFixed(1)} (the POST and the run; ${(sent.engine / runs).toFixed(1)} of them the engine's claims, leases and heartbeats)`,
  'worker concurrency': `${app.config.workerConcurrency} per process, ${1 + workers.length} process(es)`,
  'process RSS (MB)': `${mb(rssBefore)} before, ${mb(peakRss)} peak`,
});

// The progress view: 200 clients polling a run's progress.
const paths = ids.slice(0, 200).map((id) => `/api/provisions/${id}`);
await load(base, cookie, paths, 50, 2000); // warm-up
const poll = await load(base, cookie, paths, 200, onPostgres() ? 20_000 : 10_000);
if (poll.failures) throw new Error(`${poll.failures} progress requests failed`);
report(`progress route, 200 concurrent clients, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, {
  requests: poll.latencies.length,
  'requests per second': Math.round(poll.latencies.length / poll.seconds),
  'latency (ms)': summarise(poll.latencies),
});

for (const w of workers) w.kill('SIGTERM');
await app.close();
