/**
 * `npm run test:tmf` (issue 14): TM Forum's conformance kits against a real Switchboard.
 *
 * 1. Builds the server if the build is missing or older than the sources.
 * 2. Starts it on a fresh embedded database with its demo data, on a free port.
 * 3. Signs in as the demo admin and makes a Bearer API token.
 * 4. The demo step the inventory kits need (documented in the README): through TMF622 itself,
 *    orders a mobile plan for John Smith at his home and fibre for Acme Ltd at its London office,
 *    each with an add-on, as any client would (the real playbooks run on the simulators); then
 *    suspends the fibre through the console's API, so two services have different states.
 * 5. For each kit, copies its collection with collection-level Bearer auth added (no request or
 *    assertion changed) and runs it with newman, pointing its one variable at the server.
 * 6. Fails unless every kit reports 0 failed assertions.
 *
 *   TMF_KITS=TMF620,TMF638 npm run test:tmf     only those kits
 *   TMF_KIT_DIR=...                             where the kits are (test/tmf/kits, copied unchanged from TM Forum's repositories)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import newman, { type NewmanRunSummary } from 'newman';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The kits as TM Forum publishes them (test/tmf/kits/SOURCES.tsv names each one's repository and commit).
const kitDir = process.env.TMF_KIT_DIR ?? path.resolve(root, 'test/tmf/kits');

const kits = [
  { name: 'TMF620', file: 'TMF620/CTK-Product_Catalog-4.0.0.postman_collection.json', variable: 'Product_Catalog', base: '/tmf-api/productCatalogManagement/v4/' },
  { name: 'TMF622', file: 'TMF622/TMF622-ProductOrdering-v4.0.0.testkit.json', variable: 'Product_Ordering', base: '/tmf-api/productOrderingManagement/v4/' },
  { name: 'TMF629', file: 'TMF629/CTK-Customer-4.0.0.postman_collection.json', variable: 'Customer', base: '/tmf-api/customerManagement/v4/' },
  { name: 'TMF637', file: 'TMF637/TMF637-ProductInventory-v4.0.0.testkit.json', variable: 'Product_Inventory', base: '/tmf-api/productInventory/v4/' },
  { name: 'TMF638', file: 'TMF638/CTK-TMF638-ServiceInventory-R18-5.postman_collection.json', variable: 'ServiceInventoryAPI', base: '/tmf-api/serviceInventory/v4' },
  { name: 'TMF639', file: 'TMF639/CTK-Resource_Inventory-4.0.0.postman_collection.json', variable: 'Resource_Inventory', base: '/tmf-api/resourceInventoryManagement/v4/' },
];

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function buildIfNeeded() {
  const main = path.join(root, 'dist/src/main.js');
  if (existsSync(main) && existsSync(path.join(root, 'dist/web/index.html')) && statSync(main).mtimeMs >= newest(path.join(root, 'src'))) return;
  console.log('== building');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the build failed');
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  buildIfNeeded();
  const port = Number(process.env.TMF_PORT ?? (await freePort()));
  const origin = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'switchboard-tmf-'));
  const server = spawn(process.execPath, ['dist/src/main.js', 'serve'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', DEMO_DATA: 'auto', RETRY_DELAY_SCALE: '0.02', PUBLIC_URL: origin },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = false;
  server.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      server.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) server.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (exited) throw new Error('Switchboard stopped while starting');
      const ok = await fetch(`${origin}/api/health`).then((r) => r.ok).catch(() => false);
      if (ok) break;
      if (i > 600) throw new Error('Switchboard did not start in 60 s');
      await sleep(100);
    }
    const token = await makeToken(origin);
    await demoStep(origin, token);
    const results = [];
    const only = process.env.TMF_KITS?.split(',');
    for (const kit of kits.filter((k) => !only || only.includes(k.name))) results.push(await runKit(kit, origin, token));
    console.log('\n== TMF conformance kits');
    for (const r of results) console.log(`${r.name}: ${r.passed} assertions passed, ${r.failed} failed (${r.requests} requests)`);
    const bad = results.filter((r) => r.failed > 0 || r.errors > 0);
    if (bad.length) {
      console.error(`FAILED: ${bad.map((r) => r.name).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await stop();
  }
}

async function makeToken(origin: string): Promise<string> {
  const signIn = await fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@switchboard.local', password: 'switchboard-admin' }) });
  if (!signIn.ok) throw new Error(`sign-in: ${signIn.status} ${await signIn.text()}`);
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${origin}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'TM Forum conformance kits', expiresInDays: 1 }) });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Calls the server with the token; fails on an unexpected status. */
async function call(origin: string, token: string, method: string, url: string, body?: unknown, expect = [200, 201]) {
  const res = await fetch(`${origin}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The demo step: two services with add-ons, in two states, made through TMF622 and the engine. */
async function demoStep(origin: string, token: string) {
  console.log('== demo step: two orders through TMF622, their add-ons, one service suspended');
  const api = (method: string, url: string, body?: unknown) => call(origin, token, method, url, body);
  const customers = (await api('GET', '/tmf-api/customerManagement/v4/customer?fields=name,contactMedium')) as { id: string; name: string; contactMedium: { mediumType: string; characteristic: { contactType: string } }[] }[];
  const offerings = (await api('GET', '/tmf-api/productCatalogManagement/v4/productOffering?fields=name')) as { id: string; name: string }[];
  const customer = (name: string) => customers.find((c) => c.name === name)!;
  const offering = (name: string) => offerings.find((o) => o.name === name)!.id;
  const sites = async (customerId: string) => (await api('GET', `/api/customers/${customerId}`)).sites as { id: number; name: string }[];
  const waitFor = async (orderId: string) => {
    for (let i = 0; i < 600; i++) {
      const o = await api('GET', `/tmf-api/productOrderingManagement/v4/productOrder/${orderId}`);
      if (o.state === 'completed') return o;
      if (['failed', 'rejected', 'cancelled'].includes(o.state)) throw new Error(`demo order ${orderId} ${o.state}: ${o.stateChangeReason ?? ''}`);
      await sleep(100);
    }
    throw new Error(`demo order ${orderId} did not complete`);
  };
  const order = async (customerId: string, items: Record<string, unknown>[]) => {
    const o = await api('POST', '/tmf-api/productOrderingManagement/v4/productOrder', {
      description: 'Demo step of npm run test:tmf',
      relatedParty: [{ id: customerId, role: 'customer', '@referredType': 'Customer' }],
      productOrderItem: items.map((it, i) => ({ id: String(i + 1), action: 'add', ...it })),
    });
    return waitFor(o.id);
  };
  const john = customer('John Smith');
  const acme = customer('Acme Ltd');
  const home = (await sites(john.id)).find((s) => s.name === 'Home')!;
  const office = (await sites(acme.id)).find((s) => s.name === 'London office')!;
  const mobile = await order(john.id, [{ productOffering: { id: offering('Mobile - 20GB plan') }, product: { place: [{ id: String(home.id) }] } }]);
  const fibre = await order(acme.id, [
    {
      productOffering: { id: offering('Fibre - 100Mbps') },
      product: { place: [{ id: String(office.id) }], productCharacteristic: [{ name: 'installation_date', value: new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10) }, { name: 'po_number', value: 'PO-2026-001234' }] },
    },
  ]);
  const serviceOf = (o: { productOrderItem: { product: { id: string } }[] }) => o.productOrderItem[0]!.product.id;
  await order(john.id, [{ productOffering: { id: offering('5GB data boost') }, product: { id: serviceOf(mobile) } }]);
  await order(acme.id, [{ productOffering: { id: offering('Static IP address') }, product: { id: serviceOf(fibre) } }]);
  const run = await call(origin, token, 'POST', `/api/services/${serviceOf(fibre)}/suspend`, { reason: 'demo: suspended for the TMF638 kit' });
  for (let i = 0; i < 600; i++) {
    const p = await api('GET', `/api/provisions/${run.id}`);
    if (p.status === 'succeeded') return;
    if (['failed', 'timed_out', 'cancelled'].includes(p.status)) throw new Error(`suspending the demo fibre: ${p.status}`);
    await sleep(100);
  }
  throw new Error('suspending the demo fibre did not end');
}

async function runKit(kit: (typeof kits)[number], origin: string, token: string) {
  const collection = JSON.parse(readFileSync(path.join(kitDir, kit.file), 'utf8'));
  // Collection-level auth only: every request inherits it; no request or assertion is changed.
  collection.auth = { type: 'bearer', bearer: [{ key: 'token', value: token, type: 'string' }] };
  const copy = path.join(tmpdir(), `switchboard-${kit.name}-${process.pid}.json`);
  writeFileSync(copy, JSON.stringify(collection));
  console.log(`\n== ${kit.name} (${kit.file})`);
  try {
    const summary = await new Promise<NewmanRunSummary>((resolve, reject) =>
      newman.run({ collection: copy, envVar: [{ key: kit.variable, value: `${origin}${kit.base}` }], reporters: ['cli'], reporter: { cli: { noSummary: false } } }, (err, s) => (err ? reject(err) : resolve(s))),
    );
    const stats = summary.run.stats;
    return { name: kit.name, passed: (stats.assertions.total ?? 0) - (stats.assertions.failed ?? 0), failed: stats.assertions.failed ?? 0, requests: stats.requests.total ?? 0, errors: summary.run.failures.filter((f) => f.error?.name !== 'AssertionError').length };
  } finally {
    rmSync(copy, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
