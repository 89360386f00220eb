/**
 * Limits per outside system (R11.3, issue 10): a bulk file of new mobile lines with every
 * simulator answering in 100 ms and at most 50 OCS calls at once (OCS_MAX_CONCURRENCY): the OCS
 * calls a second are the limit's (50 / 0.1 s = about 500), not the engine's, and the simulator's
 * own count of calls under way never passes 50.
 *
 *   npm run bench -- limits
 *   DATABASE_URL=postgres://... npm run bench -- limits
 *   BENCH_LIMITS_ROWS=3000 BENCH_LIMITS_LATENCY_MS=100 BENCH_LIMITS_OCS=50 BENCH_LIMITS_FILES=3
 *
 * With every call taking 100 ms, a run spends over a second in flight: to keep 50 OCS calls
 * busy the engine needs more than 500 runs in flight, more than one batch's most (500). The rows
 * are sent as BENCH_LIMITS_FILES files of concurrency 500 at once (a migration in several files),
 * and the worker may run WORKER_CONCURRENCY=2000 runs at once.
 */
import { systemCtx } from '../src/users/actor.js';
import { onPostgres, report, seedCustomersAndStock, signIn, simulatedLoad, startBenchApp } from './lib.js';

const rows = Number(process.env.BENCH_LIMITS_ROWS ?? 3000);
const latencyMs = Number(process.env.BENCH_LIMITS_LATENCY_MS ?? 100);
/** One pass per limit: 50 (the figure) and 20, under the engine's own rate on two cores. */
const ocsLimits = (process.env.BENCH_LIMITS_OCS ?? '50,20').split(',').map(Number);
const files = Number(process.env.BENCH_LIMITS_FILES ?? 3);
process.env.WORKER_CONCURRENCY ??= '2000';

for (const ocsLimit of ocsLimits) {
  process.env.OCS_MAX_CONCURRENCY = String(ocsLimit);

  const { app, base } = await startBenchApp();
  const db = app.database.db;
  for (const s of await app.integrations.simulators.list()) await app.integrations.simulators.set(systemCtx, s.system, { latencyMs, failure: null });
  const { ids, cleanUp } = await seedCustomersAndStock(db, rows);
  const cookie = await signIn(base);

  const since = new Date();
  const start = performance.now();
  const batches = await Promise.all(
    Array.from({ length: files }, async (_, f) => {
      const mine = ids.filter((_, i) => i % files === f);
      const res = await fetch(`${base}/api/batches?product=mobile-20gb&concurrency=500&name=bench-limits-${f + 1}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/csv' },
        body: `customer\n${mine.join('\n')}\n`,
      });
      const committed = (await res.json()) as any;
      if (res.status !== 201) throw new Error(`commit: ${res.status} ${JSON.stringify(committed)}`);
      return committed.batch.id as string;
    }),
  );
  const counts = { succeeded: 0, failed: 0 };
  for (const id of batches) {
    let b: any;
    for (;;) {
      b = await (await fetch(`${base}/api/batches/${id}`, { headers: { cookie } })).json();
      if (b.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    counts.succeeded += b.counts.succeeded;
    counts.failed += b.counts.failed + b.counts.timed_out;
  }
  const seconds = (performance.now() - start) / 1000;
  const ocs = await simulatedLoad(db, 'ocs', 'create_account', since);
  const mail = await simulatedLoad(db, 'mail', 'send', since);
  report(`${rows.toLocaleString('en')} rows in ${files} files, every simulator at ${latencyMs} ms, OCS_MAX_CONCURRENCY=${ocsLimit}, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, {
    succeeded: counts.succeeded,
    failed: counts.failed,
    'rows/s, commit to last done': (counts.succeeded / seconds).toFixed(1),
    'OCS calls': ocs.calls,
    'OCS calls/s (first start to last end)': ocs.perSecond.toFixed(1),
    'OCS calls/s the limit allows': Math.round(ocsLimit / (latencyMs / 1000)),
    'OCS calls at once, peak (simulator count)': ocs.peak,
    'mail sends at once, peak (no limit)': mail.peak,
  });
  await cleanUp();
  await app.close();
}
