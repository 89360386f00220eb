import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { ScrapeAccess } from '../../src/observability/scrape-access.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { freshDatabase, type TestDatabase, usingPostgres } from '../helpers/databases.js';
import { apiClient, type Proc, startProcess } from '../helpers/processes.js';
import { type Exposition, parsePrometheus } from '../helpers/prometheus.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

/**
 * Operations (issue 12): Prometheus metrics that say what happened (read as numbers), closed to
 * whoever has neither the scrape token nor an allowed address; traces from the POST through each
 * task and each outside call, in one trace; health for orchestrators; DBOS's history pruned.
 */
const token = 'scrape-token-0123456789abcdef';
const mobile = { customerId: 100, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] };

describe('Prometheus metrics (issue 12)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01', METRICS_TOKEN: token } });
  });
  afterAll(() => t?.close());

  const scrape = async () => {
    const res = await t.app.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return parsePrometheus(res.body);
  };

  it('is closed without the scrape token: 401 anonymously or with a wrong token, 403 for an agent, open to an admin', async () => {
    const anonymous = await t.anonymous.get('/metrics');
    expect(anonymous.statusCode).toBe(401);
    expect(body(anonymous).error).toMatchObject({ code: 'UNAUTHENTICATED', hint: expect.any(String) });
    const wrong = await t.app.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.statusCode).toBe(401);
    expect((await (await t.as('agent')).get('/metrics')).statusCode).toBe(403);
    expect((await (await t.as('admin')).get('/metrics')).statusCode).toBe(200);
  });

  it('counts a succeeded and a failed run, their tasks, the outside calls and the HTTP requests (R7, R8)', async () => {
    const before = await scrape();
    const agent = await t.as('agent');
    const admin = await t.as('admin');

    const ok = await assign(agent, mobile);
    expect(ok.res.statusCode, ok.res.body).toBe(201);
    expect((await waitForEnd(agent, body(ok.res).id)).status).toBe('succeeded');

    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    const bad = await assign(agent, mobile);
    expect(bad.res.statusCode, bad.res.body).toBe(201);
    const failed = await waitForEnd(agent, body(bad.res).id);
    await setSimulator(admin, 'ocs', { failure: null });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'OCS_UNREACHABLE' } });
    const ocsTries = failed.tasks.find((x: any) => x.action === 'ocs.create_account').attempts as number;

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    const run = { playbook: 'mobile-new' };
    expect(delta('switchboard_runs_total', { ...run, outcome: 'started' })).toBe(2);
    expect(delta('switchboard_runs_total', { ...run, outcome: 'succeeded' })).toBe(1);
    expect(delta('switchboard_runs_total', { ...run, outcome: 'failed' })).toBe(1);
    expect(delta('switchboard_run_duration_seconds_count', { ...run, outcome: 'succeeded' })).toBe(1);
    // The OCS task: tried as the playbook says, each failed attempt counted with its code.
    expect(delta('switchboard_task_failures_total', { action: 'ocs.create_account', code: 'OCS_UNREACHABLE' })).toBe(ocsTries);
    expect(delta('switchboard_tasks_total', { action: 'ocs.create_account', outcome: 'succeeded' })).toBe(1);
    expect(delta('switchboard_tasks_total', { action: 'ocs.create_account', outcome: 'failed' })).toBe(1);
    expect(delta('switchboard_task_duration_seconds_count', { action: 'inventory.assign', outcome: 'succeeded' })).toBe(4);
    // Calls to the OCS as the simulator saw them: one that worked, and each unreachable try.
    expect(delta('switchboard_external_calls_total', { system: 'ocs', outcome: 'ok' })).toBe(1);
    expect(delta('switchboard_external_calls_total', { system: 'ocs', outcome: 'unreachable' })).toBe(ocsTries);
    expect(delta('switchboard_external_call_duration_seconds_count', { system: 'ocs' })).toBe(1 + ocsTries);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from sim_calls c join services s on s.ocs_account = c.key
      where c.system = 'ocs' and c.operation = 'create_account' and s.id in (${body(ok.res).service.id}, ${body(bad.res).service.id})`.execute(t.app.database.db);
    expect(rows[0]!.n).toBe(1 + ocsTries);
    // The confirmations by route template and status, with their latency.
    expect(delta('switchboard_http_requests_total', { method: 'POST', route: '/api/provisions', status: '201' })).toBe(2);
    expect(delta('switchboard_http_request_duration_seconds_count', { method: 'POST', route: '/api/provisions' })).toBe(2);
    expect(after.has('switchboard_http_requests_total', { route: '/api/provisions/:id', status: '200' })).toBe(true);
    // The first month and the setup fee of the line that came up were paid.
    expect(delta('switchboard_charges_total', { outcome: 'paid' })).toBeGreaterThanOrEqual(1);
    expect(delta('switchboard_payments_total', { outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    // Every series carries the process's name.
    expect(after.samples.filter((s) => s.name.startsWith('switchboard_runs_total')).every((s) => s.labels.worker === 'local')).toBe(true);
    expect(after.types.get('switchboard_runs_total')).toBe('counter');
    expect(after.types.get('switchboard_task_duration_seconds')).toBe('histogram');
  });

  it('reads the gauges of the whole system from the database: queues, stock, reservations', async () => {
    const agent = await t.as('agent');
    const m = await scrape();
    for (const queue of ['interactive', 'bulk', 'lifecycle', 'undo']) {
      expect(m.has('switchboard_queue_depth', { queue }), queue).toBe(true);
      expect(m.has('switchboard_runs_in_flight', { queue }), queue).toBe(true);
    }
    const sims = body(await agent.get('/api/inventory/available?template=SIM%20Card&limit=1'));
    expect(m.value('switchboard_stock_available', { template: 'SIM Card' })).toBe(sims.available);
    // A wizard's hold counts as held; a hold that lapsed, as expired.
    const held = m.value('switchboard_reservations', { state: 'held' });
    const r = await agent.post(`/api/inventory/items/${sims.items[0].id}/reservations`, { holder: 'wizard-metrics' });
    expect(r.statusCode, r.body).toBe(201);
    const m2 = await scrape();
    expect(m2.value('switchboard_reservations', { state: 'held' })).toBe(held + 1);
    expect(m2.value('switchboard_stock_available', { template: 'SIM Card' })).toBe(sims.available - 1);
    expect(m2.has('switchboard_stock_low_threshold', { template: 'SIM Card' })).toBe(true);
  });
});

describe('scraping from an allowed address, and a worker’s own metrics port (issue 12)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_ALLOW: '10.0.0.0/8, 127.0.0.1/32' } });
  });
  afterAll(() => t?.close());

  it('lets an address in METRICS_ALLOW scrape without a token, and no other', async () => {
    const inside = await t.app.http.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(inside.statusCode).toBe(200);
    expect(parsePrometheus(inside.body).has('switchboard_process_cpu_seconds_total')).toBe(true); // the process's own (prom-client)
    const outside = await t.app.http.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.168.1.9' });
    expect(outside.statusCode).toBe(401);
  });

  it('a worker answers /metrics and health on METRICS_PORT, closed the same way', async () => {
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', metrics: t.app.metrics, scrape: new ScrapeAccess(token, []), readiness: t.app.readiness, logger: t.app.http.log as never });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(parsePrometheus(await res.text()).has('switchboard_process_cpu_seconds_total', { worker: 'local' })).toBe(true);
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok', engine: 'ok' } });
      expect((await fetch(`${base}/api/customers`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('refuses a METRICS_ALLOW entry that is not an address, naming it', async () => {
    await expect(startTestApp({ env: { METRICS_ALLOW: '10.0.0.0/33' } })).rejects.toThrow(/METRICS_ALLOW: "10.0.0.0\/33"/);
  });
});

describe('health for orchestrators (issue 12)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('is live and ready, then not ready while draining (503 in the error shape, with what it checked)', async () => {
    expect((await t.anonymous.get('/health/live')).statusCode).toBe(200);
    const ready = await t.anonymous.get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(body(ready)).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', engine: 'ok' } });
    await t.app.drain(0);
    const draining = await t.anonymous.get('/health/ready');
    expect(draining.statusCode).toBe(503);
    expect(body(draining)).toMatchObject({ error: { code: 'NOT_READY', message: expect.stringContaining('engine: draining'), hint: expect.any(String) }, checks: { database: 'ok', engine: 'draining' } });
    expect((await t.anonymous.get('/health/live')).statusCode).toBe(200);
  });
});

describe('DBOS history pruned (RUN_HISTORY_DAYS, issue 12)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BILLING_SCHEDULE: 'off', RETRY_DELAY_SCALE: '0.01' } });
  });
  afterAll(() => t?.close());

  it('deletes finished workflows older than the cut-off, and keeps provisioning history', async () => {
    const db = t.app.database.db;
    const agent = await t.as('agent');
    const run = await assign(agent, mobile);
    const id = body(run.res).id as string;
    expect((await waitForEnd(agent, id)).status).toBe('succeeded');
    // A charge collected again is a DBOS workflow (billing's): there is history to prune.
    const charges = (await sql<{ id: number }>`select c.id from charges c join provisions p on p.service_id = c.service_id where p.id = ${id}`.execute(db)).rows;
    expect(charges.length).toBeGreaterThan(0);
    for (const c of charges) await t.app.services.billingRunner.retryNow(c.id);
    const finished = async () => (await sql<{ n: number }>`select count(*)::int as n from dbos.workflow_status where status in ('SUCCESS', 'ERROR')`.execute(db)).rows[0]!.n;
    for (const until = Date.now() + 10_000; (await finished()) === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect(await finished()).toBeGreaterThan(0);
    const events = (await sql<{ n: number }>`select count(*)::int as n from provision_events where provision_id = ${id}`.execute(db)).rows[0]!.n;

    expect(await t.app.workflows.prune(new Date(Date.now() - 86_400_000))).toBe(0); // nothing is a day old
    const pruned = await t.app.workflows.prune(new Date(Date.now() + 1000));
    expect(pruned).toBeGreaterThan(0);
    expect(await finished()).toBe(0);
    const p = body(await agent.get(`/api/provisions/${id}`));
    expect(p.status).toBe('succeeded');
    expect(p.tasks).toHaveLength(6);
    expect((await sql<{ n: number }>`select count(*)::int as n from provision_events where provision_id = ${id}`.execute(db)).rows[0]!.n).toBe(events);
  });
});

/** A local OTLP/HTTP receiver: what the exporter posts to /v1/traces, as JSON. */
async function otlpReceiver() {
  const spans: any[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of payload.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, resource: rs.resource });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

const attr = (span: any, key: string) => {
  const a = span.attributes?.find((x: any) => x.key === key)?.value;
  return a?.stringValue ?? (a?.intValue !== undefined ? Number(a.intValue) : a?.boolValue);
};

describe('traces with OpenTelemetry (issue 12)', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  beforeAll(async () => {
    receiver = await otlpReceiver();
    t = await startTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'switchboard-test', RETRY_DELAY_SCALE: '0.01' } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('one trace from the POST through the run, each task and each call to an outside system, across the queue', async () => {
    const agent = await t.as('agent');
    // The caller's own trace is joined (W3C traceparent).
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const run = await assign(agent, { ...mobile, key: 'trace-test-1' });
    expect(run.res.statusCode, run.res.body).toBe(201);
    const id = body(run.res).id as string;
    expect((await waitForEnd(agent, id)).status).toBe('succeeded');
    const traced = await agent.post('/api/provisions', { ...run.payload }, { 'idempotency-key': 'trace-test-1', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
    expect(traced.statusCode).toBe(200); // the same confirmation again: the same run
    await t.app.tracing.flush();

    const s = receiver.spans;
    expect(s.length).toBeGreaterThan(0);
    expect(s[0].resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue).toBe('switchboard-test');
    const runSpan = s.find((x) => x.name === 'provision mobile-new' && attr(x, 'switchboard.provision_id') === id);
    expect(runSpan, 'the run span').toBeDefined();
    const post = s.find((x) => x.spanId === runSpan.parentSpanId);
    expect(post, 'the run is a child of the request that confirmed it').toBeDefined();
    expect(post).toMatchObject({ name: 'POST /api/provisions', traceId: runSpan.traceId, kind: 2 /* server */ });
    expect(attr(post, 'http.response.status_code')).toBe(201);
    const tasks = s.filter((x) => x.parentSpanId === runSpan.spanId);
    expect(tasks.map((x) => x.name).sort()).toEqual(['task 1 customer.validate', 'task 2 inventory.assign', 'task 3 inventory.assign', 'task 4 ocs.create_account', 'task 5 service.activate', 'task 6 mail.send'].sort());
    for (const task of tasks) {
      expect(task.traceId).toBe(runSpan.traceId);
      expect(attr(task, 'switchboard.provision_id')).toBe(id);
    }
    const ocsTask = tasks.find((x) => x.name === 'task 4 ocs.create_account');
    const ocsCall = s.find((x) => x.parentSpanId === ocsTask.spanId);
    expect(ocsCall, 'the OCS call under its task').toMatchObject({ name: 'ocs create_account', kind: 3 /* client */, traceId: runSpan.traceId });
    expect(attr(ocsCall, 'peer.service')).toBe('ocs');
    const mailTask = tasks.find((x) => x.name === 'task 6 mail.send');
    expect(s.some((x) => x.parentSpanId === mailTask.spanId && attr(x, 'peer.service') === 'mail')).toBe(true);
    // A request that names its caller's trace joins it.
    expect(s.some((x) => x.name === 'POST /api/provisions' && x.traceId === callerTrace && x.parentSpanId === '00f067aa0ba902b7')).toBe(true);
  });

  it('marks a failed task and its outside call as errors, with the code', async () => {
    const agent = await t.as('agent');
    await setSimulator(await t.as('admin'), 'ocs', { failure: 'unreachable' });
    const run = await assign(agent, mobile);
    const id = body(run.res).id as string;
    expect((await waitForEnd(agent, id)).status).toBe('failed');
    await setSimulator(await t.as('admin'), 'ocs', { failure: null });
    await t.app.tracing.flush();
    const s = receiver.spans;
    const runSpan = s.find((x) => x.name === 'provision mobile-new' && attr(x, 'switchboard.provision_id') === id);
    expect(runSpan.status).toMatchObject({ code: 2 /* error */ });
    expect(attr(runSpan, 'switchboard.error_code')).toBe('OCS_UNREACHABLE');
    const ocsTries = s.filter((x) => x.parentSpanId === runSpan.spanId && x.name === 'task 4 ocs.create_account');
    expect(ocsTries.length).toBe(3); // retries: 2
    for (const task of ocsTries) {
      expect(task.status.code).toBe(2);
      const call = s.find((x) => x.parentSpanId === task.spanId);
      expect(call.status.code).toBe(2);
      expect(attr(call, 'switchboard.error_code')).toBe('OCS_UNREACHABLE');
    }
  });
});

describe.skipIf(!usingPostgres())('metrics across processes (PostgreSQL, issue 12)', () => {
  let db: TestDatabase;
  let web: Proc;
  let worker: Proc;
  let workerMetrics: string;
  beforeAll(async () => {
    db = await freshDatabase();
    const port = await new Promise<number>((resolve) => {
      const probe = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const env = { DATABASE_URL: db.databaseUrl!, METRICS_TOKEN: token, RETRY_DELAY_SCALE: '0.01' };
    web = await startProcess('serve', { ...env, RUN_WORKFLOWS: 'off', WORKER_ID: 'web-1' });
    worker = await startProcess('worker', { ...env, WORKER_ID: 'worker-1', METRICS_PORT: String(port) });
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
  });
  afterAll(async () => {
    await worker?.kill();
    await web?.kill();
    await db?.drop();
  });

  it('each process counts what it did, labelled with its WORKER_ID; the sums agree with the database', async () => {
    const api = await apiClient(web.base!, { email: 'agent@switchboard.local', password: 'switchboard-agent' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const holder = `wizard-metrics-${i}`;
      const inventory: Record<string, number> = {};
      for (const template of mobile.templates) {
        const item = (await api('GET', `/api/inventory/available?template=${encodeURIComponent(template)}&limit=1`)).json.items[0];
        expect((await api('POST', `/api/inventory/items/${item.id}/reservations`, { holder })).status).toBe(201);
        inventory[template] = item.id;
      }
      const r = await api('POST', '/api/provisions', { customerId: mobile.customerId, product: mobile.product, reservation: holder, inventory }, { 'idempotency-key': holder });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      ids.push(r.json.id);
    }
    for (const id of ids) {
      for (const until = Date.now() + 30_000; ; ) {
        const p = (await api('GET', `/api/provisions/${id}`)).json;
        if (p.status === 'succeeded') break;
        expect(Date.now(), `${id} is ${p.status}`).toBeLessThan(until);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const read = async (url: string) => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return parsePrometheus(await res.text());
    };
    const [w, k] = [await read(`${web.base}/metrics`), await read(workerMetrics)];
    const succeeded = (m: Exposition, worker: string) => m.value('switchboard_runs_total', { outcome: 'succeeded', worker });
    expect(succeeded(w, 'web-1')).toBe(0); // the web process runs nothing
    const database = await openDatabase(loadConfig({ DATABASE_URL: db.databaseUrl! }));
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from provisions where status = 'succeeded'`.execute(database.db);
      expect(succeeded(w, 'web-1') + succeeded(k, 'worker-1')).toBe(rows[0]!.n);
      expect(rows[0]!.n).toBe(3);
    } finally {
      await database.close();
    }
    expect(w.value('switchboard_http_requests_total', { route: '/api/provisions', method: 'POST', status: '201', worker: 'web-1' })).toBe(3);
    expect(k.value('switchboard_external_calls_total', { system: 'ocs', outcome: 'ok', worker: 'worker-1' })).toBe(3);
    // The gauges of the whole system come from the process that serves HTTP, not from workers.
    expect(w.value('switchboard_queue_depth', { queue: 'interactive' })).toBe(0);
    expect(k.has('switchboard_queue_depth')).toBe(false);
  });
});
