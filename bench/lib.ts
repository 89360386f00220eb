import type { AddressInfo } from 'node:net';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { createApp, type SwitchboardApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { demoUsers } from '../src/demo/demo-data.js';
import { createLogger } from '../src/logger.js';
import pg from 'pg';
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';

/** Shared by the benchmarks: where they run, how they time, how they print. */

export const onPostgres = () => Boolean(process.env.DATABASE_URL);

/** A database for benchmarks only: DATA_DIR=./data/bench, or the database `switchboard_bench` next to DATABASE_URL. */
export async function benchConfig() {
  if (!onPostgres()) return loadConfig({ ...process.env, DATA_DIR: process.env.BENCH_DATA_DIR ?? './data/bench', LOG_LEVEL: 'warn' });
  const url = new URL(process.env.DATABASE_URL!);
  const name = process.env.BENCH_DATABASE ?? 'switchboard_bench';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (!exists.rowCount) await admin.query(`create database "${name}"`);
  await admin.end();
  url.pathname = `/${name}`;
  return loadConfig({ ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
}

export async function startBenchApp(extra: Partial<Parameters<typeof createApp>[0]> = {}): Promise<{ app: SwitchboardApp; base: string }> {
  const config = await benchConfig();
  const app = await createApp({ config, logger: createLogger('warn', false), seedDemo: true, ...extra });
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.http.server.address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}` };
}

export async function signIn(base: string, role: 'admin' | 'agent' = 'agent'): Promise<string> {
  const u = demoUsers.find((d) => d.role === role)!;
  const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: u.email, password: u.password }) });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sb_session='));
  if (!cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie.split(';')[0]!;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarise(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: +percentile(s, 50).toFixed(2), p95: +percentile(s, 95).toFixed(2), p99: +percentile(s, 99).toFixed(2), max: +s.at(-1)!.toFixed(2) };
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export function report(title: string, rows: Record<string, unknown>) {
  console.log(`\n## ${title}`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
}

/** Fires `total` GETs over `paths` from `concurrency` clients in a worker thread; latencies in ms. */
export function load(base: string, cookie: string, paths: string[], concurrency: number, total: number): Promise<{ latencies: number[]; failures: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./http-worker.mjs', import.meta.url), { workerData: { base, cookie, paths, concurrency, total } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/**
 * Counts the SQL statements this process sends from now until `stop()` (through every pool, both
 * databases), and how many of them are the engine's bookkeeping (claims, leases, heartbeats,
 * DBOS): the work behind a figure, which a faster or slower machine does not change.
 */
export function countStatements(): { stop(): { total: number; engine: number; consoles: number } } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let total = 0;
  let engine = 0;
  let consoles = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    total++;
    const q = args[0];
    const text = typeof q === 'string' ? q : ((q as { text?: string } | undefined)?.text ?? '');
    if (/\bdbos"?\.|provision_groups|"workers"|\bworkers\b/.test(text)) engine++;
    // The consoles' gathered reads (progress-reads.ts): progress snapshots and event streams.
    if (/from provisions p where p\.id = any|join provision_events e on e\.provision_id = k\.id/.test(text)) consoles++;
    return original.apply(this, args);
  };
  return {
    stop() {
      proto.query = original;
      return { total, engine, consoles };
    },
  };
}

/** How busy the whole machine's CPUs were from now until `stop()`, in percent (/proc/stat; 0 where there is none). */
export function machineCpu(): { stop(): number } {
  const read = () => {
    if (!fs.existsSync('/proc/stat')) return { idle: 0, total: 0 };
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  const start = read();
  return {
    stop() {
      const end = read();
      const total = end.total - start.total;
      return total ? Math.round((100 * (total - (end.idle - start.idle))) / total) : 0;
    },
  };
}

/**
 * CPU time spent from now until `stop()`: this process (Node, and the embedded database, which
 * runs inside it), and the PostgreSQL server's processes on this machine (read from /proc; 0
 * where there are none to read).
 */
export function cpuMeter(): { stop(): { nodeMs: number; postgresMs: number } } {
  const tick = 1000 / 100; // Linux reports CPU in clock ticks of 10 ms
  const postgresTicks = () => {
    let total = 0;
    for (const pid of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (!fs.readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) continue;
        const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        total += Number(fields[11]) + Number(fields[12]); // utime, stime
      } catch {
        /* gone meanwhile */
      }
    }
    return total;
  };
  const node0 = process.cpuUsage();
  const pg0 = postgresTicks();
  return {
    stop() {
      const n = process.cpuUsage(node0);
      return { nodeMs: (n.user + n.system) / 1000, postgresMs: (postgresTicks() - pg0) * tick };
    },
  };
}

/**
 * `rows` customers with a default card, and as many SIM cards and mobile numbers (and 100 more)
 * in stock, for a bulk file of new mobile lines. `cleanUp` removes the stock left unused.
 */
export async function seedCustomersAndStock(db: Kysely<DB>, rows: number): Promise<{ ids: number[]; stamp: string; cleanUp: () => Promise<void> }> {
  const stamp = Date.now().toString(36);
  const t0 = performance.now();
  const ids = (
    await sql<{ id: number }>`
      insert into customers (type, name, email, phone, payment_type)
      select 'individual', 'Bulk ' || ${stamp} || ' ' || g, 'bulk-' || ${stamp} || '-' || g || '@example.net', '+44 7' || lpad((abs(hashint4(g + ${Date.now() % 100000})) % 1000000000)::text, 9, '0'), 'card'
      from generate_series(1, ${rows}::int) g
      returning id`.execute(db)
  ).rows.map((r) => r.id);
  await sql`
    insert into payment_methods (customer_id, brand, last4, exp_month, exp_year, is_default)
    select id, 'visa', '4242', 12, 2035, true from unnest(${ids}::int[]) as id`.execute(db);
  const templates = Object.fromEntries((await db.selectFrom('inventoryTemplates').select(['id', 'name']).execute()).map((t) => [t.name, t.id]));
  const stock = rows + 100;
  await sql`
    insert into inventory_items (template_id, reference, attributes, status)
    select ${templates['SIM Card']}, 'BULK-' || ${stamp} || '-' || lpad(g::text, 7, '0'),
           jsonb_build_object('iccid', '8944' || lpad((abs(hashint4(g)) % 100000000)::text, 8, '0') || lpad(g::text, 8, '0'), 'imsi', '23415' || lpad(g::text, 10, '0')), 'new'
    from generate_series(1, ${stock}::int) g`.execute(db);
  await sql`
    insert into inventory_items (template_id, reference, attributes, status)
    select ${templates['Mobile Number']}, '+44 7' || ${stamp.slice(-3)} || lpad(g::text, 7, '0'),
           jsonb_build_object('msisdn', '447' || lpad((abs(hashint4(g + 1)) % 1000)::text, 3, '0') || lpad(g::text, 6, '0')), 'new'
    from generate_series(1, ${stock}::int) g`.execute(db);
  await sql`analyze`.execute(db);
  report('setup', { customers: rows, 'SIM cards and numbers': stock, seconds: ((performance.now() - t0) / 1000).toFixed(1) });
  return {
    ids,
    stamp,
    // What is left of this run's stock goes, so that runs do not pile up items.
    cleanUp: async () => {
      await sql`delete from inventory_items where (reference like ${`BULK-${stamp}-%`} or reference like ${`+44 7${stamp.slice(-3)}%`}) and status in ('new', 'in_stock')`.execute(db);
    },
  };
}

/** The most calls of `system` under way at once in sim_calls since `since`, and their rate. */
export async function simulatedLoad(db: Kysely<DB>, system: string, operation: string, since: Date): Promise<{ calls: number; peak: number; perSecond: number }> {
  const { rows } = await sql<{ calls: number; peak: number | null; seconds: number | null }>`
    with c as (select started_at, ended_at from sim_calls where system = ${system} and operation = ${operation} and started_at >= ${since.toISOString()}),
    moves as (select started_at as at, 1 as d from c union all select ended_at, -1 from c),
    load as (select sum(d) over (order by at, d rows unbounded preceding) as n from moves)
    select (select count(*)::int from c) as calls, (select max(n)::int from load) as peak,
           (select extract(epoch from max(ended_at) - min(started_at))::float8 from c) as seconds`.execute(db);
  const r = rows[0]!;
  return { calls: r.calls, peak: r.peak ?? 0, perSecond: r.seconds ? r.calls / r.seconds : 0 };
}
