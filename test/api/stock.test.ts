import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { systemCtx } from '../../src/users/actor.js';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

/**
 * The inventory page's API (issue 13, point 12: a summary per template, filters, paging) and the
 * quarantine of numbers freed by a terminated service (point 15, NUMBER_QUARANTINE_DAYS).
 */
let t: TestApp;
const clock = new ManualClock('2026-12-01T09:00:00Z');
beforeAll(async () => {
  t = await startTestApp({ clock, env: { NUMBER_QUARANTINE_DAYS: '90', BILLING_SCHEDULE: 'off' } });
});
afterAll(() => t?.close());

const JOHN = 100;
const summaryOf = async (agent: Client, template: string) => (body(await agent.get('/api/inventory/summary')).templates as any[]).find((s) => s.template.name === template);
const page = async (agent: Client, query: string) => {
  const res = await agent.get(`/api/inventory/items?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return body(res) as { items: any[]; total: number; limit: number; offset: number };
};

describe('the inventory summary and list (issue 13, point 12)', () => {
  it('counts each template by status now, as the items say, and follows a reservation and a retirement', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const before = await summaryOf(agent, 'CPE Modem');
    expect(before.counts).toEqual({ new: 0, in_stock: 40, reserved: 0, assigned: 0, retired: 0, quarantined: 0 });
    expect(before.available).toBe(40);
    expect(before.nextReturn).toBeNull();
    const all = body(await agent.get('/api/inventory/summary')).templates as any[];
    expect(all.map((s) => s.template.name)).toEqual(['CPE Modem', 'Landline Number', 'Mobile Number', 'SIM Card', 'Set-top Box']);
    expect(all.find((s) => s.template.name === 'SIM Card').counts.new).toBe(150);

    const { items } = await page(agent, 'template=CPE%20Modem&limit=2');
    expect((await agent.post(`/api/inventory/items/${items[0].id}/reservations`, { holder: 'wizard-summary-1' })).statusCode).toBe(201);
    expect((await admin.post(`/api/inventory/items/${items[1].id}/retire`)).statusCode).toBe(200);
    const after = await summaryOf(agent, 'CPE Modem');
    expect(after.counts).toMatchObject({ in_stock: 38, reserved: 1, retired: 1 });
    expect(after.available).toBe(38);

    // A hold that has run out counts as available again.
    clock.advance(16 * 60_000);
    expect((await summaryOf(agent, 'CPE Modem')).counts).toMatchObject({ in_stock: 39, reserved: 0, retired: 1 });
  });

  it('pages the list on the server with the total, and filters by template, status and a search of ICCID, number or serial', async () => {
    const agent = await t.as('agent');
    const first = await page(agent, 'template=SIM%20Card&limit=20');
    expect(first).toMatchObject({ total: 150, limit: 20, offset: 0 });
    expect(first.items).toHaveLength(20);
    const last = await page(agent, 'template=SIM%20Card&limit=20&offset=140');
    expect(last.total).toBe(150);
    expect(last.items).toHaveLength(10);
    expect(last.items.map((i) => i.id)).not.toContain(first.items[0].id);
    expect((await page(agent, 'template=SIM%20Card&limit=20&offset=1000')).items).toEqual([]);

    // Every template together: the total of the summary.
    const everything = await page(agent, 'limit=1');
    expect(everything.total).toBe(150 + 150 + 40 + 30 + 40);

    // By status: Mobile Number's demo stock is every third one in stock.
    expect((await page(agent, 'template=Mobile%20Number&status=in_stock&limit=1')).total).toBe(50);
    expect((await page(agent, 'template=Mobile%20Number&status=new&limit=1')).total).toBe(100);
    expect((await page(agent, 'template=CPE%20Modem&status=retired')).items.map((i) => i.templateName)).toEqual(['CPE Modem']);

    // Search: an ICCID (an attribute), a number written without its spaces, a serial.
    const byIccid = await page(agent, 'q=89440000000000000007');
    expect(byIccid.items.map((i) => i.reference)).toEqual(['SIM-00107']);
    const byNumber = await page(agent, 'q=7700900124');
    expect(byNumber.items.map((i) => i.reference)).toEqual(['+44 7700 900124']);
    const bySerial = await page(agent, `q=ZX${String(3 * 7919).padStart(8, '0')}`);
    expect(bySerial.items.map((i) => i.reference)).toEqual(['CPE-00003']);
    expect(bySerial.total).toBe(1);
  });

  it('answers 400 with the field for bad paging or filters, and 404 naming the templates for an unknown one', async () => {
    const agent = await t.as('agent');
    for (const [q, field] of [
      ['limit=0', 'querystring.limit'],
      ['limit=501', 'querystring.limit'],
      ['offset=-1', 'querystring.offset'],
      ['offset=abc', 'querystring.offset'],
      ['status=lost', 'querystring.status'],
    ] as const) {
      const res = await agent.get(`/api/inventory/items?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(body(res).error.code).toBe('VALIDATION_FAILED');
      expect(body(res).error.message).toContain(field);
    }
    const unknown = await agent.get('/api/inventory/items?template=Pager');
    expect(unknown.statusCode).toBe(404);
    expect(body(unknown).error.hint).toContain('SIM Card');
    expect((await t.anonymous.get('/api/inventory/summary')).statusCode).toBe(401);
  });
});

describe('a number freed by a terminated service is quarantined (issue 13, point 15)', () => {
  it('is held back NUMBER_QUARANTINE_DAYS with its date of return, cannot be reserved meanwhile, and is available after', async () => {
    clock.set('2026-12-01T09:00:00Z');
    const agent = await t.as('agent');
    const { res, items } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    expect(res.statusCode, res.body).toBe(201);
    const done = await waitForEnd(agent, body(res).id);
    expect(done.status).toBe('succeeded');
    const number = items['Mobile Number'];
    const sim = items['SIM Card'];

    clock.set('2026-12-10T12:00:00Z');
    const term = await agent.post(`/api/services/${done.service.id}/terminate`);
    expect(term.statusCode, term.body).toBe(200);
    const run = await waitForEnd(agent, body(term).id);
    expect(run.status).toBe('succeeded');
    const logs = body(await agent.get(`/api/provisions/${run.id}/logs`)).tasks.find((x: any) => x.action === 'inventory.release');
    expect(logs.log.map((l: any) => l.line).join('\n')).toContain('in quarantine until 2027-03-10');

    // The number: quarantined until 90 days later; the SIM card retired as before.
    const held = body(await agent.get(`/api/inventory/items/${number.id}`));
    expect(held).toMatchObject({ status: 'quarantined', quarantinedUntil: '2027-03-10T12:00:00.000Z', serviceId: null, customerId: null });
    expect(held.label).toContain('(Quarantined)');
    expect(body(await agent.get(`/api/inventory/items/${sim.id}`))).toMatchObject({ status: 'retired', quarantinedUntil: null });

    // Not offered, not reservable, not picked automatically, counted apart with its date of return.
    const offered = body(await agent.get(`/api/inventory/available?template=Mobile%20Number&q=${encodeURIComponent(number.reference)}`));
    expect(offered.items).toEqual([]);
    expect(offered.summary.quarantined).toBe(1);
    const refused = await agent.post(`/api/inventory/items/${number.id}/reservations`, { holder: 'wizard-quarantine-1' });
    expect(refused.statusCode).toBe(409);
    expect(body(refused).error).toMatchObject({ code: 'INVENTORY_UNAVAILABLE' });
    expect(body(refused).error.message).toContain('quarantine until 2027-03-10');
    const summary = await summaryOf(agent, 'Mobile Number');
    expect(summary.counts.quarantined).toBe(1);
    expect(summary.nextReturn).toBe('2027-03-10T12:00:00.000Z');
    const listed = await page(agent, 'template=Mobile%20Number&status=quarantined');
    expect(listed.total).toBe(1);
    expect(listed.items[0]).toMatchObject({ id: number.id, quarantinedUntil: '2027-03-10T12:00:00.000Z' });
    expect((await page(agent, `status=in_stock&q=${encodeURIComponent(number.reference)}`)).total).toBe(0);
    const picked = await t.app.services.inventory.reserveFromStockMany(systemCtx, 'Mobile Number', Array.from({ length: 150 }, (_, i) => `batch:test:${i}`), 60);
    expect([...picked.values()]).not.toContain(number.id);
    await t.app.services.inventory.releaseHolderPrefix(systemCtx, 'batch:test:');

    // A day before its return it is still held; from its date of return it is available again.
    clock.set('2027-03-09T12:00:00Z');
    expect(body(await agent.get(`/api/inventory/items/${number.id}`)).status).toBe('quarantined');
    clock.set('2027-03-10T12:00:01Z');
    expect(body(await agent.get(`/api/inventory/items/${number.id}`))).toMatchObject({ status: 'in_stock', quarantinedUntil: null });
    expect((await summaryOf(agent, 'Mobile Number')).counts.quarantined).toBe(0);
    const back = await agent.post(`/api/inventory/items/${number.id}/reservations`, { holder: 'wizard-quarantine-2' });
    expect(back.statusCode, back.body).toBe(201);
  });
});
