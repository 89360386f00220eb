import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { demoUsers } from '../../src/demo/demo-data.js';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { freshDatabase, type TestDatabase, usingPostgres } from '../helpers/databases.js';
import { apiClient, type Proc, startProcess } from '../helpers/processes.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

/**
 * Outbound webhooks (issue 12, item 5): endpoints registered by an admin, events written by the
 * database in the transaction of the change (an outbox), delivered durably and signed per the
 * Standard Webhooks specification, checked here with the standardwebhooks library itself against
 * a receiver this test runs.
 */

// ---------------------------------------------------------------------------------------------
// A receiver: records every request; each path answers as the test says.

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: any;
}
type Answer = (r: Received, res: http.ServerResponse, nth: number) => void;

async function startReceiver() {
  const got: Received[] = [];
  const answers = new Map<string, Answer>();
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const r: Received = { path: req.url ?? '/', headers, body: text, json: text ? JSON.parse(text) : null };
      got.push(r);
      open.add(res);
      res.on('close', () => open.delete(res));
      const answer = answers.get(r.path) ?? ((_r, rs) => rs.end('thanks'));
      answer(r, res, got.filter((x) => x.path === r.path).length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => base + path,
    got,
    at: (path: string) => got.filter((r) => r.path === path),
    answer: (path: string, fn: Answer) => answers.set(path, fn),
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------

let t: TestApp;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01', WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms', WEBHOOK_POLL: '200ms', LOW_STOCK_CHECK: '300ms', BILLING_SCHEDULE: 'off' } });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});
// Each test's endpoints go with it: the next test's events are not sent to them.
afterEach(async () => {
  const admin = await t.as('admin');
  for (const e of body(await admin.get('/api/webhooks')).items) await admin.delete(`/api/webhooks/${e.id}`);
});

const count = async (table: 'webhook_events' | 'webhook_deliveries' | 'webhook_endpoints') => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.app.database.db)).rows[0]!.n);

async function subscribe(admin: Client, path: string, events: string[], extra: Record<string, unknown> = {}) {
  const res = await admin.post('/api/webhooks', { url: rx.url(path), events, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return body(res) as { id: string; secret: string; url: string; events: string[]; enabled: boolean };
}

async function deliveriesOf(admin: Client, endpointId: string) {
  const res = await admin.get(`/api/webhooks/${endpointId}/deliveries`);
  expect(res.statusCode, res.body).toBe(200);
  return body(res).items as any[];
}

async function newMobileLine(agent: Client, customerId = 100) {
  const { res } = await assign(agent, { customerId, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
  expect(res.statusCode, res.body).toBe(201);
  return waitForEnd(agent, body(res).id);
}

/** What a receiver does with a request: verify it with the endpoint's secret, as its docs say. */
const verified = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers) as { id: string; type: string; timestamp: string; data: any };

describe('endpoints (issue 12): admins register them; the secret is shown once', () => {
  it('refuses a bad URL, an ftp:// URL, an unknown event and no events with 400, code, message and hint, and changes nothing', async () => {
    const admin = await t.as('admin');
    const before = await count('webhook_endpoints');
    const cases: [unknown, RegExp][] = [
      [{ url: 'not a url', events: ['provision.succeeded'] }, /^body\.url: is not a URL/],
      [{ url: 'ftp://files.example.net/in', events: ['provision.succeeded'] }, /^body\.url: must be an http:\/\/ or https:\/\/ address, not ftp:/],
      [{ url: 'https://u:p@crm.example.net/in', events: ['provision.succeeded'] }, /^body\.url: must not hold a user name or password/],
      [{ url: 'http://crm.example.net:6000/in', events: ['provision.succeeded'] }, /^body\.url: port 6000 is one the Fetch standard forbids/],
      [{ url: 'https://crm.example.net/in', events: ['provision.exploded'] }, /^body\.events\.0: /],
      [{ url: 'https://crm.example.net/in', events: [] }, /^body\.events: choose at least one event/],
      [{ url: 'https://crm.example.net/in', events: ['stock.low'], secret: 'hunter2' }, /^body\.secret: must be whsec_/],
    ];
    for (const [payload, message] of cases) {
      const res = await admin.post('/api/webhooks', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const e = body(res).error;
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.message).toMatch(message);
      expect(e.hint).toBeTruthy();
    }
    const patchBad = await admin.patch('/api/webhooks/00000000-0000-4000-8000-000000000000', { url: 'ftp://x' });
    expect(patchBad.statusCode).toBe(400);
    expect(await count('webhook_endpoints')).toBe(before);
  });

  it('is for admins only: a viewer and an agent get 403 on every route, anonymous 401', async () => {
    const admin = await t.as('admin');
    const e = await subscribe(admin, '/forbidden', ['stock.low']);
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/webhooks'],
      ['POST', '/api/webhooks', { url: 'https://crm.example.net/in', events: ['stock.low'] }],
      ['GET', `/api/webhooks/${e.id}`],
      ['PATCH', `/api/webhooks/${e.id}`, { enabled: false }],
      ['DELETE', `/api/webhooks/${e.id}`],
      ['POST', `/api/webhooks/${e.id}/rotate-secret`, {}],
      ['GET', `/api/webhooks/${e.id}/deliveries`],
      ['POST', `/api/webhooks/${e.id}/deliveries/1/resend`, {}],
      ['POST', `/api/webhooks/${e.id}/test`, {}],
    ];
    for (const who of ['viewer', 'agent'] as const) {
      const c = await t.as(who);
      for (const [method, url, payload] of routes) expect((await c.request(method as 'GET', url, payload)).statusCode, `${who} ${method} ${url}`).toBe(403);
    }
    for (const [method, url, payload] of routes) expect((await t.anonymous.request(method as 'GET', url, payload)).statusCode, `anonymous ${method} ${url}`).toBe(401);
    expect(body(await admin.get(`/api/webhooks/${e.id}`))).toMatchObject({ enabled: true, url: rx.url('/forbidden') });
  });

  it('makes a whsec_ secret when none is given, shows it only in that answer and in no audit entry; a given one is kept', async () => {
    const admin = await t.as('admin');
    const e = await subscribe(admin, '/secret', ['stock.low'], { description: 'CRM' });
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(e).toMatchObject({ events: ['stock.low'], enabled: true, description: 'CRM' });
    const read = await admin.get(`/api/webhooks/${e.id}`);
    expect(read.body).not.toContain(e.secret);
    expect((await admin.get('/api/webhooks')).body).not.toContain(e.secret);
    const own = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const given = await subscribe(admin, '/secret-given', ['stock.low'], { secret: own });
    expect(given.secret).toBe(own);
    // Stored sealed: neither secret is in the table or the audit log as text.
    const stored = (await sql<{ s: string }>`select string_agg(secret_sealed, ' ') as s from webhook_endpoints`.execute(t.app.database.db)).rows[0]!.s;
    expect(stored).not.toContain(e.secret.slice(6));
    expect(stored).not.toContain(own.slice(6));
    const audit = await admin.get('/api/audit?entityType=webhook_endpoint&limit=50');
    expect(body(audit).items.map((a: any) => a.action)).toEqual(expect.arrayContaining(['webhook_endpoint.create']));
    expect(audit.body).not.toContain(e.secret.slice(6));
    expect(audit.body).not.toContain(own.slice(6));
  });
});

describe('provision.succeeded (issue 12): received after a real run, signed per Standard Webhooks', () => {
  it('is delivered once with a signature standardwebhooks verifies with the same secret, and the log says so', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    const e = await subscribe(admin, '/crm', ['provision.succeeded', 'provision.failed']);
    const run = await newMobileLine(agent);
    expect(run.status).toBe('succeeded');

    const [r] = await until('the webhook', () => rx.at('/crm').length > 0 && rx.at('/crm'));
    const event = verified(e.secret, r!);
    expect(r!.headers['webhook-id']).toBe(event.id);
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(Math.abs(Number(r!.headers['webhook-timestamp']) * 1000 - Date.now())).toBeLessThan(60_000);
    expect(r!.headers['content-type']).toBe('application/json');
    expect(event).toMatchObject({
      type: 'provision.succeeded',
      data: { provisionId: run.id, status: 'succeeded', customerId: 100, product: 'mobile-20gb', serviceId: run.service.id, kind: 'new_service', attempt: 1, errorCode: null, failedTask: null },
    });
    expect(Date.parse(event.timestamp)).not.toBeNaN();
    // A wrong secret does not verify it.
    expect(() => verified('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', r!)).toThrow();

    const [d] = await until('delivered in the log', async () => {
      const list = await deliveriesOf(admin, e.id);
      return list[0]?.status === 'delivered' && list;
    });
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, lastResponse: 'thanks', lastError: null, nextAttemptAt: null, event: { id: event.id, type: 'provision.succeeded' } });
    await sleep(400);
    expect(rx.at('/crm')).toHaveLength(1);
    expect(body(await admin.get(`/api/webhooks/${e.id}`)).lastDelivery).toMatchObject({ status: 'delivered', lastStatus: 200 });
  });

  it('provision.failed says failed and names the task and the error code', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    const e = await subscribe(admin, '/failed', ['provision.failed']);
    const res = await admin.request('PUT', '/api/simulators/ocs', { latencyMs: 0, failure: 'unreachable' });
    expect(res.statusCode, res.body).toBe(200);
    try {
      const run = await newMobileLine(agent);
      expect(run.status).toBe('failed');
      const [r] = await until('provision.failed', () => rx.at('/failed').length > 0 && rx.at('/failed'));
      expect(verified(e.secret, r!)).toMatchObject({ type: 'provision.failed', data: { provisionId: run.id, status: 'failed', errorCode: 'OCS_UNREACHABLE', failedTask: expect.any(String), error: expect.stringMatching(/OCS/) } });
    } finally {
      await admin.request('PUT', '/api/simulators/ocs', { latencyMs: 0, failure: null });
    }
  });

  it('writes no event at all when no enabled endpoint wants it (no cost otherwise)', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    await subscribe(admin, '/other', ['stock.low']);
    await subscribe(admin, '/disabled', ['provision.succeeded', 'service.status_changed'], { enabled: false });
    const [events, deliveries] = [await count('webhook_events'), await count('webhook_deliveries')];
    expect((await newMobileLine(agent)).status).toBe('succeeded');
    await sleep(500);
    expect(await count('webhook_events')).toBe(events);
    expect(await count('webhook_deliveries')).toBe(deliveries);
    expect(rx.at('/disabled')).toHaveLength(0);
  });
});

describe('delivery (issue 12): retried with backoff, never followed elsewhere, sent again on demand', () => {
  it('is retried after two 500s and delivered the third time (attempts 3); the log shows the 500 meanwhile', async () => {
    const admin = await t.as('admin');
    let release!: () => void;
    const third = new Promise<void>((r) => (release = r));
    rx.answer('/flaky', (_r, res, nth) => {
      if (nth <= 2) {
        res.statusCode = 500;
        res.end(`{"error":"database down (${nth})"}`);
      } else void third.then(() => res.end('ok now'));
    });
    const e = await subscribe(admin, '/flaky', ['stock.low']);
    const sent = await admin.post(`/api/webhooks/${e.id}/test`);
    expect(sent.statusCode, sent.body).toBe(201);
    expect(body(sent)).toMatchObject({ status: 'pending', attempts: 0, event: { type: 'webhook.test' } });

    // The third attempt is under way: the log shows what the second one got.
    const [during] = await until('the third attempt', async () => {
      const list = await deliveriesOf(admin, e.id);
      return list[0]?.attempts === 3 && list;
    });
    expect(during).toMatchObject({ status: 'sending', lastStatus: 500, lastResponse: '{"error":"database down (2)"}', lastError: 'The receiver answered 500.' });
    release();
    const [done] = await until('delivered', async () => {
      const list = await deliveriesOf(admin, e.id);
      return list[0]?.status === 'delivered' && list;
    });
    expect(done).toMatchObject({ attempts: 3, lastStatus: 200, lastResponse: 'ok now', lastError: null });
    // Three requests, one event: the same webhook-id each time, each signed anew.
    const got = rx.at('/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of got) expect(verified(e.secret, r).type).toBe('webhook.test');
  });

  it('does not follow a 3xx: the registered URL is the only one called, and it fails after its retries', async () => {
    const admin = await t.as('admin');
    rx.answer('/moved', (_r, res) => {
      res.statusCode = 302;
      res.setHeader('location', rx.url('/elsewhere'));
      res.end();
    });
    const e = await subscribe(admin, '/moved', ['stock.low']);
    await admin.post(`/api/webhooks/${e.id}/test`);
    const [d] = await until('failed for good', async () => {
      const list = await deliveriesOf(admin, e.id);
      return list[0]?.status === 'failed' && list;
    });
    expect(d).toMatchObject({ attempts: 4, lastStatus: 302, nextAttemptAt: null });
    expect(d.lastError).toMatch(/redirect to http:\/\/127\.0\.0\.1:\d+\/elsewhere: redirects are not followed/);
    expect(rx.at('/moved')).toHaveLength(4);
    expect(rx.at('/elsewhere')).toHaveLength(0);
  });

  it('counts a receiver that cannot be reached as a failed attempt, and says why', async () => {
    const admin = await t.as('admin');
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const res = await admin.post('/api/webhooks', { url: `http://127.0.0.1:${port}/nobody-listens`, events: ['stock.low'] });
    const e = body(res);
    await admin.post(`/api/webhooks/${e.id}/test`);
    const [d] = await until('failed for good', async () => {
      const list = await deliveriesOf(admin, e.id);
      return list[0]?.status === 'failed' && list;
    });
    expect(d).toMatchObject({ attempts: 4, lastStatus: null, lastResponse: null });
    expect(d.lastError).toMatch(/^Could not reach the receiver: ECONNREFUSED/);
  });

  it('a receiver that hangs holds a quarter of the attempts at most: another endpoint is served meanwhile', async () => {
    const admin = await t.as('admin');
    let release!: () => void;
    const later = new Promise<void>((r) => (release = r));
    rx.answer('/hangs', (_r, res) => void later.then(() => res.end('late')));
    const slow = await subscribe(admin, '/hangs', ['stock.low']);
    const quick = await subscribe(admin, '/quick', ['stock.low']);
    for (let i = 0; i < 6; i++) await admin.post(`/api/webhooks/${slow.id}/test`);
    await until('the slow endpoint holding its share', () => rx.at('/hangs').length === 4);
    await admin.post(`/api/webhooks/${quick.id}/test`);
    await until('the other endpoint served', async () => (await deliveriesOf(admin, quick.id))[0]?.status === 'delivered');
    expect(rx.at('/hangs')).toHaveLength(4); // WEBHOOK_CONCURRENCY 16: 4 at most to one endpoint
    release();
    await until('all six delivered', async () => (await deliveriesOf(admin, slow.id)).filter((d) => d.status === 'delivered').length === 6);
    expect(rx.at('/hangs')).toHaveLength(6);
  });

  it('Send again queues a delivered delivery once more with the same event ID; one on its way cannot be', async () => {
    const admin = await t.as('admin');
    const e = await subscribe(admin, '/again', ['stock.low']);
    const d = body(await admin.post(`/api/webhooks/${e.id}/test`));
    await until('delivered', async () => (await deliveriesOf(admin, e.id))[0]?.status === 'delivered');
    const again = await admin.post(`/api/webhooks/${e.id}/deliveries/${d.id}/resend`);
    expect(again.statusCode, again.body).toBe(200);
    expect(body(again)).toMatchObject({ id: d.id, status: 'pending', attempts: 0 });
    // Straight away it is on its way: sending it again now is refused.
    const twice = await admin.post(`/api/webhooks/${e.id}/deliveries/${d.id}/resend`);
    if (twice.statusCode !== 200) expect(body(twice).error).toMatchObject({ code: 'INVALID_TRANSITION', hint: expect.any(String) });
    await until('a second request', () => rx.at('/again').length >= 2);
    await until('delivered again', async () => (await deliveriesOf(admin, e.id))[0]?.status === 'delivered');
    const ids = rx.at('/again').map((r) => r.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set([d.event.id]));
    const audit = body(await admin.get(`/api/audit?entityType=webhook_delivery&entityId=${d.id}`)).items;
    expect(audit[0]).toMatchObject({ action: 'webhook_delivery.resend' });
    expect((await admin.post(`/api/webhooks/${e.id}/deliveries/999999999/resend`)).statusCode).toBe(404);
  });

  it('a disabled endpoint gets nothing more: the attempt under way is not retried, Send again is refused until enabled', async () => {
    const admin = await t.as('admin');
    // The first attempt is held open until the endpoint is disabled, then answered 503.
    let answer!: () => void;
    const disabled = new Promise<void>((r) => (answer = r));
    rx.answer('/paused', (_r, res) => {
      void disabled.then(() => {
        res.statusCode = 503;
        res.end('maintenance');
      });
    });
    const e = await subscribe(admin, '/paused', ['stock.low']);
    const d = body(await admin.post(`/api/webhooks/${e.id}/test`));
    await until('the attempt under way', () => rx.at('/paused').length === 1);
    const off = await admin.patch(`/api/webhooks/${e.id}`, { enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(body(off).enabled).toBe(false);
    answer();
    const [failed] = await until('failed, not retried', async () => {
      const list = await deliveriesOf(admin, e.id);
      return list[0]?.status === 'failed' && list;
    });
    expect(failed).toMatchObject({ id: d.id, attempts: 1, lastStatus: 503, nextAttemptAt: null });
    await sleep(500);
    expect(rx.at('/paused')).toHaveLength(1);
    expect((await admin.post(`/api/webhooks/${e.id}/test`)).statusCode).toBe(409);
    const refused = await admin.post(`/api/webhooks/${e.id}/deliveries/${d.id}/resend`);
    expect(refused.statusCode).toBe(409);
    expect(body(refused).error.hint).toMatch(/Enable it first/);
    // Enabled again, Send again sends it (the receiver is back).
    rx.answer('/paused', (_r, res) => res.end('back'));
    expect((await admin.patch(`/api/webhooks/${e.id}`, { enabled: true })).statusCode).toBe(200);
    expect((await admin.post(`/api/webhooks/${e.id}/deliveries/${d.id}/resend`)).statusCode).toBe(200);
    await until('delivered once enabled', async () => (await deliveriesOf(admin, e.id))[0]?.status === 'delivered');
    const audit = body(await admin.get(`/api/audit?entityType=webhook_endpoint&entityId=${e.id}`)).items;
    expect(audit.map((a: any) => a.action)).toContain('webhook_endpoint.update');
    expect(JSON.stringify(audit)).not.toContain(e.secret.slice(6));
  });

  it('disabling fails what was still waiting for the endpoint', async () => {
    const admin = await t.as('admin');
    const e = await subscribe(admin, '/waiting', ['stock.low']);
    // A delivery due in an hour (as after a failed attempt), then the endpoint disabled.
    const d = body(await admin.post(`/api/webhooks/${e.id}/test`));
    await until('delivered', async () => (await deliveriesOf(admin, e.id))[0]?.status === 'delivered');
    await sql`update webhook_deliveries set status = 'pending', next_attempt_at = now() + interval '1 hour' where id = ${d.id}`.execute(t.app.database.db);
    await admin.patch(`/api/webhooks/${e.id}`, { enabled: false });
    const [failed] = await deliveriesOf(admin, e.id);
    expect(failed).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(failed.lastError).toMatch(/disabled/);
  });

  it('rotating the secret: the new one signs, and the previous one too for the hours asked', async () => {
    const admin = await t.as('admin');
    const e = await subscribe(admin, '/rotated', ['stock.low']);
    const rotated = await admin.post(`/api/webhooks/${e.id}/rotate-secret`, { keepPreviousHours: 24 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = body(rotated);
    expect(fresh.secret).toMatch(/^whsec_/);
    expect(fresh.secret).not.toBe(e.secret);
    expect(Date.parse(fresh.previousSecretUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    await admin.post(`/api/webhooks/${e.id}/test`);
    const [r] = await until('the test event', () => rx.at('/rotated').length > 0 && rx.at('/rotated'));
    expect(verified(fresh.secret, r!).type).toBe('webhook.test');
    expect(verified(e.secret, r!).type).toBe('webhook.test');
    // At once: the old secret stops signing.
    const now = body(await admin.post(`/api/webhooks/${e.id}/rotate-secret`, { keepPreviousHours: 0 }));
    expect(now.previousSecretUntil).toBeNull();
    await admin.post(`/api/webhooks/${e.id}/test`);
    const [, r2] = await until('the second test event', () => rx.at('/rotated').length > 1 && rx.at('/rotated'));
    expect(verified(now.secret, r2!).type).toBe('webhook.test');
    expect(() => verified(fresh.secret, r2!)).toThrow();
  });
});

describe('the other events (issue 12)', () => {
  it('service.status_changed on a suspend: from active to suspended, with the reason', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    const run = await newMobileLine(agent);
    const e = await subscribe(admin, '/services', ['service.status_changed']);
    const res = await agent.post(`/api/services/${run.service.id}/suspend`, { reason: 'customer request' });
    expect(res.statusCode, res.body).toBe(200);
    await waitForEnd(agent, body(res).id);
    const r = await until('service.status_changed', () => rx.at('/services').find((x) => x.json.data.serviceId === run.service.id));
    expect(verified(e.secret, r)).toMatchObject({ type: 'service.status_changed', data: { serviceId: run.service.id, customerId: 100, product: 'mobile-20gb', from: 'active', to: 'suspended', reason: 'customer request' } });
  });

  it('payment.failed for the demo card that declines (ending 0002), without the card', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    const e = await subscribe(admin, '/payments', ['payment.failed']);
    const run = await newMobileLine(agent, 105); // Amit Patel: his card ends 0002
    expect(run.status).toBe('succeeded'); // the service is active; its first charge is declined (dunning)
    const r = await until('payment.failed', () => rx.at('/payments').find((x) => x.json.data.customerId === 105));
    expect(verified(e.secret, r)).toMatchObject({ type: 'payment.failed', data: { customerId: 105, serviceId: run.service.id, status: 'declined', declineCode: 'card_declined', currency: 'GBP', amount: expect.any(Number), paymentId: expect.any(Number), chargeId: expect.any(Number) } });
    expect(r.body).not.toMatch(/0002|visa/i);
  });

  it('stock.low once when a template falls under its threshold, again only after it was back above', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    const e = await subscribe(admin, '/stock', ['stock.low']);
    const avail = body(await agent.get('/api/inventory/available?template=CPE%20Modem&limit=5'));
    const tpl = avail.template;
    const patched = await admin.patch(`/api/inventory/templates/${tpl.id}`, { lowStockThreshold: avail.available });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(body(patched)).toMatchObject({ lowStockThreshold: avail.available, lowStockSince: null });
    expect((await agent.patch(`/api/inventory/templates/${tpl.id}`, { lowStockThreshold: 1 })).statusCode).toBe(403);
    expect((await admin.patch(`/api/inventory/templates/${tpl.id}`, { lowStockThreshold: -1 })).statusCode).toBe(400);

    const [a, b] = avail.items;
    expect((await agent.post(`/api/inventory/items/${a.id}/reservations`, { holder: 'wizard-stock-1' })).statusCode).toBe(201);
    const r = await until('stock.low', () => rx.at('/stock')[0]);
    expect(verified(e.secret, r)).toMatchObject({ type: 'stock.low', data: { templateId: tpl.id, template: 'CPE Modem', available: avail.available - 1, threshold: avail.available } });
    expect(body(await agent.get('/api/inventory/templates')).items.find((x: any) => x.id === tpl.id).lowStockSince).toBeTruthy();

    // Lower still: not told again, however many checks run (two processes checking at once included).
    await agent.post(`/api/inventory/items/${b.id}/reservations`, { holder: 'wizard-stock-1' });
    await Promise.all([t.app.services.inventory.checkLowStock(), t.app.services.inventory.checkLowStock()]);
    await sleep(800);
    expect(rx.at('/stock')).toHaveLength(1);

    // Back at the threshold (re-armed by the periodic check), then under it again: told again.
    await agent.delete('/api/inventory/reservations/wizard-stock-1');
    await until('re-armed', async () => body(await agent.get('/api/inventory/templates')).items.find((x: any) => x.id === tpl.id).lowStockSince === null);
    await agent.post(`/api/inventory/items/${a.id}/reservations`, { holder: 'wizard-stock-2' });
    await until('a second stock.low', () => rx.at('/stock').length === 2);
    await agent.delete('/api/inventory/reservations/wizard-stock-2');
    await admin.patch(`/api/inventory/templates/${tpl.id}`, { lowStockThreshold: null });
    expect(new Set(rx.at('/stock').map((x) => x.headers['webhook-id'])).size).toBe(2);
  });

  it('batch.completed after a small CSV batch, with what became of its rows', async () => {
    const admin = await t.as('admin');
    const agent = await t.as('agent');
    const e = await subscribe(admin, '/batches', ['batch.completed']);
    const res = await agent.upload('/api/batches?product=mobile-20gb&name=webhook-batch', 'customer\n100\n104\n999999\n');
    expect(res.statusCode, res.body).toBe(201);
    const batchId = body(res).batch.id;
    const r = await until('batch.completed', () => rx.at('/batches').find((x) => x.json.data.batchId === batchId), 40_000);
    expect(verified(e.secret, r)).toMatchObject({ type: 'batch.completed', data: { batchId, product: 'mobile-20gb', totalRows: 3, goodRows: 2, badRows: 1, rows: { succeeded: 2, failed: 0, cancelled: 0, invalid: 1 } } });
  });
});

// ---------------------------------------------------------------------------------------------
// kill -9 of the process sending a webhook, mid-delivery: sent again after the restart, with the
// same webhook-id; the receiver, deduplicating by it, processes it once. On the embedded database
// (one process: restarted on the same DATA_DIR) and on PostgreSQL.

describe('a process killed mid-delivery (issue 12)', () => {
  let db: TestDatabase;
  let proc: Proc | null = null;
  let crx: Receiver;
  beforeAll(async () => {
    db = await freshDatabase();
    crx = await startReceiver();
  });
  afterAll(async () => {
    await proc?.kill('SIGKILL');
    await crx?.close();
    await db?.drop();
  });
  const env = () => ({ DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '', WEBHOOK_TIMEOUT: '60s', WEBHOOK_POLL: '200ms', WEBHOOK_RETRY_SCHEDULE: '100ms,100ms' });
  const admin = demoUsers.find((u) => u.role === 'admin')!;

  it('sends it again after the restart with the same webhook-id: one event processed, the delivery delivered', async () => {
    // The receiver deduplicates by webhook-id; it holds the first request open (the process is killed meanwhile).
    const processed = new Set<string>();
    rxHold(crx, processed);
    proc = await startProcess('serve', env());
    let api = await apiClient(proc.base!, admin);
    const created = await api('POST', '/api/webhooks', { url: crx.url('/held'), events: ['provision.succeeded'] });
    expect(created.status).toBe(201);
    const endpointId = created.json.id as string;
    const secret = created.json.secret as string;
    expect((await api('POST', `/api/webhooks/${endpointId}/test`, {})).status).toBe(201);
    await until('the first attempt, held open', () => crx.at('/held').length === 1, 30_000);

    await proc.kill('SIGKILL');
    proc = await startProcess('serve', env());
    api = await apiClient(proc.base!, admin);
    const delivered = await until(
      'delivered after the restart',
      async () => {
        const list = (await api('GET', `/api/webhooks/${endpointId}/deliveries`)).json.items;
        return list[0]?.status === 'delivered' && list[0];
      },
      30_000,
    );
    expect(delivered).toMatchObject({ attempts: 2, lastStatus: 200 });
    const got = crx.at('/held');
    expect(got).toHaveLength(2);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of got) expect(verified(secret, r).type).toBe('webhook.test');
    expect([...processed]).toEqual([got[0]!.headers['webhook-id']]);
    await proc.kill('SIGTERM');
    proc = null;
  });

  it.runIf(usingPostgres())('PostgreSQL: another process takes over a dead one\'s delivery after its lease, never while it is held', async () => {
    const processed = new Set<string>();
    rxHold(crx, processed, '/taken-over');
    // A short timeout: the lease (timeout + 15 s) of the process that dies runs out sooner.
    const short = { ...env(), WEBHOOK_TIMEOUT: '3s' };
    proc = await startProcess('serve', { ...short, WORKER_ID: 'webhooks-a' });
    const other = await startProcess('worker', { ...short, WORKER_ID: 'webhooks-b', METRICS_PORT: '' });
    const database = await openDatabase(loadConfig({ DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl! }));
    const deliveryOf = async (endpointId: string) =>
      (await sql<{ status: string; attempts: number; owner: string | null }>`select status, attempts, lease_owner as owner from webhook_deliveries where endpoint_id = ${endpointId}`.execute(database.db)).rows[0]!;
    try {
      const api = await apiClient(proc.base!, admin);
      const created = await api('POST', '/api/webhooks', { url: crx.url('/taken-over'), events: ['stock.low'] });
      expect((await api('POST', `/api/webhooks/${created.json.id}/test`, {})).status).toBe(201);
      await until('the first attempt, held open', () => crx.at('/taken-over').length === 1, 30_000);
      const { owner } = await deliveryOf(created.json.id);
      expect(['webhooks-a', 'webhooks-b']).toContain(owner);
      const killed = owner === 'webhooks-a' ? proc : other;
      // While its sender lives and holds the lease, nobody else sends it (the survivor polls every 200 ms).
      await sleep(700);
      expect(crx.at('/taken-over')).toHaveLength(1);
      await killed.kill('SIGKILL');
      await until('taken over after the lease', () => crx.at('/taken-over').length === 2, 40_000);
      expect(new Set(crx.at('/taken-over').map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(processed.size).toBe(1);
      await until('recorded by the survivor', async () => (await deliveryOf(created.json.id)).status === 'delivered');
      expect(await deliveryOf(created.json.id)).toMatchObject({ status: 'delivered', attempts: 2, owner: null });
    } finally {
      await database.close();
      await other.kill('SIGKILL');
      await proc.kill('SIGKILL');
      proc = null;
    }
  }, 120_000);
});

/** The first request to `path` is held open and never answered; the next ones are processed once per webhook-id. */
function rxHold(r: Receiver, processed: Set<string>, path = '/held') {
  r.answer(path, (req, res, nth) => {
    if (nth === 1) return; // held: the sender is killed while it waits
    processed.add(req.headers['webhook-id']!);
    res.end('processed');
  });
}
