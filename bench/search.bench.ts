/**
 * The console's search over HTTP (R3.1, issue 13): the customer type-ahead and the top bar's global
 * search (customers, services by number/ICCID/ID, runs by provisioning ID), p50 / p95 latency from
 * one client and from eight at once, with 1,000,000 customers and 1,000,000 services (each with its
 * number, its SIM and its run) on PostgreSQL (DATABASE_URL set), or 100,000 of each embedded. Its own
 * database (`switchboard_bench_search`, or ./data/bench-search), loaded once and kept.
 *
 *   npm run bench -- search                               # embedded, 100k
 *   DATABASE_URL=postgres://... npm run bench -- search   # PostgreSQL, 1M
 *   BENCH_CUSTOMERS=250000 ...                            # another size
 */
import { sql } from 'kysely';
import { cpuMeter, load, machineCpu, onPostgres, report, signIn, startBenchApp, summarise } from './lib.js';

process.env.BENCH_DATABASE ??= 'switchboard_bench_search';
process.env.BENCH_DATA_DIR ??= './data/bench-search';

const first = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Dorothy', 'Kevin', 'Carol', 'Brian', 'Amanda', 'George', 'Melissa', 'Edward', 'Deborah', 'Amit', 'Priya', 'Wei', 'Mei', 'Mohammed', 'Fatima', 'Oliver', 'Amelia', 'Harry', 'Isla', 'Jack', 'Ava', 'Noah', 'Olivia', 'Leo', 'Mia', 'Oscar', 'Freya', 'Arthur', 'Lily', 'Claire', 'Pierre', 'Sophie', 'Lucas', 'Chloe', 'Hugo', 'Manon', 'Jules', 'Camille', 'Louis'];
const last = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Patel', 'Khan', 'Singh', 'Chen', 'Wang', 'Li', 'Dubois', 'Moreau', 'Laurent', 'Bernard', "O'Connor", 'Murphy', 'Kelly', 'Walsh', 'Evans', 'Hughes', 'Edwards', 'Price', 'Morgan', 'Cooper'];
const companies = ['Enterprises', 'Holdings', 'Logistics', 'Consulting', 'Foods', 'Motors', 'Digital', 'Partners'];

const target = Number(process.env.BENCH_CUSTOMERS ?? (onPostgres() ? 1_000_000 : 100_000));

const { app, base } = await startBenchApp();
const db = app.database.db;

const have = Number((await sql<{ n: number }>`select count(*)::int as n from customers`.execute(db)).rows[0]!.n);
if (have < target) {
  const t0 = performance.now();
  const chunk = 100_000;
  for (let from = have; from < target; from += chunk) {
    const n = Math.min(chunk, target - from);
    await sql`
      insert into customers (type, name, email, phone, payment_type)
      select case when g % 10 = 0 then 'business' else 'individual' end,
             case when g % 10 = 0 then l || ' ' || (${companies}::text[])[1 + abs(hashint4(g + 7)) % ${companies.length}] else f || ' ' || l end,
             lower(replace(f || '.' || l, '''', '')) || g || '@example.net',
             '+44 7' || lpad((abs(hashint4(g + 11)) % 1000000000)::text, 9, '0'),
             'card'
      from (select g,
                   (${first}::text[])[1 + abs(hashint4(g)) % ${first.length}] as f,
                   (${last}::text[])[1 + abs(hashint4(g * 3 + 1)) % ${last.length}] as l
            from generate_series(${from + 1}::int, ${from + n}::int) g) s`.execute(db);
    process.stdout.write(`  loaded ${from + n} customers\r`);
  }
  await sql`analyze customers`.execute(db);
  report('customer load', { customers: target, seconds: ((performance.now() - t0) / 1000).toFixed(1) });
}

// Services: one mobile line for each loaded customer, with its number and its SIM assigned and the
// run that made it, as the engine leaves them.
const haveServices = Number((await sql<{ n: number }>`select count(*)::int as n from services`.execute(db)).rows[0]!.n);
if (haveServices < target) {
  const t0 = performance.now();
  const ids = (await sql<{ product: number; number: number; sim: number }>`
    select (select id from products where slug = 'mobile-20gb') as product,
           (select id from inventory_templates where name = 'Mobile Number') as number,
           (select id from inventory_templates where name = 'SIM Card') as sim`.execute(db)).rows[0]!;
  const chunk = 100_000;
  for (let done = haveServices; done < target; done += chunk) {
    const n = Math.min(chunk, target - done);
    await sql`
      with c as (select id from customers where not exists (select 1 from services s where s.customer_id = customers.id) order by id limit ${n}),
      s as (insert into services (customer_id, product_id, service_type, name, status, auto_renew, activated_at)
            select id, ${ids.product}, 'mobile', 'Mobile - 20GB plan', 'active', true, now() from c returning id, customer_id),
      d as (select s.*, lpad(((s.id::bigint * 7919) % 1000000000)::text, 9, '0') as n9, lpad(((s.id::bigint * 104729) % 1000000000000000)::text, 15, '0') as n15 from s),
      num as (insert into inventory_items (template_id, reference, status, customer_id, service_id, assigned_at)
              select ${ids.number}, '+44 7' || substr(n9, 1, 3) || ' ' || substr(n9, 4), 'assigned', customer_id, id, now() from d on conflict do nothing),
      sim as (insert into inventory_items (template_id, reference, status, customer_id, service_id, assigned_at)
              select ${ids.sim}, '8944' || n15, 'assigned', customer_id, id, now() from d on conflict do nothing)
      insert into provisions (id, idempotency_key, request_hash, kind, status, customer_id, product_id, service_id, playbook, playbook_key, playbook_snapshot, variables, timeout_seconds, requested_by_label, started_at, finished_at)
      select gen_random_uuid(), 'bench-' || id, 'bench', 'new_service', 'succeeded', customer_id, ${ids.product}, id, 'mobile-provision', 'mobile-provision@bench', '{}'::jsonb, '{}'::jsonb, 300, 'bench', now(), now() from d`.execute(db);
    process.stdout.write(`  loaded ${done + n} services\r`);
  }
  await sql`analyze services`.execute(db);
  await sql`analyze inventory_items`.execute(db);
  await sql`analyze provisions`.execute(db);
  report('service load', { services: target, seconds: ((performance.now() - t0) / 1000).toFixed(1) });
}

const count = Number((await sql<{ n: number }>`select count(*)::int as n from customers`.execute(db)).rows[0]!.n);
const services = Number((await sql<{ n: number }>`select count(*)::int as n from services`.execute(db)).rows[0]!.n);
const sample = (await sql<{ id: number; name: string; email: string; phone: string }>`select id, name, email, phone from customers tablesample system (1) limit 400`.execute(db)).rows;
const lines = (await sql<{ id: number; number: string; iccid: string; run: string }>`
  select s.id, n.reference as number, m.reference as iccid, p.id::text as run
  from (select * from services tablesample system (1) limit 400) s
  join inventory_items n on n.service_id = s.id and n.reference like '+%'
  join inventory_items m on m.service_id = s.id and m.reference like '8944%'
  join provisions p on p.service_id = s.id`.execute(db)).rows;

// What staff type: name prefixes as they type, full names, surnames, e-mail starts, phone numbers, IDs.
const queries: string[] = [];
for (const c of sample) {
  const [fn, ln] = c.name.split(' ');
  queries.push(c.name.slice(0, 3), c.name.slice(0, 6), c.name, ln ?? fn!, c.email.slice(0, 8), c.phone, c.phone.slice(-7), String(c.id));
}
// ...and in the top bar also a line's number (as written, the national way, its last digits), an
// ICCID's start, a service ID, a run's ID pasted whole or its first 8 characters.
const global = [...queries];
for (const l of lines) {
  const digits = l.number.replace(/[^0-9]/g, '');
  global.push(l.number, `0${digits.slice(2)}`, digits.slice(-6), l.iccid.slice(0, 14), `#${l.id}`, l.run, l.run.slice(0, 8));
}

const cookie = await signIn(base);
const concurrency = 8;
for (const [title, paths] of [
  ['customer search', queries.map((q) => `/api/customers/search?q=${encodeURIComponent(q)}&limit=10`)],
  ['global search', global.map((q) => `/api/search?q=${encodeURIComponent(q)}&limit=5`)],
] as const) {
  await load(base, cookie, paths.slice(0, 200), 1, 200); // warm-up
  const one = await load(base, cookie, paths, 1, paths.length * 2);
  const cpu = cpuMeter();
  const busy = machineCpu();
  const many = await load(base, cookie, paths, concurrency, paths.length * 2);
  const used = cpu.stop();
  const machine = busy.stop();
  if (one.failures || many.failures) throw new Error(`${one.failures + many.failures} searches failed`);
  report(`${title} over HTTP, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}, ${count.toLocaleString('en')} customers, ${services.toLocaleString('en')} services`, {
    'one client (ms)': summarise(one.latencies),
    [`${concurrency} clients (ms)`]: summarise(many.latencies),
    [`${concurrency} clients (req/s)`]: Math.round(many.latencies.length / many.seconds),
    // What bounds the eight clients' latency on a small machine: the CPU each search costs.
    'CPU a search (ms)': { node: +(used.nodeMs / many.latencies.length).toFixed(2), postgres: +(used.postgresMs / many.latencies.length).toFixed(2), note: 'node includes the load generator thread' },
    'machine busy (%)': machine,
  });
}

await app.close();
