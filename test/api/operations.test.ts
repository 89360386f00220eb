import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

/**
 * Issue 12, items 3 and 4: the operations page's figures (runs by outcome in their buckets,
 * failures by task and by outside system, durations, queue depth, stock) and the failed-run triage
 * (the list, Retry selected and Cancel selected by IDs or by filter, each run answered for).
 */
let t: TestApp;
let admin: Client;
let agent: Client;
let viewer: Client;
beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01' } });
  [admin, agent, viewer] = [await t.as('admin'), await t.as('agent'), await t.as('viewer')];
});
afterAll(() => t?.close());

const JOHN = 100;
const MOBILE = { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] };

const one = async <T = number>(q: ReturnType<typeof sql>) => (await q.execute(t.app.database.db)).rows[0] as T;
const retryAudits = async (id: string) => (await one<{ n: number }>(sql`select count(*)::int as n from audit_events where action = 'provision.retry' and entity_id = ${id}`)).n;

/** Starts `n` mobile lines one after the other; returns their provisioning IDs. */
async function start(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { res } = await assign(agent, MOBILE);
    expect(res.statusCode, res.body).toBe(201);
    ids.push(body(res).id);
  }
  return ids;
}

/** `n` runs that end as they end (succeeded, or failed with the OCS unreachable). */
async function runs(n: number, ocs: 'up' | 'down'): Promise<any[]> {
  if (ocs === 'down') await setSimulator(admin, 'ocs', { failure: 'unreachable' });
  try {
    const ids = await start(n);
    return await Promise.all(ids.map((id) => waitForEnd(agent, id)));
  } finally {
    if (ocs === 'down') await setSimulator(admin, 'ocs', { failure: null });
  }
}

/** When a run's attempt ended, as the run-level event says (what the charts count). */
async function endedAt(id: string, status: string): Promise<string[]> {
  const logs = body(await agent.get(`/api/provisions/${id}/logs`));
  return logs.events.filter((e: any) => e.taskSeq === null && e.status === status).map((e: any) => e.occurredAt);
}

const bucketOf = (iso: string, from: string, seconds: number) => new Date(new Date(from).getTime() + Math.floor((new Date(iso).getTime() - new Date(from).getTime()) / (seconds * 1000)) * seconds * 1000).toISOString();

describe('the operations overview (issue 12)', () => {
  let succeeded: any[];
  let failed: any[];

  beforeAll(async () => {
    succeeded = await runs(2, 'up');
    failed = await runs(3, 'down');
  });

  it('counts each run in the bucket its end falls in, by outcome, over the last hour and the last day', async () => {
    expect(succeeded.map((p) => p.status)).toEqual(['succeeded', 'succeeded']);
    expect(failed.map((p) => p.status)).toEqual(['failed', 'failed', 'failed']);
    for (const [window, seconds, buckets] of [['hour', 60, 60], ['day', 900, 96]] as const) {
      const o = body(await viewer.get(`/api/operations/overview?window=${window}`));
      expect(o.window).toBe(window);
      expect(o.bucketSeconds).toBe(seconds);
      expect(o.runs).toHaveLength(buckets);
      expect(new Date(o.to).getTime() - new Date(o.from).getTime()).toBe(seconds * buckets * 1000);
      expect(o.totals).toEqual({ succeeded: 2, failed: 3, timed_out: 0, cancelled: 0 });

      // Each bucket holds exactly the runs whose end event falls in it.
      const expected = new Map<string, { succeeded: number; failed: number }>();
      for (const [status, list] of [['succeeded', succeeded], ['failed', failed]] as const) {
        for (const p of list) {
          for (const at of await endedAt(p.id, status)) {
            const key = bucketOf(at, o.from, seconds);
            const e = expected.get(key) ?? { succeeded: 0, failed: 0 };
            e[status]++;
            expected.set(key, e);
          }
        }
      }
      for (const b of o.runs) {
        const e = expected.get(new Date(b.at).toISOString()) ?? { succeeded: 0, failed: 0 };
        expect({ at: b.at, succeeded: b.succeeded, failed: b.failed, timed_out: b.timed_out, cancelled: b.cancelled }).toEqual({ at: b.at, ...e, timed_out: 0, cancelled: 0 });
      }

      // Durations where runs ended, p50 <= p95; none elsewhere.
      const timed = o.durations.filter((d: any) => d.runs > 0);
      expect(timed.reduce((n: number, d: any) => n + d.runs, 0)).toBe(5);
      for (const d of timed) {
        expect(d.p50).toBeGreaterThanOrEqual(0);
        expect(d.p95).toBeGreaterThanOrEqual(d.p50);
      }
      expect(o.durations.filter((d: any) => d.runs === 0).every((d: any) => d.p50 === null && d.p95 === null)).toBe(true);

      // The three failures: at "Configure OCS account", the OCS's fault.
      expect(o.failuresByTask).toEqual([{ playbook: 'mobile-new', task: 'Configure OCS account', action: 'ocs.create_account', count: 3 }]);
      expect(o.failuresBySystem).toEqual([{ system: 'ocs', count: 3 }]);

      // Nothing waits now; while they ran, the queue held them.
      expect(o.queueNow).toEqual({ queued: 0, running: 0 });
      expect(o.queue.at(-1)).toMatchObject({ queued: 0, running: 0 });
      expect(Math.max(...o.queue.map((q: any) => q.peakQueued))).toBeGreaterThanOrEqual(1);
      expect(Math.max(...o.queue.map((q: any) => q.peakRunning))).toBeGreaterThanOrEqual(1);
      expect(o.queue.every((q: any) => q.queued >= 0 && q.running >= 0 && q.peakQueued >= q.queued && q.peakRunning >= q.running)).toBe(true);
    }
  });

  it('says the stock available per template now, and which is low against its threshold', async () => {
    const { threshold } = await one<{ threshold: number | null }>(sql`select low_stock_threshold as threshold from inventory_templates where name = 'SIM Card'`);
    await sql`update inventory_templates set low_stock_threshold = 100000 where name = 'SIM Card'`.execute(t.app.database.db);
    try {
      const o = body(await viewer.get('/api/operations/overview'));
      const sims = body(await agent.get('/api/inventory/available?template=SIM%20Card&limit=1'));
      const sim = o.stock.find((s: any) => s.template === 'SIM Card');
      expect(sim).toMatchObject({ available: sims.available, threshold: 100000, low: true });
      const numbers = o.stock.find((s: any) => s.template === 'Mobile Number');
      expect(numbers.low).toBe(false);
      expect(o.stock.map((s: any) => s.template)).toEqual([...o.stock.map((s: any) => s.template)].sort());
    } finally {
      await sql`update inventory_templates set low_stock_threshold = ${threshold} where name = 'SIM Card'`.execute(t.app.database.db);
    }
  });

  it('refuses a window it does not know, with the field and a hint', async () => {
    const res = await viewer.get('/api/operations/overview?window=week');
    expect(res.statusCode).toBe(400);
    expect(body(res).error).toMatchObject({ code: 'VALIDATION_FAILED', hint: expect.any(String) });
    expect(body(res).error.message).toMatch(/^querystring\.window/);
    expect((await t.anonymous.get('/api/operations/overview')).statusCode).toBe(401);
  });
});

describe('failed-run triage (issue 12)', () => {
  it('lists failed runs with their task, system and code, filtered, a page at a time, with the filters\' values', async () => {
    const failed = await runs(2, 'down');
    const list = body(await viewer.get('/api/provisions/triage?state=failed&errorCode=OCS_UNREACHABLE&playbook=mobile-new'));
    const ids = list.items.map((r: any) => r.id);
    for (const p of failed) expect(ids).toContain(p.id);
    const row = list.items.find((r: any) => r.id === failed[0].id);
    expect(row).toMatchObject({
      status: 'failed',
      playbook: 'mobile-new',
      customer: { id: JOHN, name: 'John Smith' },
      task: { seq: 4, name: 'Configure OCS account', label: 'Configure OCS account', action: 'ocs.create_account' },
      system: 'ocs',
      error: { code: 'OCS_UNREACHABLE', message: 'Unable to connect to OCS' },
      service: { status: 'failed' },
      batch: null,
    });
    expect(list.facets.errorCodes).toContainEqual({ value: 'OCS_UNREACHABLE', count: list.total });
    expect(list.facets.tasks.map((f: any) => f.value)).toContain('Configure OCS account');
    // The most recent first; a page of one, then the next.
    expect(list.items.map((r: any) => r.since)).toEqual([...list.items.map((r: any) => r.since)].sort().reverse());
    const first = body(await viewer.get('/api/provisions/triage?state=failed&limit=1'));
    const second = body(await viewer.get('/api/provisions/triage?state=failed&limit=1&offset=1'));
    expect(first.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(first.total).toBe(second.total);
    // The task filter takes the name the list gives; age filters cut by when they failed.
    expect(body(await viewer.get(`/api/provisions/triage?task=${encodeURIComponent('Configure OCS account')}`)).total).toBe(list.total);
    expect(body(await viewer.get('/api/provisions/triage?state=failed&olderThanMinutes=60')).total).toBe(0);
    expect(body(await viewer.get('/api/provisions/triage?state=failed&newerThanMinutes=60')).total).toBe(first.total);
    expect(body(await viewer.get(`/api/provisions/triage?batchId=${randomUUID()}`)).total).toBe(0);
  });

  it('lists a run running longer than the limit, with the task under way, and neither retries nor cancels it', async () => {
    await setSimulator(admin, 'ocs', { latencyMs: 3000 });
    try {
      const id = (await start(1))[0]!;
      for (let i = 0; i < 100 && body(await agent.get(`/api/provisions/${id}`)).tasks[3].status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
      // It has been running for 30 minutes, as far as the list can tell.
      await sql`update provisions set started_at = started_at - interval '30 minutes' where id = ${id}`.execute(t.app.database.db);
      const list = body(await viewer.get('/api/provisions/triage?state=running&longerThanMinutes=10'));
      expect(list.items.map((r: any) => r.id)).toEqual([id]);
      expect(list.items[0]).toMatchObject({ status: 'running', task: { name: 'Configure OCS account', action: 'ocs.create_account' }, system: null, error: null });
      expect(list.items[0].ageSeconds).toBeGreaterThanOrEqual(30 * 60);
      expect(body(await viewer.get('/api/provisions/triage?state=running&longerThanMinutes=60')).total).toBe(0);

      const retried = body(await agent.post('/api/provisions/retry', { ids: [id] }));
      expect(retried).toMatchObject({ done: 0, skipped: 1, results: [{ id, outcome: 'skipped', status: 'running', code: 'INVALID_TRANSITION' }] });
      const cancelled = body(await agent.post('/api/provisions/cancel', { ids: [id] }));
      expect(cancelled.results[0]).toMatchObject({ id, outcome: 'skipped', status: 'running', code: 'INVALID_TRANSITION' });
      expect((await waitForEnd(agent, id)).status).toBe('succeeded');
    } finally {
      await setSimulator(admin, 'ocs', { latencyMs: 0 });
    }
  });

  it('Retry selected over failed and succeeded runs retries only the failed, says why not for the others, and never twice', async () => {
    const failed = await runs(3, 'down');
    const [ok] = await runs(1, 'up');
    const missing = randomUUID();
    const [f1, f2, f3] = failed.map((p) => p.id);

    // The same request twice (a double click): each failed run gets one new attempt.
    const attempts = { [f1]: 1, [f2]: 1 };
    const first = await agent.post('/api/provisions/retry', { ids: [f1, ok.id, f2, missing, f1], attempts });
    expect(first.statusCode, first.body).toBe(200);
    expect(body(first)).toEqual({
      done: 2,
      skipped: 2,
      more: false,
      results: [
        { id: f1, outcome: 'retried', attempt: 2 },
        { id: ok.id, outcome: 'skipped', status: 'succeeded', code: 'INVALID_TRANSITION', reason: expect.stringMatching(/succeeded; it cannot become queued/), hint: expect.any(String) },
        { id: f2, outcome: 'retried', attempt: 2 },
        { id: missing, outcome: 'skipped', status: null, code: 'NOT_FOUND', reason: `Provisioning ${missing} was not found.`, hint: expect.any(String) },
      ],
    });
    const again = body(await agent.post('/api/provisions/retry', { ids: [f1, f2], attempts }));
    expect(again.done).toBe(0);
    expect(again.results).toEqual([
      expect.objectContaining({ id: f1, outcome: 'skipped', code: 'ALREADY_RETRIED' }),
      expect.objectContaining({ id: f2, outcome: 'skipped', code: 'ALREADY_RETRIED' }),
    ]);
    // Without the attempts, at the same time: one of the two retries it, the other finds it queued (or further on).
    const both = await Promise.all([agent.post('/api/provisions/retry', { ids: [f3] }), agent.post('/api/provisions/retry', { ids: [f3] })]);
    const outcomes = both.map((r) => body(r).results[0]);
    expect(outcomes.filter((o) => o.outcome === 'retried')).toHaveLength(1);
    expect(outcomes.find((o) => o.outcome === 'skipped').code).toMatch(/^(ALREADY_QUEUED|INVALID_TRANSITION)$/);

    for (const id of [f1, f2, f3]) {
      expect((await waitForEnd(agent, id)).status).toBe('succeeded');
      expect(await retryAudits(id)).toBe(1);
    }
    expect(await retryAudits(ok.id)).toBe(0);
  });

  it('Retry selected by filter retries what the triage list shows for those filters', async () => {
    const failed = await runs(2, 'down');
    const filter = { state: ['failed'], errorCode: 'OCS_UNREACHABLE', playbook: 'mobile-new' };
    const shown = body(await agent.get('/api/provisions/triage?state=failed&errorCode=OCS_UNREACHABLE&playbook=mobile-new')).items.map((r: any) => r.id);
    for (const p of failed) expect(shown).toContain(p.id);
    const res = body(await agent.post('/api/provisions/retry', { filter }));
    expect(res.more).toBe(false);
    expect(res.results.map((r: any) => r.id).sort()).toEqual([...shown].sort());
    expect(res.results.every((r: any) => r.outcome === 'retried')).toBe(true);
    expect(res.done).toBe(shown.length);
    for (const p of failed) expect((await waitForEnd(agent, p.id)).status).toBe('succeeded');
    // Nothing matches any more: the same filter again does nothing.
    expect(body(await agent.post('/api/provisions/retry', { filter }))).toEqual({ done: 0, skipped: 0, more: false, results: [] });
  });

  it('Retry selected for "all matching" acts on what the list showed (its asOf), not on runs that failed since', async () => {
    const [before] = await runs(1, 'down');
    const list = body(await agent.get('/api/provisions/triage?state=failed&errorCode=OCS_UNREACHABLE'));
    expect(list.items.map((r: any) => r.id)).toContain(before.id);
    expect(Date.parse(list.asOf)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    const [since] = await runs(1, 'down');
    const res = body(await agent.post('/api/provisions/retry', { filter: { state: ['failed'], errorCode: 'OCS_UNREACHABLE', asOf: list.asOf } }));
    const acted = res.results.map((r: any) => r.id);
    expect(acted).toContain(before.id);
    expect(acted).not.toContain(since.id);
    expect(body(await agent.get(`/api/provisions/${since.id}`)).status).toBe('failed');
    expect((await waitForEnd(agent, before.id)).status).toBe('succeeded');
    // Left for the next look: the run that failed after the list was read.
    expect(body(await agent.post('/api/provisions/retry', { ids: [since.id] })).results[0]).toMatchObject({ id: since.id, outcome: 'retried' });
    expect((await waitForEnd(agent, since.id)).status).toBe('succeeded');
  });

  it('Cancel selected cancels failed runs (their service, their inventory), and says why not for the others', async () => {
    const failed = await runs(2, 'down');
    const [ok] = await runs(1, 'up');
    const [a, b] = failed.map((p) => p.id);
    const held = (await t.app.database.db.selectFrom('inventoryItems').select(['id']).where('provisionId', '=', a).execute()).map((i) => i.id);
    expect(held).toHaveLength(2);

    const res = body(await agent.post('/api/provisions/cancel', { ids: [a, b, ok.id] }));
    expect(res).toMatchObject({ done: 2, skipped: 1, more: false });
    expect(res.results).toEqual([
      { id: a, outcome: 'cancelled', inventoryReleased: 2 },
      { id: b, outcome: 'cancelled', inventoryReleased: 2 },
      expect.objectContaining({ id: ok.id, outcome: 'skipped', status: 'succeeded', code: 'INVALID_TRANSITION' }),
    ]);
    for (const id of [a, b]) {
      const p = body(await agent.get(`/api/provisions/${id}`));
      expect(p.status).toBe('cancelled');
      expect(p.service.status).toBe('cancelled');
    }
    for (const id of held) expect(body(await agent.get(`/api/inventory/items/${id}`)).status).toMatch(/^(new|in_stock)$/);
    const audits = await one<{ n: number }>(sql`select count(*)::int as n from audit_events where action = 'provision.cancel' and entity_id in (${a}, ${b})`);
    expect(audits.n).toBe(2);
    // Again: already cancelled, nothing more.
    const again = body(await agent.post('/api/provisions/cancel', { ids: [a] }));
    expect(again.results).toEqual([{ id: a, outcome: 'skipped', status: 'cancelled', code: 'ALREADY_CANCELLED', reason: expect.any(String), hint: null }]);
    // Retrying a cancelled run: it stays cancelled.
    expect(body(await agent.post('/api/provisions/retry', { ids: [a] })).results[0]).toMatchObject({ outcome: 'skipped', status: 'cancelled', code: 'INVALID_TRANSITION' });

    // The overview counts the cancels.
    expect(body(await viewer.get('/api/operations/overview')).totals.cancelled).toBeGreaterThanOrEqual(2);
  });

  it('lets a viewer read the list but not retry or cancel (403), and refuses bad input with a 400 that changes nothing', async () => {
    const [f] = await runs(1, 'down');
    expect((await viewer.get('/api/provisions/triage')).statusCode).toBe(200);
    for (const path of ['/api/provisions/retry', '/api/provisions/cancel']) {
      const res = await viewer.post(path, { ids: [f.id] });
      expect(res.statusCode).toBe(403);
      expect(body(res).error.code).toBe('FORBIDDEN');
      expect((await t.anonymous.post(path, { ids: [f.id] })).statusCode).toBe(401);
    }

    const tooMany = Array.from({ length: 1001 }, () => randomUUID());
    const bad: [string, unknown, RegExp][] = [
      ['/api/provisions/retry', { ids: [f.id, ...tooMany] }, /^body\.ids: at most 1,000 IDs at once; for more, send a filter/],
      ['/api/provisions/retry', { ids: [f.id], filter: { state: ['failed'] } }, /^body: send either "ids"/],
      ['/api/provisions/cancel', {}, /^body: send either "ids"/],
      ['/api/provisions/retry', { ids: ['not-a-uuid'] }, /^body\.ids\.0/],
      ['/api/provisions/retry', { ids: [] }, /^body\.ids/],
      ['/api/provisions/retry', { filter: { status: 'failed' } }, /^body\.filter/],
      ['/api/provisions/cancel', { filter: { state: ['broken'] } }, /^body\.filter\.state\.0/],
      ['/api/provisions/retry', { filter: { errorCode: 'ocs unreachable' } }, /^body\.filter\.errorCode: an error code in capitals/],
      ['/api/provisions/retry', { filter: { olderThanMinutes: 0 } }, /^body\.filter\.olderThanMinutes/],
      ['/api/provisions/retry', { ids: [f.id], attempts: { 'not-a-uuid': 1 } }, /^body\.attempts/],
    ];
    for (const [path, payload, message] of bad) {
      const res = await agent.post(path, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 100)).toBe(400);
      const e = body(res).error;
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.message).toMatch(message);
      expect(e.hint).toEqual(expect.any(String));
    }
    for (const query of ['state=bogus', 'state=failed,', 'limit=0', 'limit=201', 'offset=-1', 'longerThanMinutes=0', 'batchId=nope', 'errorCode=lower']) {
      const res = await viewer.get(`/api/provisions/triage?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(body(res).error).toMatchObject({ code: 'VALIDATION_FAILED', hint: expect.any(String) });
    }
    // Nothing was retried or cancelled by any of them.
    const now = body(await agent.get(`/api/provisions/${f.id}`));
    expect(now).toMatchObject({ status: 'failed', attempt: 1 });
    expect(await retryAudits(f.id)).toBe(0);
  });
});
