/**
 * What metrics and tracing cost (issue 12): single confirmations of six-task mobile runs (50
 * clients at once, zero-latency simulators), completed runs a second with METRICS=off and no
 * tracing, against metrics on and every span exported over OTLP/HTTP to a receiver in another
 * process. Rounds alternate (off, on, off, on...), each in a fresh process, so that drift on a
 * shared machine colours both alike; the figure is the median of each.
 *
 *   npm run bench -- observability
 *   DATABASE_URL=postgres://... npm run bench -- observability
 *   BENCH_OBS_RUNS=1500 BENCH_OBS_ROUNDS=3 ...
 */
import { fork, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { systemCtx } from '../src/users/actor.js';
import { cpuMeter, onPostgres, report, signIn, startBenchApp } from './lib.js';

const runs = Number(process.env.BENCH_OBS_RUNS ?? (onPostgres() ? 1500 : 400));
const rounds = Number(process.env.BENCH_OBS_ROUNDS ?? 3);
const clients = 50;

if (process.env.BENCH_OBS_MODE) {
  // One round, in this process: the figures go back as the last line.
  const mode = process.env.BENCH_OBS_MODE;
  const { app, base } = await startBenchApp();
  const db = app.database.db;
  for (const s of await app.integrations.simulators.list()) await app.integrations.simulators.set(systemCtx, s.system, { latencyMs: 0, failure: null });
  const stamp = `${Date.now().toString(36)}${process.pid}`;
  const templates = Object.fromEntries((await db.selectFrom('inventoryTemplates').select(['id', 'name']).execute()).map((t) => [t.name, t.id]));
  const agent = (await app.services.users.list()).find((u) => u.role === 'agent')!;
  const holders = Array.from({ length: runs }, () => `bench-${randomUUID()}`);
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  const stock = async (template: string, ref: string, attrs: ReturnType<typeof sql>) =>
    (
      await sql<{ id: number }>`
        insert into inventory_items (template_id, reference, attributes, status, stock_status, reservation_holder, reserved_by, reservation_expires_at)
        select ${templates[template]}, ${ref} || ${stamp} || '-' || g, ${attrs}, 'reserved', 'new', (${holders}::text[])[g], ${agent.id}, ${expires}
        from generate_series(1, ${runs}::int) g order by g returning id`.execute(db)
    ).rows;
  const sims = await stock('SIM Card', 'OSIM-', sql`jsonb_build_object('iccid', '8944' || lpad(g::text, 16, '0'), 'imsi', '23415' || lpad(g::text, 10, '0'))`);
  const numbers = await stock('Mobile Number', '+44 7', sql`jsonb_build_object('msisdn', '447' || lpad(g::text, 9, '0'))`);
  await sql`analyze`.execute(db);
  const cookie = await signIn(base);
  const jobs = holders.map((holder, k) => ({ holder, sim: sims[k]!.id, number: numbers[k]!.id }));
  const client = fork(new URL('./confirm-client.mjs', import.meta.url), [], { stdio: 'inherit' });
  const cpu = cpuMeter();
  const t0 = performance.now();
  const answer = new Promise<{ ids?: string[]; error?: string }>((resolve) => client.once('message', resolve as never));
  client.send({ base, cookie, jobs, concurrency: clients });
  const sent = await answer;
  if (sent.error) throw new Error(sent.error);
  for (;;) {
    const r = (await sql<{ done: number; failed: number }>`select count(*) filter (where status = 'succeeded')::int as done, count(*) filter (where status in ('failed', 'timed_out'))::int as failed from provisions where id = any(${sent.ids!}::uuid[])`.execute(db)).rows[0]!;
    if (r.failed) throw new Error(`${r.failed} runs failed`);
    if (r.done === sent.ids!.length) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.stop();
  const scraped = app.metrics ? (await app.metrics.text()).length : 0;
  await app.tracing.flush();
  await app.close();
  console.log(JSON.stringify({ mode, perSecond: runs / seconds, cpuMsPerRun: (used.nodeMs + used.postgresMs) / runs, nodeMsPerRun: used.nodeMs / runs, scraped }));
  process.exit(0);
}

// The rounds, each in a process of its own, the receiver in another.
const sink = fork(new URL('./otlp-sink.mjs', import.meta.url), [], { stdio: 'inherit' });
const url = await new Promise<string>((resolve) => sink.once('message', (m: { url: string }) => resolve(m.url)));
const self = fileURLToPath(import.meta.url);
// off: METRICS=off, no tracing; metrics: metrics only; tracing: metrics and every span exported;
// sampled: metrics and a tenth of the traces (OTEL_TRACES_SAMPLER=parentbased_traceidratio, 0.1).
const modes: Record<string, Record<string, string>> = {
  off: { METRICS: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  metrics: { METRICS: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  tracing: { METRICS: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
  sampled: { METRICS: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
};
const wanted = (process.env.BENCH_OBS_MODES ?? 'off,metrics,tracing,sampled').split(',');
const results: { mode: string; perSecond: number; cpuMsPerRun: number; nodeMsPerRun: number }[] = [];
for (let r = 0; r < rounds; r++) {
  for (const mode of wanted) {
    const env = { ...process.env, BENCH_OBS_MODE: mode, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_TRACES_SAMPLER: '', OTEL_TRACES_SAMPLER_ARG: '', ...modes[mode] };
    const out = spawnSync(process.execPath, ['--import', 'tsx', self], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (out.status !== 0) throw new Error(`round ${r + 1} (${mode}) failed:\n${out.stdout}`);
    const x = JSON.parse(out.stdout.trim().split('\n').pop()!);
    results.push(x);
    console.log(`  round ${r + 1}, ${mode}: ${x.perSecond.toFixed(1)} runs/s, CPU a run ${x.cpuMsPerRun.toFixed(2)} ms (Node ${x.nodeMsPerRun.toFixed(2)})`);
  }
}
const spans = await new Promise<number>((resolve) => {
  sink.once('message', (m: { spans: number }) => resolve(m.spans));
  sink.send('count');
});
sink.send('stop');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const of = (mode: string) => results.filter((x) => x.mode === mode);
const rate = (mode: string) => median(of(mode).map((x) => x.perSecond));
const cpu = (mode: string) => median(of(mode).map((x) => x.cpuMsPerRun));
const node = (mode: string) => median(of(mode).map((x) => x.nodeMsPerRun));
const rows: Record<string, string> = {};
for (const mode of wanted) {
  const vs = mode === 'off' ? '' : ` (${(((rate(mode) - rate('off')) / rate('off')) * 100).toFixed(1)}% against off; Node CPU ${(((node(mode) - node('off')) / node('off')) * 100).toFixed(1)}%)`;
  rows[mode] = `${rate(mode).toFixed(1)} runs/s, CPU a run ${cpu(mode).toFixed(2)} ms, Node ${node(mode).toFixed(2)} ms${vs}`;
}
rows['spans exported'] = String(spans);
report(`metrics and tracing: single confirmations, ${clients} clients, ${runs} runs a round, ${rounds} rounds, median of each, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}`, rows);
