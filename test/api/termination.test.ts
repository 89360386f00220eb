import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceSetStatus } from '../../src/provisioning/actions/service-set-status.js';
import { ManualClock } from '../../src/shared/clock.js';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

/**
 * Termination billing (issue 13, point 16): the unused part of the current period credited pro
 * rata by day unless the product says not, the early termination charge inside the minimum term,
 * the quote staff see equal to what the run writes, and nothing written twice.
 */
let t: TestApp;
const clock = new ManualClock('2026-12-01T09:00:00Z');
beforeAll(async () => {
  t = await startTestApp({ clock, env: { BILLING_SCHEDULE: 'off', RETRY_DELAY_SCALE: '0.01' } });
});
afterAll(() => t?.close());

const JOHN = 100;
const ACME = 102;
const chargesOf = async (agent: Client, serviceId: number) => body(await agent.get(`/api/services/${serviceId}/charges`)).items as any[];
async function newService(agent: Client, customerId: number, product: string, extra: Record<string, unknown> = {}) {
  const { res } = await assign(agent, { customerId, product, templates: ['SIM Card', 'Mobile Number'], ...extra });
  expect(res.statusCode, res.body).toBe(201);
  const p = await waitForEnd(agent, body(res).id);
  expect(p.status).toBe('succeeded');
  return body(await agent.get(`/api/services/${p.service.id}`));
}
async function terminate(agent: Client, serviceId: number) {
  const res = await agent.post(`/api/services/${serviceId}/terminate`);
  expect(res.statusCode, res.body).toBe(200);
  const run = await waitForEnd(agent, body(res).id);
  expect(run.status).toBe('succeeded');
  return run;
}
const quoteOf = async (agent: Client, serviceId: number) => {
  const res = await agent.get(`/api/services/${serviceId}/termination-quote`);
  expect(res.statusCode, res.body).toBe(200);
  return body(res);
};

describe('terminating mid-period inside the minimum term', () => {
  it('credits the unused days pro rata and charges the early termination fee, as quoted; a replayed step writes nothing twice', async () => {
    clock.set('2026-12-01T09:00:00Z');
    const agent = await t.as('agent');
    // mobile-20gb: £15.00 a month, a 12-month minimum term, an early termination charge of £45.00.
    const service = await newService(agent, JOHN, 'mobile-20gb');
    expect(service).toMatchObject({ currentPeriodStart: '2026-12-01', currentPeriodEnd: '2027-01-01' });

    // Ten days used of 31: 21 unused, 1500 x 21 / 31 = 1016.13 -> 1016.
    clock.set('2026-12-11T10:00:00Z');
    const quote = await quoteOf(agent, service.id);
    expect(quote).toEqual({
      serviceId: service.id,
      asOf: '2026-12-11',
      currency: 'GBP',
      credit: { amount: 1016, unusedDays: 21, periodDays: 31, periodStart: '2026-12-01', periodEnd: '2027-01-01', charged: 1500 },
      creditReason: 'credited',
      earlyTermination: { amount: 4500, minimumTermEnd: '2027-12-01', contractMonths: 12 },
      total: 4500 - 1016,
    });

    const run = await terminate(agent, service.id);
    const charges = await chargesOf(agent, service.id);
    const credit = charges.filter((c) => c.kind === 'credit');
    const early = charges.filter((c) => c.kind === 'early_termination');
    expect(credit).toHaveLength(1);
    expect(credit[0]).toMatchObject({ amount: -quote.credit.amount, currency: 'GBP', status: 'pending', periodStart: '2026-12-11', periodEnd: '2027-01-01' });
    expect(credit[0].description).toContain('21 of 31 days unused');
    expect(early).toHaveLength(1);
    expect(early[0]).toMatchObject({ amount: quote.earlyTermination.amount, status: 'paid', attempts: 1 });
    const logs = body(await agent.get(`/api/provisions/${run.id}/logs`)).tasks.find((x: any) => x.action === 'service.set_status');
    expect(logs.log.map((l: any) => l.line).join('\n')).toMatch(/Credit: .*-£10\.16/);

    // The customer's month: charged 15.00 + 45.00 - 10.16, paid 60.00, owed back 10.16.
    const billing = body(await agent.get(`/api/customers/${JOHN}/billing`));
    const dec = billing.totals.find((x: any) => x.period === '2026-12');
    expect(dec.outstanding).toBeLessThanOrEqual(-1016);

    // The step replayed (a worker died after it committed; its status moved back by hand, so the
    // bill is settled again): the same credit and charge, collected once.
    const payments = async () => body(await agent.get(`/api/customers/${JOHN}/billing`)).payments.filter((p: any) => p.chargeId === early[0].id).length;
    expect(await payments()).toBe(1);
    const replay = () =>
      serviceSetStatus.run(
        { vars: { service: { id: service.id } }, deps: { services: t.app.services.services, billing: t.app.services.billing }, log: () => undefined, signal: new AbortController().signal } as any,
        { status: 'terminated', reason: 'staff' },
      );
    await replay();
    await t.app.database.db.updateTable('services').set({ status: 'active' }).where('id', '=', service.id).execute();
    await replay();
    const again = await chargesOf(agent, service.id);
    expect(again.filter((c) => c.kind === 'credit').map((c) => c.amount)).toEqual([-1016]);
    expect(again.filter((c) => c.kind === 'early_termination')).toHaveLength(1);
    expect(await payments()).toBe(1);

    // A terminated service has nothing more to quote; the credit cannot be collected.
    const after = await agent.get(`/api/services/${service.id}/termination-quote`);
    expect(after.statusCode).toBe(409);
    expect(body(after).error.code).toBe('INVALID_TRANSITION');
    const retry = await agent.post(`/api/charges/${credit[0].id}/retry`);
    expect(retry.statusCode).toBe(409);
    expect(body(retry).error.message).toContain('is a credit');
    expect((await agent.get('/api/services/99999/termination-quote')).statusCode).toBe(404);
    expect((await agent.get('/api/services/abc/termination-quote')).statusCode).toBe(400);
  });
});

describe('what the product says', () => {
  it('credits nothing when the product does not prorate, and still charges its early termination fee', async () => {
    clock.set('2026-12-01T09:00:00Z');
    const agent = await t.as('agent');
    // mobile-business-50gb: prorateOnTermination false, an early termination charge of £60.00.
    const service = await newService(agent, ACME, 'mobile-business-50gb', { customFields: { po_number: 'PO-2025-000777' } });
    clock.set('2026-12-05T10:00:00Z');
    const quote = await quoteOf(agent, service.id);
    expect(quote).toMatchObject({ credit: null, creditReason: 'product_says_no', earlyTermination: { amount: 6000, minimumTermEnd: '2028-12-01' }, total: 6000 });
    await terminate(agent, service.id);
    const charges = await chargesOf(agent, service.id);
    expect(charges.filter((c) => c.kind === 'credit')).toEqual([]);
    expect(charges.filter((c) => c.kind === 'early_termination').map((c) => c.amount)).toEqual([6000]);
  });

  it('charges no early termination fee once the minimum term is over, and credits what the quote said', async () => {
    clock.set('2026-12-01T09:00:00Z');
    const agent = await t.as('agent');
    const service = await newService(agent, JOHN, 'mobile-20gb');
    // Activated 13 months ago: its 12-month minimum term ended on 2026-11-20.
    await t.app.database.db.updateTable('services').set({ activatedAt: '2025-11-20T09:00:00Z' }).where('id', '=', service.id).execute();
    clock.set('2026-12-31T23:00:00Z');
    const quote = await quoteOf(agent, service.id);
    expect(quote).toMatchObject({ earlyTermination: null, credit: { amount: Math.round(1500 / 31), unusedDays: 1 }, total: -Math.round(1500 / 31) });
    await terminate(agent, service.id);
    const charges = await chargesOf(agent, service.id);
    expect(charges.filter((c) => c.kind === 'early_termination')).toEqual([]);
    expect(charges.filter((c) => c.kind === 'credit').map((c) => c.amount)).toEqual([-quote.credit.amount]);
  });

  it('is a product field an admin sets, checked like the others', async () => {
    const admin = await t.as('admin');
    const res = await admin.request('PATCH', '/api/products/mobile-unlimited', { prorateOnTermination: false, earlyTerminationFee: 9900 });
    expect(res.statusCode, res.body).toBe(200);
    expect(body(res)).toMatchObject({ prorateOnTermination: false, earlyTerminationFee: 9900, contractMonths: 24 });
    const bad = await admin.request('PATCH', '/api/products/mobile-unlimited', { earlyTerminationFee: -1 });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.message).toContain('earlyTerminationFee');
  });
});
