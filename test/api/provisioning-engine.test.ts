import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01', PLAYBOOKS_DIR: path.resolve('test/fixtures/playbooks') } });
  await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
  const admin = await t.as('admin');
  const product = (slug: string, playbook: string, extra: object = {}) =>
    admin.post('/api/products', {
      slug,
      name: slug,
      category: 'plan',
      serviceType: 'mobile',
      customerTypes: ['individual'],
      billing: 'recurring',
      setupFee: 0,
      recurringPrice: 100,
      currency: 'GBP',
      inventoryTemplates: ['SIM Card', 'Mobile Number'],
      playbook,
      ...extra,
    });
  expect((await product('test-deadline', 'test-short-deadline')).statusCode).toBe(201);
  const rb = await product('test-rollback', 'test-rollback', { customFields: [{ name: 'note', label: 'Note' }] });
  expect(rb.statusCode, rb.body).toBe(201);
});
afterAll(() => t?.close());

const JOHN = 100;
const n = async (q: ReturnType<typeof sql>) => Number((await sql<{ n: number }>`select count(*)::int as n from (${q}) x`.execute(t.app.database.db)).rows[0]!.n);

/** Reads an SSE stream until `stop` says so; returns the events as { event, id, data }. */
async function readEvents(url: string, cookie: string, stop: (e: { event: string; data: any }) => boolean, timeoutMs = 20_000) {
  const res = await fetch(url, { headers: { cookie }, signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: { event: string; id?: number; data: any }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields = Object.fromEntries(chunk.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      if (!fields.event) continue;
      const e = { event: fields.event, ...(fields.id && { id: Number(fields.id) }), data: JSON.parse(fields.data ?? "null") };
      events.push(e);
      if (stop(e)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

describe('live progress (R7.2)', () => {
  it('streams every task change in order, and the polling route shows the same', async () => {
    const agent = await t.as('agent');
    const signIn = await t.anonymous.post('/api/session', { email: 'agent@switchboard.local', password: 'switchboard-agent' });
    const cookie = `sb_session=${signIn.cookies.find((c) => c.name === 'sb_session')!.value}`;
    const admin = await t.as('admin');
    await setSimulator(admin, 'ocs', { latencyMs: 150 });
    const { res } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const id = body(res).id;
    // This process's moves tell the hub the events they wrote, each with the one before it.
    const heard: any[] = [];
    const off = t.app.hub.subscribe(id, (written) => heard.push(...(written ?? [])));
    // Read as the console does: until a progress snapshot shows the run ended.
    const events = await readEvents(`${base}/api/provisions/${id}/events`, cookie, (e) => e.event === 'progress' && ['succeeded', 'failed'].includes(e.data.status));
    await setSimulator(admin, 'ocs', { latencyMs: 0 });

    expect(events[0]!.event).toBe('progress');
    const changes = events.filter((e) => e.event === 'task' || e.event === 'provision');
    const ids = changes.map((e) => e.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const steps = changes.map((e) => (e.data.taskSeq === null ? `run ${e.data.status}` : `${e.data.taskSeq} ${e.data.status}`));
    expect(steps).toEqual([
      'run queued',
      'run running',
      ...[1, 2, 3, 4, 5, 6].flatMap((s) => [`${s} running`, `${s} succeeded`]),
      'run succeeded',
    ]);
    // Each change as the database holds it, whether the stream read it or heard it from this process's ledger.
    const stored = await t.app.services.provisioning.events(id, 0);
    expect(changes.map((e) => e.data)).toEqual(stored);
    off();
    expect(heard.length).toBeGreaterThanOrEqual(12);
    const tail = stored.slice(stored.length - heard.length);
    expect(heard.map(({ prev: _prev, ...e }) => e)).toEqual(tail);
    expect(heard.map((e) => e.prev)).toEqual(stored.slice(stored.length - heard.length - 1, -1).map((e) => e.id));
    // The snapshots follow the changes, ending where the polling route is.
    const lastSnapshot = events.filter((e) => e.event === 'progress').at(-1)!.data;
    const polled = body(await agent.get(`/api/provisions/${id}`));
    expect(polled.status).toBe('succeeded');
    expect(lastSnapshot.summary).toBe('6 of 6 tasks completed');
    expect(lastSnapshot.tasks).toEqual(polled.tasks);

    // Reconnecting with Last-Event-ID resumes after it, with nothing repeated.
    const middle = ids[5]!;
    const resumed = await fetch(`${base}/api/provisions/${id}/events`, { headers: { cookie, 'last-event-id': String(middle) }, signal: AbortSignal.timeout(1500) })
      .then(async (r) => {
        const text: string[] = [];
        const reader = r.body!.getReader();
        const dec = new TextDecoder();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            text.push(dec.decode(value));
            if (text.join('').includes('"status":"succeeded","message":"Completed"')) break;
          }
        } catch {
          /* timed out */
        }
        await reader.cancel().catch(() => undefined);
        return text.join('');
      });
    const resumedIds = [...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(resumedIds).toEqual(ids.filter((x) => x > middle));
  });

  it('answers the consoles asking at one moment together, each with its own run (R7.2)', async () => {
    const agent = await t.as('agent');
    const provisioning = t.app.services.provisioning;
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) {
      const { res } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(body(res).id);
    }
    for (const id of ids) expect((await waitForEnd(agent, id)).status).toBe('succeeded');
    const expected = await Promise.all(ids.map((id) => provisioning.progress(id)));
    const history = await Promise.all(ids.map((id) => provisioning.events(id, 0)));
    for (const id of ids) t.app.hub.changed(id); // nothing cached: every poll below must read

    const reads = vi.spyOn(provisioning, 'progressMany');
    const missing = '00000000-0000-4000-8000-000000000000';
    const polls = await Promise.allSettled(Array.from({ length: 30 }, (_, k) => provisioning.polledProgressJson(k % 4 === 3 ? missing : ids[k % 4]!)));
    // Thirty polls of three runs and one that does not exist: one query.
    expect(reads).toHaveBeenCalledTimes(1);
    expect([...reads.mock.calls[0]![0]].sort()).toEqual([...ids, missing].sort());
    reads.mockRestore();
    polls.forEach((p, k) => {
      if (k % 4 === 3) {
        expect(p.status).toBe('rejected');
        expect((p as PromiseRejectedResult).reason.code).toBe('NOT_FOUND');
      } else {
        expect(p.status).toBe('fulfilled');
        expect(JSON.parse((p as PromiseFulfilledResult<string>).value)).toEqual(JSON.parse(JSON.stringify(expected[k % 4])));
      }
    });

    // Event streams of several runs, each after its own last event, read together.
    const after = [0, history[0]![4]!.id, history[1]!.at(-1)!.id, history[2]![1]!.id, 0];
    const of = [ids[0]!, ids[0]!, ids[1]!, ids[2]!, missing];
    const streams = await Promise.all(of.map((id, k) => provisioning.polledEvents(id, after[k]!)));
    expect(streams[0]).toEqual(history[0]);
    expect(streams[1]).toEqual(history[0]!.slice(5));
    expect(streams[2]).toEqual([]);
    expect(streams[3]).toEqual(history[2]!.slice(2));
    expect(streams[4]).toEqual([]);
  });

  it('answers 404 for a run that does not exist, before any stream opens', async () => {
    const agent = await t.as('agent');
    const res = await agent.get('/api/provisions/00000000-0000-4000-8000-000000000000/events');
    expect(res.statusCode).toBe(404);
  });
});

describe('deadline (R8.4)', () => {
  it('ends a run past its deadline as timed_out, with a clear error, and a retry can finish it', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    await setSimulator(admin, 'ocs', { failure: 'timeout' });
    const { res } = await assign(agent, { customerId: JOHN, product: 'test-deadline', templates: ['SIM Card', 'Mobile Number'] });
    expect(res.statusCode, res.body).toBe(201);
    const started = Date.now();
    const p = await waitForEnd(agent, body(res).id);
    const took = Date.now() - started;
    await setSimulator(admin, 'ocs', { failure: null });
    expect(p.status).toBe('timed_out');
    expect(p.error).toMatchObject({ code: 'PROVISIONING_TIMED_OUT', task: 'Configure OCS account' });
    expect(p.error.message).toMatch(/did not finish within 2 s/);
    expect(took).toBeLessThan(15_000); // the task's own timeout is 60 s: the deadline stopped it
    expect(p.service.status).toBe('failed');
    await agent.post(`/api/provisions/${p.id}/retry`);
    expect((await waitForEnd(agent, p.id)).status).toBe('succeeded');
  });
});

describe('playbook options', () => {
  it('on_failure: rollback undoes every task that can be undone, in reverse; `when` skips a task', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    await setSimulator(admin, 'radius', { failure: 'error' });
    const { res, items } = await assign(agent, { customerId: JOHN, product: 'test-rollback', templates: ['SIM Card', 'Mobile Number'] });
    const p = await waitForEnd(agent, body(res).id);
    await setSimulator(admin, 'radius', { failure: null });
    expect(p.status).toBe('failed');
    expect(p.tasks.map((x: any) => x.status)).toEqual(['rolled_back', 'rolled_back', 'skipped', 'failed', 'pending']);
    const account = body(await agent.get(`/api/services/${p.service.id}`)).ocsAccount;
    expect(await n(sql`select 1 from sim_ocs_accounts where account = ${account}`)).toBe(0);
    expect(await n(sql`select 1 from sim_network_elements where kind = 'hlr' and key = ${items['SIM Card'].attributes.imsi}`)).toBe(0);
    const logs = body(await agent.get(`/api/provisions/${p.id}/logs`));
    const undone = logs.events.filter((e: any) => e.status === 'rolled_back').map((e: any) => e.taskSeq);
    expect(undone).toEqual([2, 1]);

    // The retry redoes the rolled-back tasks and finishes.
    await agent.post(`/api/provisions/${p.id}/retry`);
    const done = await waitForEnd(agent, p.id);
    expect(done.status).toBe('succeeded');
    expect(done.tasks.map((x: any) => x.status)).toEqual(['succeeded', 'succeeded', 'skipped', 'succeeded', 'succeeded']);
    expect(await n(sql`select 1 from sim_ocs_accounts where account = ${account}`)).toBe(1);
  });
});

describe('a run whose group ended without it (R8.4)', () => {
  it('is marked failed with a message by the reconciler, and can be retried', async () => {
    const agent = await t.as('agent');
    const { res } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const id = body(res).id;
    await waitForEnd(agent, id);
    // As if the engine had lost the end of it: the run still says running, its group is over and
    // no worker holds it, its last task never done.
    const db = t.app.database.db;
    await sql`update provisions set status = 'running', finished_at = null where id = ${id}`.execute(db);
    await sql`update provision_tasks set status = 'running' where provision_id = ${id} and seq = 6`.execute(db);
    await sql`update services set status = 'provisioning' where id = (select service_id from provisions where id = ${id})`.execute(db);

    expect(await t.app.engine.reconcile()).toBe(1);
    const p = body(await agent.get(`/api/provisions/${id}`));
    expect(p.status).toBe('failed');
    expect(p.error).toMatchObject({ code: 'ENGINE_ERROR', message: 'The provisioning engine stopped this run unexpectedly.' });
    expect(p.service.status).toBe('failed');
    await agent.post(`/api/provisions/${id}/retry`, { attempt: 1 });
    expect((await waitForEnd(agent, id)).status).toBe('succeeded');
  });
});

describe('a run nobody is working on (R8.4)', () => {
  it('is timed out by the reconciler two minutes past its deadline, and its late steps change nothing (R8.4)', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    await setSimulator(admin, 'ocs', { latencyMs: 2500 });
    const { res } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const id = body(res).id;
    const until = Date.now() + 10_000;
    while (body(await agent.get(`/api/provisions/${id}`)).tasks[3].status !== 'running' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    // As if every worker had died long ago: the deadline is far behind.
    await sql`update provisions set deadline_at = now() - interval '10 minutes' where id = ${id}`.execute(t.app.database.db);
    expect(await t.app.engine.reconcile()).toBeGreaterThanOrEqual(1);
    const p = body(await agent.get(`/api/provisions/${id}`));
    expect(p.status).toBe('timed_out');
    expect(p.error.message).toMatch(/no process is working on it/);
    expect(p.service.status).toBe('failed');
    await setSimulator(admin, 'ocs', { latencyMs: 0 });
    await new Promise((r) => setTimeout(r, 3500)); // the in-flight step ends; it must not revive the run
    expect(body(await agent.get(`/api/provisions/${id}`)).status).toBe('timed_out');
    await agent.post(`/api/provisions/${id}/retry`, { attempt: 1 });
    expect((await waitForEnd(agent, id)).status).toBe('succeeded');
  });
});
