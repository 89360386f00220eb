import type { AddressInfo } from 'node:net';
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
export function countStatements(): { stop(): { total: number; engine: number } } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let total = 0;
  let engine = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    total++;
    const q = args[0];
    const text = typeof q === 'string' ? q : ((q as { text?: string } | undefined)?.text ?? '');
    if (/\bdbos"?\.|provision_groups|"workers"|\bworkers\b/.test(text)) engine++;
    return original.apply(this, args);
  };
  return {
    stop() {
      proto.query = original;
      return { total, engine };
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
