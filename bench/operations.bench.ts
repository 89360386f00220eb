/**
 * The operations page's reads (issue 12) with many runs in the table: GET /api/operations/overview
 * (hour and day) and GET /api/provisions/triage, p50 / p95 over HTTP, and the plans of the
 * overview's statements (EXPLAIN ANALYZE). Runs are written straight into the tables, spread
 * over the last BENCH_OPS_DAYS days (7): 90% succeeded, 6% failed at the OCS task, 1% timed out,
 * 3% cancelled, each with its queued, running and end events and four task events.
 *
 *   npm run bench -- operations                               # embedded, 100,000 runs
 *   DATABASE_URL=postgres://... npm run bench -- operations   # PostgreSQL, 500,000 runs
 *   BENCH_OPS_RUNS=1000000 BENCH_OPS_DAYS=1 ...               # another size, another spread
 *
 * It uses a database of its own (switchboard_bench_operations, ./data/bench-operations).
 */
process.env.BENCH_DATABASE ??= 'switchboard_bench_operations';
process.env.BENCH_DATA_DIR ??= './data/bench-operations';

const { sql } = await import('kysely');
const { load, onPostgres, report, signIn, startBenchApp, summarise } = await import('./lib.js');
const { windowOf, statsStatements, withoutJit } = await import('../src/provisioning/provisioning.stats.js');

/** A parameter as an SQL literal, for EXPLAIN (numbers and ISO times only here). */
const literal = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

const target = Number(process.env.BENCH_OPS_RUNS ?? (onPostgres() ? 500_000 : 100_000));
const days = Number(process.env.BENCH_OPS_DAYS ?? 7);

const { app, base } = await startBenchApp();
const db = app.database.db;

const snapshot = JSON.stringify({
  name: 'mobile-new',
  tasks: [
    { name: 'Validate customer account', action: 'customer.validate', args: {} },
    { name: "Assign SIM card (ICCID: {{ inventory['SIM Card'].attributes.iccid }})", action: 'inventory.assign', args: { template: 'SIM Card' } },
    { name: "Assign mobile number ({{ inventory['Mobile Number'].reference }})", action: 'inventory.assign', args: { template: 'Mobile Number' } },
    { name: 'Configure OCS account', action: 'ocs.create_account', args: {} },
    { name: 'Create service record', action: 'service.activate', args: {} },
    { name: 'Send welcome e-mail', action: 'mail.send', args: {} },
  ],
});
const variables = JSON.stringify({ customer: { name: 'Bench Customer' }, product: { name: 'Mobile - 20GB plan' } });

const have = Number((await sql<{ n: number }>`select count(*)::int as n from provisions where idempotency_key like 'bench-ops-%'`.execute(db)).rows[0]!.n);
if (have < target) {
  const t0 = performance.now();
  const ids = (await sql<{ customer: number; product: number }>`select (select min(id) from customers) as customer, (select min(id) from products) as product`.execute(db)).rows[0]!;
  const chunk = 50_000;
  for (let from = have; from < target; from += chunk) {
    const n = Math.min(chunk, target - from);
    await sql`
      with g as (
        select g, gen_random_uuid() as id,
               now() - make_interval(secs => (abs(hashint4(g)) % (${days} * 86400))) as created,
               abs(hashint4(g * 7)) % 100 as roll
        from generate_series(${from + 1}::int, ${from + n}::int) g
      ), p as (
        select g, id, created, created + make_interval(secs => 0.1 + (abs(hashint4(g * 3)) % 2000) / 1000.0) as started,
               case when roll < 90 then 'succeeded' when roll < 96 then 'failed' when roll < 97 then 'timed_out' else 'cancelled' end as status
        from g
      ), i as (
        insert into provisions (id, idempotency_key, request_hash, kind, status, customer_id, product_id, playbook, playbook_snapshot, playbook_key, variables,
                                timeout_seconds, failed_task, error_code, error, requested_by_label, created_at, started_at, finished_at, updated_at)
        select id, 'bench-ops-' || g, 'bench', 'new_service', status, ${ids.customer}, ${ids.product}, 'mobile-new', ${snapshot}::jsonb, 'mobile-new@bench', ${variables}::jsonb,
               300, case when status in ('failed', 'timed_out') then 4 end,
               case status when 'failed' then 'OCS_UNREACHABLE' when 'timed_out' then 'PROVISIONING_TIMED_OUT' end,
               case status when 'failed' then 'Unable to connect to OCS' when 'timed_out' then 'Provisioning did not finish within 5 min.' end,
               'bench', created, started, started + make_interval(secs => 0.5 + (abs(hashint4(g * 5)) % 9500) / 1000.0), started
        from p
        returning id, status, created_at, started_at, finished_at
      ), t as (
        insert into provision_tasks (provision_id, seq, name, action, status, log)
        select id, 4, 'Configure OCS account', 'ocs.create_account', 'failed', '[]'::jsonb from i where status in ('failed', 'timed_out')
      )
      insert into provision_events (provision_id, attempt, task_seq, status, message, occurred_at)
      select id, 1, null::int, 'queued', null::text, created_at from i
      union all select id, 1, null::int, 'running', null::text, started_at from i
      union all select id, 1, null::int, status, null::text, finished_at from i
      union all select id, 1, s.seq, s.status, null, started_at + make_interval(secs => s.seq * 0.05) from i, (values (1, 'running'), (1, 'succeeded'), (2, 'running'), (2, 'succeeded')) as s(seq, status)`.execute(db);
    process.stdout.write(`  loaded ${from + n} runs\r`);
  }
  await sql`vacuum analyze provisions`.execute(db).catch(() => sql`analyze provisions`.execute(db));
  await sql`vacuum analyze provision_events`.execute(db).catch(() => sql`analyze provision_events`.execute(db));
  report('runs loaded', { runs: target, days, seconds: ((performance.now() - t0) / 1000).toFixed(1) });
}

const counts = (await sql<{ runs: number; events: number }>`select (select count(*)::int from provisions) as runs, (select count(*)::int from provision_events) as events`.execute(db)).rows[0]!;

// The plans of the overview's statements, over the last day.
const w = windowOf(new Date(), 900, 96);
const plans: Record<string, string> = {};
for (const [name, statement] of Object.entries(statsStatements)) {
  const q = statement(w).compile(db);
  // As the overview runs them: with JIT off (withoutJit).
  const res = await withoutJit(db, (trx) => sql.raw<Record<string, string>>(`explain (analyze, buffers off) ${q.sql.replace(/\$(\d+)/g, (_m, i) => literal(q.parameters[Number(i) - 1]))}`).execute(trx));
  plans[name] = res.rows.map((r) => r['QUERY PLAN'] ?? Object.values(r)[0]).join('\n');
}

const cookie = await signIn(base, 'agent');
const timeIt = async (path: string, n = 20) => {
  await load(base, cookie, [path], 1, 3); // warm-up
  const r = await load(base, cookie, [path], 1, n);
  if (r.failures) throw new Error(`${r.failures} requests to ${path} failed`);
  return summarise(r.latencies);
};
report(`operations reads (${onPostgres() ? 'PostgreSQL' : 'embedded'}, ${counts.runs.toLocaleString('en')} runs, ${counts.events.toLocaleString('en')} events, over ${days} days)`, {
  'overview, last hour (ms)': await timeIt('/api/operations/overview?window=hour'),
  'overview, last day (ms)': await timeIt('/api/operations/overview?window=day'),
  'triage, first page (ms)': await timeIt('/api/provisions/triage'),
  'triage, OCS failures (ms)': await timeIt('/api/provisions/triage?state=failed&errorCode=OCS_UNREACHABLE&offset=500'),
});
for (const [name, plan] of Object.entries(plans)) console.log(`\n### plan: ${name} (last day)\n${plan}`);
await app.close();
