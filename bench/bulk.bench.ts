/**
 * Bulk assignment (R11): a 10,000-row file of new mobile lines (SIM card and number picked from
 * stock): dry-run time, commit time, then the provisioning rate with a concurrency limit of 500
 * and zero-latency simulators (end to end, from the commit to the last row succeeded), the SQL
 * statements and CPU a row costs, and the peak memory; then a 100,000-row dry run, streamed, whose
 * peak memory must stay bounded.
 *
 *   npm run bench -- bulk
 *   DATABASE_URL=postgres://... npm run bench -- bulk
 *   BENCH_BULK_ROWS=10000 BENCH_BULK_BIG_ROWS=100000 BENCH_BULK_CONCURRENCY=500
 *   BENCH_BULK_WATCH_SECONDS=120   # stop watching (and cancel the rest) after this long;
 *                                  # default: until done on PostgreSQL, 120 s embedded
 */
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { systemCtx } from '../src/users/actor.js';
import { countStatements, cpuMeter, mb, onPostgres, report, seedCustomersAndStock, signIn, startBenchApp } from './lib.js';

const rows = Number(process.env.BENCH_BULK_ROWS ?? 10_000);
const bigRows = Number(process.env.BENCH_BULK_BIG_ROWS ?? 100_000);
const concurrency = Number(process.env.BENCH_BULK_CONCURRENCY ?? 500);
const watchSeconds = Number(process.env.BENCH_BULK_WATCH_SECONDS ?? (onPostgres() ? 3600 : 120));

const { app, base } = await startBenchApp();
const db = app.database.db;
for (const s of await app.integrations.simulators.list()) await app.integrations.simulators.set(systemCtx, s.system, { latencyMs: 0, failure: null });

const { ids, stamp, cleanUp } = await seedCustomersAndStock(db, rows);

const cookie = await signIn(base);

/** Peak memory of this process (the server and this client) while `fn` runs. */
async function peakMemory<T>(fn: () => Promise<T>): Promise<{ value: T; rss: number; heap: number; seconds: number }> {
  global.gc?.();
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed + m.external + m.arrayBuffers);
  };
  const timer = setInterval(sample, 20);
  const start = performance.now();
  try {
    const value = await fn();
    sample();
    return { value, rss, heap, seconds: (performance.now() - start) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

/** The file, generated as it is sent: the client holds no more of it than the server does. */
function csv(n: number) {
  async function* lines() {
    yield 'customer,auto_renew\n';
    for (let i = 0; i < n; i += 1000) {
      let chunk = '';
      for (let j = i; j < Math.min(n, i + 1000); j++) chunk += `${ids[j % ids.length]},${j % 2 ? 'yes' : 'no'}\n`;
      yield chunk;
    }
  }
  return Readable.toWeb(Readable.from(lines())) as ReadableStream;
}

async function upload(path: string, n: number) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: csv(n), duplex: 'half' } as RequestInit);
  const out = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}
const get = async (path: string) => (await fetch(`${base}${path}`, { headers: { cookie } })).json() as Promise<any>;
const post = async (path: string) => (await fetch(`${base}${path}`, { method: 'POST', headers: { cookie } })).json() as Promise<any>;

// --- 10,000 rows: dry run, commit, provisioning -------------------------------------------------
const dry = await peakMemory(() => upload('/api/batches/dry-run?product=mobile-20gb', rows));
report(`dry run, ${rows.toLocaleString('en')} rows`, {
  seconds: dry.seconds.toFixed(2),
  'rows/s': Math.round(rows / dry.seconds),
  good: dry.value.good,
  bad: dry.value.bad,
  'peak RSS (MB)': mb(dry.rss),
  'peak heap+external (MB)': mb(dry.heap),
});

const statements = countStatements();
const cpu = cpuMeter();
const commit = await peakMemory(() => upload(`/api/batches?product=mobile-20gb&concurrency=${concurrency}&name=bench-${stamp}`, rows));
const batchId = commit.value.batch.id as string;
report(`commit, ${rows.toLocaleString('en')} rows`, { seconds: commit.seconds.toFixed(2), good: commit.value.report.good, 'peak RSS (MB)': mb(commit.rss) });

const watch = await peakMemory(async () => {
  const start = performance.now();
  let b = await get(`/api/batches/${batchId}`);
  let lastPrint = 0;
  while (b.status === 'running' && (performance.now() - start) / 1000 < watchSeconds) {
    await new Promise((r) => setTimeout(r, 1000));
    b = await get(`/api/batches/${batchId}`);
    if (performance.now() - lastPrint > 10_000) {
      lastPrint = performance.now();
      process.stdout.write(`  ${b.counts.succeeded} succeeded, ${b.counts.failed} failed, ${b.ratePerMinute}/min, eta ${b.etaSeconds}s\n`);
    }
  }
  return { batch: b, seconds: (performance.now() - start) / 1000 };
});
const sent = statements.stop();
const used = cpu.stop();
const ocs = (await app.integrations.simulators.list()).find((s) => s.system === 'ocs')!;
const finished = watch.value.batch;
const done = Math.max(1, finished.counts.succeeded);
report(`provisioning the batch, concurrency ${concurrency}, zero-latency simulators, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, {
  'watched (s)': watch.value.seconds.toFixed(1),
  status: finished.status,
  succeeded: finished.counts.succeeded,
  failed: finished.counts.failed + finished.counts.timed_out,
  'rows/s while provisioning': (finished.counts.succeeded / watch.value.seconds).toFixed(1),
  'rows/s, commit to last done': (finished.counts.succeeded / (commit.seconds + watch.value.seconds)).toFixed(1),
  'SQL statements per row': (sent.total / done).toFixed(2),
  'CPU ms per row': `${((used.nodeMs + used.postgresMs) / done).toFixed(2)} (Node ${(used.nodeMs / done).toFixed(2)}, PostgreSQL ${(used.postgresMs / done).toFixed(2)})`,
  'OCS calls at once, peak': ocs.peakInFlight,
  'peak RSS (MB)': mb(watch.rss),
});
if (finished.status === 'running') {
  const c = await peakMemory(() => post(`/api/batches/${batchId}/cancel`));
  let b = c.value;
  while (!b.finishedAt) {
    await new Promise((r) => setTimeout(r, 200));
    b = await get(`/api/batches/${batchId}`);
  }
  report('cancelling the rest', { seconds: c.seconds.toFixed(2), 'rows cancelled': b.counts.cancelled, succeeded: b.counts.succeeded });
}

// --- 100,000 rows: a dry run in bounded memory --------------------------------------------------
const big = await peakMemory(() => upload('/api/batches/dry-run?product=mobile-20gb', bigRows));
report(`dry run, ${bigRows.toLocaleString('en')} rows (streamed)`, {
  seconds: big.seconds.toFixed(2),
  'rows/s': Math.round(bigRows / big.seconds),
  good: big.value.good,
  bad: big.value.bad,
  'errors listed': big.value.errors.length,
  'peak RSS (MB)': mb(big.rss),
  'peak heap+external (MB)': mb(big.heap),
});

await cleanUp();
await app.close();
