/**
 * Provisioning (R7, issue 10), six-task mobile runs with zero-latency simulators, on the embedded
 * database or PostgreSQL:
 *   - confirm-to-Active when idle: one confirmation at a time, from the POST to the service active;
 *   - single confirmations from 50 clients at once: completed runs a second, and the SQL statements
 *     and CPU (Node, PostgreSQL) each costs;
 *   - the progress route, 200 clients each polling a run every 0.2 s while runs are in flight;
 *   - the event stream: how long after its commit a task's change reaches the client (the
 *     first 3 s of these two are a warm-up of the client threads and their connections, not measured).
 *
 *   npm run bench -- provisioning
 *   DATABASE_URL=postgres://... npm run bench -- provisioning
 *   BENCH_PROVISIONS=2000 BENCH_CLIENTS=50 ...
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { systemCtx } from '../src/users/actor.js';
import { countStatements, cpuMeter, machineCpu, mb, onPostgres, report, signIn, startBenchApp, summarise } from './lib.js';

const runs = Number(process.env.BENCH_PROVISIONS ?? (onPostgres() ? 2000 : 500));
const clients = Number(process.env.BENCH_CLIENTS ?? 50);
const idleRuns = 50;
const flowRuns = 600;
const { app, base } = await startBenchApp();
const { inventory, users } = app.services;
const db = app.database.db;
for (const s of await app.integrations.simulators.list()) await app.integrations.simulators.set(systemCtx, s.system, { latencyMs: 0, failure: null });

// Stock and the wizards' reservations for every run (the wizard's part is not timed here).
const total = idleRuns + runs + flowRuns;
const stamp = Date.now().toString(36);
const templates = Object.fromEntries((await db.selectFrom('inventoryTemplates').select(['id', 'name']).execute()).map((t) => [t.name, t.id]));
const agent = (await users.list()).find((u) => u.role === 'agent')!;
const holders = Array.from({ length: total }, () => `bench-${randomUUID()}`);
const expires = new Date(Date.now() + 3_600_000).toISOString();
const sims = (
  await sql<{ id: number }>`
    insert into inventory_items (template_id, reference, attributes, status, stock_status, reservation_holder, reserved_by, reservation_expires_at)
    select ${templates['SIM Card']}, 'BSIM-' || ${stamp} || '-' || g, jsonb_build_object('iccid', '8944' || lpad(g::text, 16, '0'), 'imsi', '23415' || lpad(g::text, 10, '0')),
           'reserved', 'new', (${holders}::text[])[g], ${agent.id}, ${expires}
    from generate_series(1, ${total}::int) g order by g returning id`.execute(db)
).rows;
const numbers = (
  await sql<{ id: number }>`
    insert into inventory_items (template_id, reference, attributes, status, stock_status, reservation_holder, reserved_by, reservation_expires_at)
    select ${templates['Mobile Number']}, '+44 7' || ${stamp} || g, jsonb_build_object('msisdn', '447' || lpad(g::text, 9, '0')),
           'reserved', 'new', (${holders}::text[])[g], ${agent.id}, ${expires}
    from generate_series(1, ${total}::int) g order by g returning id`.execute(db)
).rows;
await sql`analyze`.execute(db);
void inventory;

const cookie = await signIn(base);
let next = 0;
const confirm = async (): Promise<{ id: string; at: number }> => {
  const i = next++;
  const at = performance.now();
  const res = await fetch(`${base}/api/provisions`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'idempotency-key': holders[i]! },
    body: JSON.stringify({ customerId: 100, product: 'mobile-20gb', reservation: holders[i], inventory: { 'SIM Card': sims[i]!.id, 'Mobile Number': numbers[i]!.id } }),
  });
  const p = (await res.json()) as { id: string };
  if (res.status !== 201) throw new Error(`POST /api/provisions: ${res.status} ${JSON.stringify(p)}`);
  return { id: p.id, at };
};
const statusOf = async (ids: string[]) =>
  (await sql<{ done: number; failed: number }>`select count(*) filter (where status = 'succeeded')::int as done, count(*) filter (where status in ('failed', 'timed_out'))::int as failed from provisions where id = any(${ids}::uuid[])`.execute(db)).rows[0]!;

// --- confirm to Active, idle ---------------------------------------------------------------------
// The end is heard from the progress hub, as the event stream hears it (no polling).
const ended = (id: string) =>
  new Promise<void>((resolve, reject) => {
    const check = async () => {
      const s = await db.selectFrom('provisions').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      if (s.status === 'succeeded') done();
      else if (s.status === 'failed' || s.status === 'timed_out') done(new Error(`run ${id} ${s.status}`));
    };
    const off = app.hub.subscribe(id, () => void check());
    const done = (e?: Error) => {
      off();
      if (e) reject(e);
      else resolve();
    };
    void check();
  });
const idle: number[] = [];
for (let k = 0; k < idleRuns; k++) {
  const { id, at } = await confirm();
  await ended(id);
  idle.push(performance.now() - at);
  await new Promise((r) => setTimeout(r, 100));
}
report(`confirm to Active, one at a time (idle), ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, { 'latency (ms)': summarise(idle) });

// --- many single confirmations at once -----------------------------------------------------------
const rssBefore = process.memoryUsage().rss;
const statements = countStatements();
const cpu = cpuMeter();
// The clients run in a process of their own: the CPU figures are the server's (and PostgreSQL's).
const jobs = Array.from({ length: runs }, (_, k) => ({ holder: holders[next + k]!, sim: sims[next + k]!.id, number: numbers[next + k]!.id }));
next += runs;
const client = fork(new URL('./confirm-client.mjs', import.meta.url), [], { stdio: 'inherit' });
const t0 = performance.now();
const answer = new Promise<{ ids?: string[]; seconds?: number; error?: string }>((resolve) => client.once('message', resolve as never));
client.send({ base, cookie, jobs, concurrency: clients });
const sentBack = await answer;
if (sentBack.error) throw new Error(sentBack.error);
const ids = sentBack.ids!;
const submitted = performance.now();
let peakRss = process.memoryUsage().rss;
for (;;) {
  const { done, failed } = await statusOf(ids);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (failed) throw new Error(`${failed} runs failed`);
  if (done === ids.length) break;
  await new Promise((res) => setTimeout(res, 20));
}
const finished = performance.now();
const sent = statements.stop();
const used = cpu.stop();
report(`single confirmations, ${clients} clients at once, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, {
  runs: ids.length,
  'confirmations (POST/s)': Math.round(ids.length / ((submitted - t0) / 1000)),
  'runs completed (per s)': Math.round(ids.length / ((finished - t0) / 1000)),
  'first POST to last done (s)': ((finished - t0) / 1000).toFixed(1),
  'SQL statements per run': `${(sent.total / ids.length).toFixed(1)} (the POST and the run; ${(sent.engine / ids.length).toFixed(2)} of them the engine's claims, leases and heartbeats)`,
  'CPU ms per run': `${((used.nodeMs + used.postgresMs) / ids.length).toFixed(2)} (Node ${(used.nodeMs / ids.length).toFixed(2)}, PostgreSQL ${(used.postgresMs / ids.length).toFixed(2)})`,
  'worker concurrency': `${app.config.workerConcurrency}, groups of up to ${app.config.groupSize}`,
  'process RSS (MB)': `${mb(rssBefore)} before, ${mb(peakRss)} peak`,
});

// --- the progress route and the event stream while runs are in flight ----------------------------
// Runs keep coming (staff confirming BENCH_FLOW_RATE runs a second in all, 20 by default: a busy
// day's shops and call centre, not the saturation above), 200 consoles each follow one of the
// latest every 0.2 s, and an event stream is opened for some: when does each task's change reach
// it after its commit?
const flowRate = Number(process.env.BENCH_FLOW_RATE ?? 20);
const flowSeconds = onPostgres() ? 20 : 15;
const recent: string[] = ids.slice(-200);
// When this process heard that each run changed (its transaction committed, in this process or in
// another): a task's change is delivered that long after its commit.
const heard = new Map<string, number[]>();
const stopHearing = app.hub.onAnyChange((id) => {
  const times = heard.get(id) ?? [];
  times.push(Date.now());
  heard.set(id, times);
});
const flowStatements = countStatements();
const machine = machineCpu();
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const pollers = new Worker(new URL('./poll-worker.mjs', import.meta.url), { workerData: { base, cookie, clients: 200, intervalMs: 200, seconds: flowSeconds, warmupSeconds: 3, paths: recent.map((id) => `/api/provisions/${id}`) } });
const polled = new Promise<{ latencies: number[]; failures: number; seconds: number }>((resolve, reject) => {
  pollers.once('message', resolve);
  pollers.once('error', reject);
});
// The staff confirming and the event streams have a thread of their own too: the server's event
// loop serves, it does not also run the clients.
const flowJobs = Array.from({ length: total - next }, (_, k) => ({ holder: holders[next + k]!, sim: sims[next + k]!.id, number: numbers[next + k]!.id }));
const flowWorker = new Worker(new URL('./flow-worker.mjs', import.meta.url), { workerData: { base, cookie, jobs: flowJobs, rate: flowRate, seconds: flowSeconds, warmupSeconds: 3, maxStreams: 100 } });
const flowed = new Promise<{ delays: { id: string; occurredAt: number; arrivedAt: number }[]; toActive: number[]; confirmed: number; streams: number }>((resolve, reject) => {
  flowWorker.on('message', (m: { id?: string; done?: boolean }) => {
    if (m.id) {
      recent.push(m.id);
      if (recent.length > 200) recent.shift();
      pollers.postMessage({ paths: recent.map((r) => `/api/provisions/${r}`) });
    }
    if (m.done) resolve(m as never);
  });
  flowWorker.once('error', reject);
});
const poll = await polled;
await pollers.terminate();
const flow = await flowed;
await flowWorker.terminate();
loopDelay.disable();
const busy = machine.stop();
const flowSent = flowStatements.stop();
report(`progress route, 200 clients each polling a run every 0.2 s while ${flowRate} runs a second are confirmed, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, {
  requests: poll.latencies.length,
  'requests per second': Math.round(poll.latencies.length / poll.seconds),
  failures: poll.failures,
  'latency (ms)': summarise(poll.latencies),
  'SQL statements per second': `${Math.round(flowSent.total / poll.seconds)} (${Math.round(flowSent.consoles / poll.seconds)} of them the consoles' gathered reads)`,
  "server's event loop delay (ms)": `p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)}, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)}, max ${(loopDelay.max / 1e6).toFixed(1)}`,
});
stopHearing();
// The commit of a task's change: the first news of its run at or after its transaction began.
const afterCommit = flow.delays.flatMap((d) => {
  const at = heard.get(d.id)?.find((t) => t >= d.occurredAt);
  return at === undefined ? [] : [Math.max(0, d.arrivedAt - at)];
});
report('event stream: when a task change reaches the client (ms)', {
  'after its commit (ms)': summarise(afterCommit),
  'after its event was written (ms)': summarise(flow.delays.map((d) => d.arrivedAt - d.occurredAt)),
  'confirm to end, followed by the stream (ms)': summarise(flow.toActive),
  streams: flow.streams,
  'runs confirmed meanwhile': flow.confirmed,
  "the machine's CPU busy meanwhile": `${busy}% of ${os.cpus().length} cores (server, PostgreSQL and the clients' threads together)`,
});

await app.close();
