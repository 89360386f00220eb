import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUsers } from '../../src/demo/demo-data.js';
import { registerAuth } from '../../src/http/auth.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { usingPostgres } from '../helpers/databases.js';
import { apiClient, type Proc, startProcess } from '../helpers/processes.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

/**
 * The findings of the security review (issue 11), each reproduced by a test that failed before
 * its fix: hostile text, sign-in limits, cross-site writes, headers and caching, errors in one
 * shape, optional bodies, routes closed unless public, and changes without an audit entry.
 */
let t: TestApp;
let consoleDir: string;
beforeAll(async () => {
  // A built console stand-in: the page, and a hashed asset as Vite names them.
  consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-console-'));
  fs.mkdirSync(path.join(consoleDir, 'assets'));
  fs.writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Switchboard</title><script type="module" src="/assets/index-Ab12Cd34.js"></script>');
  fs.writeFileSync(path.join(consoleDir, 'assets', 'index-Ab12Cd34.js'), 'console.log(1)');
  t = await startTestApp({ consoleDir, env: { TEST_CLOCK: 'on', BILLING_SCHEDULE: 'off', SIGN_IN_MAX_FAILURES_PER_ADDRESS: '40' } });
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(consoleDir, { recursive: true, force: true });
});

const errorShape = (res: { statusCode: number; json(): any }) => {
  const e = res.json().error;
  expect(e, JSON.stringify(res.json())).toBeDefined();
  expect(typeof e.code).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  expect(e.hint?.length ?? 0, `hint of ${e.code}`).toBeGreaterThan(0);
  return e;
};

/** Signs in from a given client address: sign-in limits count per address. */
const signIn = (email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  t.app.http.inject({ method: 'POST', url: '/api/session', remoteAddress, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ email, password }) });

describe('1. text PostgreSQL cannot store (NUL) is refused at the edge with a 400 naming the field', () => {
  it('refuses NUL in a sign-in, a search, a filter, a path, a name, a product and a reason, and changes nothing', async () => {
    const nul = await signIn('a\u0000@x.io', 'x', '10.0.1.1');
    expect(nul.statusCode).toBe(400);
    expect(errorShape(nul).details.fields[0].field).toBe('body.email');

    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const cases: [Client, string, string][] = [
      [agent, '/api/customers/search?q=%00', 'querystring.q'],
      [agent, '/api/products?q=ab%00', 'querystring.q'],
      [agent, '/api/inventory/items?q=%00', 'querystring.q'],
      [agent, '/api/inventory/available?template=SIM%20Card&q=%00', 'querystring.q'],
      [agent, '/api/products/%00', 'params.idOrSlug'],
      [admin, '/api/audit?entityId=%00', 'querystring.entityId'],
    ];
    for (const [who, url, field] of cases) {
      const res = await who.get(url);
      expect(res.statusCode, url).toBe(400);
      expect(errorShape(res).details.fields[0].field, url).toBe(field);
    }

    const before = body(await agent.get('/api/customers?limit=200')).items.length;
    const created = await agent.post('/api/customers', { type: 'individual', name: 'Eve\u0000 Null' });
    expect(created.statusCode).toBe(400);
    expect(errorShape(created).details.fields[0].field).toBe('body.name');
    expect(body(await agent.get('/api/customers?limit=200')).items.length).toBe(before);

    const preflight = await agent.post('/api/provisions/preflight', { customerId: 100, product: 'mobile\u0000', inventory: {} });
    expect(preflight.statusCode).toBe(400);
    expect(errorShape(preflight).details.fields[0].field).toBe('body.product');

    const key = await agent.post('/api/customers', { type: 'individual', name: 'Key', customFields: { 'po\u0000': 'x' } });
    expect(key.statusCode).toBe(400);

    const services = body(await agent.get('/api/services?limit=1')).items;
    if (services.length) {
      const suspend = await agent.post(`/api/services/${services[0].id}/suspend`, { reason: 'late\u0000' });
      expect(suspend.statusCode).toBe(400);
      expect(errorShape(suspend).details.fields[0].field).toBe('body.reason');
    }
  });

  it('refuses JSON nested past reason before anything reads it', async () => {
    const deep = `{"type":"individual","name":"Deep","customFields":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await t.app.http.inject({ method: 'POST', url: '/api/customers', headers: { cookie: (await cookieOf('agent'))!, 'content-type': 'application/json' }, payload: deep });
    expect(res.statusCode).toBe(400);
    expect(errorShape(res).message).toMatch(/nested too deeply/);
  });

  it('maps what PostgreSQL refuses as text (22021, 22P05) to a 400, as a second line', async () => {
    const app = Fastify();
    registerErrorHandling(app);
    app.get('/nul', async () => {
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    });
    app.get('/escape', async () => {
      throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    });
    for (const url of ['/nul', '/escape']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(errorShape(res).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('2. sign-in limits: per normalised e-mail, per client address, across processes', () => {
  it('keeps counting an account whatever its spacing or case: the right password is refused after 20 wrong ones', async () => {
    const admin = await t.as('admin');
    expect((await admin.post('/api/users', { email: 'limited@switchboard.local', name: 'Limited', role: 'agent', password: 'limited-password-1' })).statusCode).toBe(201);
    const address = '10.0.2.1';
    for (let i = 0; i < 20; i++) expect((await signIn('limited@switchboard.local', `wrong-${i}`, address)).statusCode).toBe(401);
    for (const spelled of ['   limited@switchboard.local', 'LIMITED@switchboard.local ', '\tLimited@Switchboard.Local']) {
      const res = await signIn(spelled, 'limited-password-1', '10.0.2.2');
      expect(res.statusCode, spelled).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(errorShape(res).code).toBe('TOO_MANY_REQUESTS');
    }
  });

  it('limits one client address trying many accounts (40 failures here), whatever the e-mail', async () => {
    const address = '10.0.2.9';
    for (let i = 0; i < 40; i++) expect((await signIn(`nobody-${i}@switchboard.local`, 'wrong', address)).statusCode).toBe(401);
    const res = await signIn('viewer@switchboard.local', 'switchboard-viewer', address);
    expect(res.statusCode).toBe(429);
    // Another address is not concerned.
    expect((await signIn('viewer@switchboard.local', 'switchboard-viewer', '10.0.2.10')).statusCode).toBe(200);
  });

  it.runIf(usingPostgres())('holds across processes on PostgreSQL: failures in one process count in another', { timeout: 120_000 }, async () => {
    let other: Proc | undefined;
    try {
      const admin = await t.as('admin');
      expect((await admin.post('/api/users', { email: 'limited.two@switchboard.local', name: 'Limited Two', role: 'viewer', password: 'limited-password-2' })).statusCode).toBe(201);
      other = await startProcess('serve', { DATABASE_URL: t.db.databaseUrl!, WORKER_ID: 'security-b', RUN_WORKFLOWS: 'off' });
      for (let i = 0; i < 20; i++) expect((await signIn('limited.two@switchboard.local', `wrong-${i}`, '10.0.2.20')).statusCode).toBe(401);
      const res = await fetch(`${other.base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ' Limited.Two@switchboard.local', password: 'limited-password-2' }) });
      expect(res.status).toBe(429);
    } finally {
      await other?.kill('SIGKILL');
    }
  });
});

describe('3. cross-site writes are refused; Bearer clients are not affected', () => {
  it('refuses a bodiless text/plain POST from another origin that would change the default card', async () => {
    const agent = await t.as('agent');
    const customer = body(await agent.get('/api/customers/100'));
    const added = await agent.post('/api/customers/100/payment-methods', { brand: 'visa', last4: '1881', expMonth: 12, expYear: 2031, holderName: 'John Smith' });
    expect(added.statusCode, added.body).toBe(201);
    const card = body(added).id;
    const defaultBefore = customer.paymentMethods.find((p: any) => p.isDefault)?.id;
    const url = `/api/customers/100/payment-methods/${card}/default`;

    const forged: Record<string, string>[] = [
      { 'content-type': 'text/plain', origin: 'http://evil.example' },
      { referer: 'http://evil.example/page' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
    ];
    for (const headers of forged) {
      const res = await agent.request('POST', url, undefined, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(errorShape(res).code).toBe('CROSS_SITE_REQUEST');
    }
    const after = body(await agent.get('/api/customers/100'));
    expect(after.paymentMethods.find((p: any) => p.isDefault)?.id).toBe(defaultBefore);

    // From the console's own origin it works.
    const own = await agent.request('POST', url, undefined, { origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' });
    expect(own.statusCode, own.body).toBe(200);
  });

  it('refuses a cross-site sign-in, and lets a Bearer token write from anywhere', async () => {
    const res = await signIn('agent@switchboard.local', 'switchboard-agent', '10.0.3.1', { origin: 'http://evil.example' });
    expect(res.statusCode).toBe(403);
    const admin = await t.as('admin');
    const token = body(await admin.post('/api/tokens', { name: 'crm' })).token;
    const viaToken = await t.anonymous.request('POST', '/api/customers', { type: 'individual', name: 'From the CRM' }, { authorization: `Bearer ${token}`, origin: 'http://crm.example' });
    expect(viaToken.statusCode).toBe(201);
  });
});

describe('4 and 5. security headers, and caching that survives an upgrade', () => {
  it('sends a Content-Security-Policy and the usual headers on the console, the documentation and the API', async () => {
    for (const url of ['/', '/customers/100', '/docs', '/api/health']) {
      const res = await t.anonymous.get(url);
      expect(res.statusCode, url).toBeLessThan(400);
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  it('serves the page with no-cache and the hashed assets as immutable', async () => {
    for (const url of ['/', '/provisioning/abc']) {
      const res = await t.anonymous.get(url);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
    const asset = await t.anonymous.get('/assets/index-Ab12Cd34.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});

describe('6. every error in the one shape, Fastify own included', () => {
  it('answers a path parameter over 100 characters, a 5,000-character path, bad JSON, a body too large and a number out of range in the shape', async () => {
    const agent = await t.as('agent');
    const longParam = await agent.get(`/api/provisions/${'a'.repeat(150)}`);
    expect(longParam.statusCode).toBeGreaterThanOrEqual(400);
    expect(longParam.statusCode).toBeLessThan(500);
    errorShape(longParam);
    const longDelete = await agent.delete(`/api/inventory/reservations/${'h'.repeat(150)}`);
    expect(longDelete.statusCode).toBeLessThan(500);
    errorShape(longDelete);

    const longPath = await agent.get(`/api/${'a'.repeat(5000)}`);
    expect(longPath.statusCode).toBe(404);
    expect(errorShape(longPath).code).toBe('NOT_FOUND');
    const longPage = await t.anonymous.get(`/assets/${'a'.repeat(5000)}.js`);
    expect(longPage.statusCode).toBeLessThan(500);
    errorShape(longPage);

    const badJson = await agent.request('POST', '/api/customers', undefined, { 'content-type': 'application/json', 'content-length': '5' });
    expect(badJson.statusCode).toBe(400);
    const badJson2 = await t.app.http.inject({ method: 'POST', url: '/api/customers', headers: { cookie: (await cookieOf('agent'))!, 'content-type': 'application/json' }, payload: '{"type": "individual", ' });
    expect(badJson2.statusCode).toBe(400);
    expect(errorShape(badJson2).code).toBe('BAD_REQUEST');

    const big = await t.app.http.inject({ method: 'POST', url: '/api/customers', headers: { cookie: (await cookieOf('agent'))!, 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'individual', name: 'x'.repeat(1_200_000) }) });
    expect(big.statusCode).toBe(413);
    expect(errorShape(big).code).toBe('PAYLOAD_TOO_LARGE');

    const wrongType = await agent.request('POST', '/api/customers', undefined, { 'content-type': 'application/xml' });
    expect(wrongType.statusCode).toBe(415);
    errorShape(wrongType);

    const outOfRange = await agent.get('/api/inventory/items?serviceId=99999999999');
    expect(outOfRange.statusCode).toBe(400);
    expect(errorShape(outOfRange).details.fields[0].field).toBe('querystring.serviceId');
  });
});

describe('7. a POST whose body is optional takes no body', () => {
  it('retries, cancels and suspends with no body and no content-type, as the README shows with curl', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    const { res } = await assign(agent, { customerId: 100, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'], autoRenew: true });
    expect(res.statusCode, res.body).toBe(201);
    const failed = await waitForEnd(agent, body(res).id);
    expect(failed.status).toBe('failed');
    await setSimulator(admin, 'ocs', { failure: null });

    const retry = await t.app.http.inject({ method: 'POST', url: `/api/provisions/${failed.id}/retry`, headers: { cookie: (await cookieOf('agent'))! } });
    expect(retry.statusCode, retry.body).toBe(200);
    const done = await waitForEnd(agent, failed.id);
    expect(done.status).toBe('succeeded');

    const suspend = await t.app.http.inject({ method: 'POST', url: `/api/services/${done.service.id}/suspend`, headers: { cookie: (await cookieOf('agent'))! } });
    expect(suspend.statusCode, suspend.body).toBe(200);
    expect((await waitForEnd(agent, body(suspend).id)).status).toBe('succeeded');
  });
});

describe('8. every route is closed unless it says it is public', () => {
  it('answers 401 without sign-in on every registered route, of every plugin, but the public ones', async () => {
    const routes = t.app.http.routeAccess;
    const publicOnes = routes.filter((r) => r.auth === 'public').map((r) => `${r.method} ${r.url}`);
    // The console's files, one route each, and the documentation are public; so are these, and no other.
    const files = new Set(['GET /index.html', 'GET /assets/index-Ab12Cd34.js']);
    expect(publicOnes.filter((r) => !r.startsWith('GET /docs') && !files.has(r)).sort()).toEqual(
      [
        'GET /',
        'GET /api/health',
        'GET /health/live',
        'GET /health/ready',
        'GET /api/session/oidc/callback',
        'GET /api/session/oidc/start',
        'GET /api/session/providers',
        'POST /api/session',
        'POST /api/session/second-factor',
      ].sort(),
    );
    let checked = 0;
    for (const r of routes) {
      if (r.auth === 'public') continue;
      const url = r.url.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? '100' : name === 'holder' ? 'holder-0001' : name === 'system' ? 'ocs' : '1'));
      const res = await t.anonymous.request(r.method as 'GET', url, ['GET', 'DELETE'].includes(r.method) ? undefined : {});
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      // The TM Forum APIs answer in TMF's error shape ({ code, reason, message, status }).
      expect(r.url.startsWith('/tmf-api/') ? body(res).code : body(res).error.code, `${r.method} ${r.url}`).toBe('UNAUTHENTICATED');
      checked++;
    }
    expect(checked).toBeGreaterThan(70);
  });

  it('will not start with a route that does not say who may call it, under /api or anywhere else', async () => {
    for (const url of ['/api/forgot', '/metrics']) {
      const app = Fastify();
      registerAuth(app, {} as never);
      app.get(url, async () => 'open');
      await expect(app.ready()).rejects.toThrow(/does not declare config.auth/);
    }
  });
});

describe('9. every change is audited; sign-ins ended are refused at once', () => {
  it('audits a simulator change, refuses a system that does not exist, and audits the test clock', async () => {
    const admin = await t.as('admin');
    await setSimulator(admin, 'radius', { latencyMs: 5 });
    const sim = body(await admin.get('/api/audit?entityType=simulator&entityId=radius')).items[0];
    expect(sim).toMatchObject({ action: 'simulator.update', actorLabel: 'admin@switchboard.local', after: { latencyMs: 5, failure: null } });
    await setSimulator(admin, 'radius', {});
    const unknown = await admin.request('PUT', '/api/simulators/no-such-system', { latencyMs: 0, failure: null });
    expect(unknown.statusCode).toBe(404);
    expect(errorShape(unknown).code).toBe('NOT_FOUND');
    // A playbook's HTTP system can be simulated.
    expect((await admin.request('PUT', '/api/simulators/iptv-middleware', { latencyMs: 0, failure: null })).statusCode).toBe(200);

    const moved = await admin.request('PUT', '/api/test-clock', { advanceMs: 60_000 });
    expect(moved.statusCode, moved.body).toBe(200);
    const clock = body(await admin.get('/api/audit?entityType=test_clock')).items[0];
    expect(clock).toMatchObject({ action: 'test_clock.set', actorLabel: 'admin@switchboard.local' });
    await admin.request('PUT', '/api/test-clock', { advanceMs: -60_000 });
  });

  it('audits the holds a bulk batch takes and gives back', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const sim = body(await agent.get('/api/inventory/available?template=SIM%20Card&limit=1')).items[0];
    // The first row is slow at the OCS; the second, which names its SIM card, waits its turn holding it.
    await setSimulator(admin, 'ocs', { latencyMs: 5000 });
    const csv = `customer,sim_card\n100,\n101,${sim.reference}\n`;
    const commit = await agent.upload('/api/batches?product=mobile-20gb&concurrency=1', csv);
    expect(commit.statusCode, commit.body).toBe(201);
    const batch = body(commit).batch.id;
    const held = body(await admin.get(`/api/audit?entityType=inventory_item&entityId=${sim.id}`)).items;
    expect(held.some((e: any) => e.action === 'inventory.reserve' && e.after.holder.startsWith(`batch:${batch}:`))).toBe(true);
    // Once the first row runs (its items picked from stock), cancel: what was still held goes back, each item audited.
    let counts: any = {};
    for (const until = Date.now() + 30_000; ; ) {
      counts = body(await agent.get(`/api/batches/${batch}`)).counts;
      if (counts.running > 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(counts, 'the first row runs (slow at the OCS) before the cancel').toMatchObject({ running: 1 });
    const cancelled = await agent.post(`/api/batches/${batch}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBeLessThan(300);
    const until = Date.now() + 20_000;
    let events: any[] = [];
    for (;;) {
      events = body(await admin.get('/api/audit?entityType=inventory_item&limit=500')).items.filter((e: any) => String(e.before?.holder ?? e.after?.holder ?? '').startsWith(`batch:${batch}:`));
      if (events.some((e) => e.action === 'inventory.release') || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await setSimulator(admin, 'ocs', {});
    // The first row's items, picked from stock by the pump, and the second row's named SIM card, given back.
    expect(events.filter((e) => e.action === 'inventory.reserve').length).toBeGreaterThanOrEqual(3);
    const item = body(await agent.get(`/api/inventory/items/${sim.id}`));
    expect(events.find((e) => e.action === 'inventory.release'), `the named SIM card is now ${JSON.stringify(item)}; batch ${JSON.stringify(body(await agent.get(`/api/batches/${batch}`)).counts)}`).toMatchObject({ entityId: String(sim.id), actorLabel: 'agent@switchboard.local' });
  });

  it('refuses a disabled staff member and a revoked token at once', async () => {
    const admin = await t.as('admin');
    const created = body(await admin.post('/api/users', { email: 'temp.agent@switchboard.local', name: 'Temp', role: 'agent', password: 'temporary-pass-1' }));
    const res = await signIn('temp.agent@switchboard.local', 'temporary-pass-1', '10.0.9.1');
    const cookie = `sb_session=${res.cookies.find((c) => c.name === 'sb_session')!.value}`;
    expect((await t.anonymous.request('GET', '/api/products', undefined, { cookie })).statusCode).toBe(200);
    await admin.patch(`/api/users/${created.id}`, { disabled: true });
    expect((await t.anonymous.request('GET', '/api/products', undefined, { cookie })).statusCode).toBe(401);
  });

  it.runIf(usingPostgres())('refuses them at once in every process on PostgreSQL (another process cached the sign-in)', { timeout: 120_000 }, async () => {
    let other: Proc | undefined;
    try {
      other = await startProcess('serve', { DATABASE_URL: t.db.databaseUrl!, WORKER_ID: 'security-c', RUN_WORKFLOWS: 'off' });
      const admin = await t.as('admin');
      const viewer = demoUsers.find((u) => u.role === 'viewer')!;
      const there = await apiClient(other.base!, viewer);
      expect((await there('GET', '/api/products')).status).toBe(200);
      const token = body(await admin.post('/api/tokens', { name: 'short-lived' })).token;
      const viaToken = () => fetch(`${other!.base}/api/products`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      expect(await viaToken()).toBe(200);

      const viewerId = body(await admin.get('/api/users')).items.find((u: any) => u.email === viewer.email).id;
      await admin.patch(`/api/users/${viewerId}`, { disabled: true });
      const tokenId = body(await admin.get('/api/tokens')).items.find((x: any) => x.name === 'short-lived').id;
      await admin.delete(`/api/tokens/${tokenId}`);
      // The other process heard it (NOTIFY) within moments, not after its 5-second cache.
      const deadline = Date.now() + 1000;
      let statuses: number[] = [];
      while (Date.now() < deadline) {
        statuses = [(await there('GET', '/api/products')).status, await viaToken()];
        if (statuses.every((s) => s === 401)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(statuses).toEqual([401, 401]);
      await admin.patch(`/api/users/${viewerId}`, { disabled: false });
    } finally {
      await other?.kill('SIGKILL');
    }
  });
});

async function cookieOf(who: 'agent' | 'admin'): Promise<string | undefined> {
  const u = demoUsers.find((d) => d.role === who)!;
  const res = await signIn(u.email, u.password, `10.0.8.${who === 'agent' ? 1 : 2}`);
  const c = res.cookies.find((x) => x.name === 'sb_session');
  return c ? `sb_session=${c.value}` : undefined;
}

describe('1b. text that is not text: lone surrogates and bytes that are not UTF-8', () => {
  it('refuses half a UTF-16 pair naming the field, and a body that is not UTF-8, storing nothing', async () => {
    const admin = await t.as('admin');
    const before = body(await admin.get('/api/inventory/templates')).items.length;
    const lone = await admin.post('/api/inventory/templates', { name: 'Broken \ud800 template', attributes: [] });
    expect(lone.statusCode).toBe(400);
    expect(errorShape(lone).details.fields[0].field).toBe('body.name');
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0x28]), Buffer.from('","attributes":[]}')]);
    const notUtf8 = await t.app.http.inject({ method: 'POST', url: '/api/inventory/templates', headers: { cookie: (await cookieOf('admin'))!, 'content-type': 'application/json' }, payload: bytes });
    expect(notUtf8.statusCode).toBe(400);
    expect(errorShape(notUtf8).code).toBe('BAD_REQUEST');
    expect(body(await admin.get('/api/inventory/templates')).items.length).toBe(before);
  });
});
