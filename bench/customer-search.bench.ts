/**
 * Customer type-ahead search over HTTP (R3.1): p50 / p95 latency with 1,000,000 customers on
 * PostgreSQL (DATABASE_URL set) or 100,000 on the embedded database.
 *
 *   npm run bench -- search                          # embedded, 100k
 *   DATABASE_URL=postgres://... npm run bench -- search   # PostgreSQL, 1M
 *   BENCH_CUSTOMERS=250000 ...                        # another size
 */
import { sql } from 'kysely';
import { load, onPostgres, report, signIn, startBenchApp, summarise } from './lib.js';

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

const count = Number((await sql<{ n: number }>`select count(*)::int as n from customers`.execute(db)).rows[0]!.n);
const sample = (await sql<{ id: number; name: string; email: string; phone: string }>`select id, name, email, phone from customers tablesample system (1) limit 400`.execute(db)).rows;

// What staff type: name prefixes as they type, full names, surnames, e-mail starts, phone numbers, IDs.
const queries: string[] = [];
for (const c of sample) {
  const [fn, ln] = c.name.split(' ');
  queries.push(c.name.slice(0, 3), c.name.slice(0, 6), c.name, ln ?? fn!, c.email.slice(0, 8), c.phone, c.phone.slice(-7), String(c.id));
}

const cookie = await signIn(base);
const paths = queries.map((q) => `/api/customers/search?q=${encodeURIComponent(q)}&limit=10`);
await load(base, cookie, paths.slice(0, 200), 1, 200); // warm-up
const one = await load(base, cookie, paths, 1, paths.length * 2);
const concurrency = 8;
const many = await load(base, cookie, paths, concurrency, paths.length * 2);
if (one.failures || many.failures) throw new Error(`${one.failures + many.failures} searches failed`);

report(`customer search over HTTP, ${onPostgres() ? 'PostgreSQL' : 'embedded PGlite'}, ${count.toLocaleString('en')} customers`, {
  'one client (ms)': summarise(one.latencies),
  [`${concurrency} clients (ms)`]: summarise(many.latencies),
  [`${concurrency} clients (req/s)`]: Math.round(many.latencies.length / many.seconds),
});

await app.close();
