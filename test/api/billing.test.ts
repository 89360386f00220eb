import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

/**
 * Billing and the service lifecycle (issue 5, R5.1, R9.3), with the one clock moved forward.
 * Dunning: declined charges are tried again 1, 3 and 5 days later, then the service is suspended.
 */
let t: TestApp;
const clock = new ManualClock('2026-12-01T09:00:00Z');
beforeAll(async () => {
  t = await startTestApp({ clock, env: { RETRY_DELAY_SCALE: '0.01', DUNNING_SCHEDULE: '1d,3d,5d', BILLING_SCHEDULE: 'off' } });
});
afterAll(() => t?.close());

const JOHN = 100;
const AMIT = 105; // his card ends 0002: the test gateway declines it
const MARIA = 104;
const day = 86_400_000;

async function runBilling() {
  const res = await (await t.as('admin')).post('/api/billing/run?wait=true');
  expect(res.statusCode, res.body).toBe(200);
  return body(res) as { renewals: string[]; retries: string[]; results: Record<string, unknown> };
}
const chargesOf = async (agent: Client, serviceId: number) => body(await agent.get(`/api/services/${serviceId}/charges`)).items as any[];
async function newService(agent: Client, customerId: number, product = 'mobile-20gb', extra: Record<string, unknown> = {}) {
  const { res, items } = await assign(agent, { customerId, product, templates: ['SIM Card', 'Mobile Number'], ...extra });
  expect(res.statusCode, res.body).toBe(201);
  const p = await waitForEnd(agent, body(res).id);
  expect(p.status).toBe('succeeded');
  return { service: body(await agent.get(`/api/services/${p.service.id}`)), items };
}
/** The lifecycle run a billing step started, followed to its end. */
async function lastLifecycleRun(agent: Client, serviceId: number) {
  const runs = body(await agent.get(`/api/provisions?serviceId=${serviceId}`)).items.filter((p: any) => p.kind === 'lifecycle');
  expect(runs.length).toBeGreaterThan(0);
  return waitForEnd(agent, runs[0].id);
}
const ocsState = async (account: string) => (await sql<{ status: string }>`select status from sim_ocs_accounts where account = ${account}`.execute(t.app.database.db)).rows[0]?.status;

describe('auto-renew (R5.1): renewed and charged once per period', () => {
  it('charges the first period at activation, then each period once, whatever the number of sweeps', async () => {
    clock.set('2026-12-01T09:00:00Z');
    const agent = await t.as('agent');
    const { service } = await newService(agent, JOHN, 'mobile-20gb', { autoRenew: true });
    expect(service).toMatchObject({ currentPeriodStart: '2026-12-01', currentPeriodEnd: '2027-01-01', autoRenew: true });
    let charges = await chargesOf(agent, service.id);
    expect(charges.map((c) => [c.kind, c.amount, c.status, c.periodStart])).toEqual([['recurring', 1500, 'paid', '2026-12-01']]);

    expect((await runBilling()).renewals).not.toContain(`renewal:${service.id}:2027-01-01`);
    clock.set('2027-01-01T10:00:00Z');
    const run = await runBilling();
    expect(run.renewals).toContain(`renewal:${service.id}:2027-01-01`);
    expect(run.results[`renewal:${service.id}:2027-01-01`]).toBe('renewed');

    // Again, and twice at once: the period is renewed once.
    await Promise.all([runBilling(), runBilling(), t.app.services.billingRunner.runDue(true)]);
    charges = await chargesOf(agent, service.id);
    expect(charges.filter((c) => c.kind === 'recurring').map((c) => c.periodStart).sort()).toEqual(['2026-12-01', '2027-01-01']);
    expect(charges.every((c) => c.status === 'paid')).toBe(true);
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ currentPeriodStart: '2027-01-01', currentPeriodEnd: '2027-02-01', status: 'active' });

    const billing = body(await agent.get(`/api/customers/${JOHN}/billing`));
    const paid = billing.payments.filter((p: any) => charges.some((c) => c.id === p.chargeId) && p.status === 'succeeded');
    expect(paid).toHaveLength(2);
    expect(billing.totals.find((x: any) => x.period === '2027-01')).toMatchObject({ currency: 'GBP' });
    expect(billing.totals.find((x: any) => x.period === '2027-01').paid).toBeGreaterThanOrEqual(1500);
  });
});

describe('a declined card (dunning)', () => {
  it('is tried again on the schedule, then the service is suspended and the customer told; a later good payment unsuspends it', async () => {
    clock.set('2027-02-01T09:00:00Z');
    const agent = await t.as('agent');
    const { service } = await newService(agent, AMIT, 'mobile-20gb', { autoRenew: true });
    let [charge] = await chargesOf(agent, service.id);
    expect(charge).toMatchObject({ status: 'failed', attempts: 1 });
    expect(charge.lastError).toMatch(/declined/);
    expect(Date.parse(charge.nextAttemptAt)).toBe(Date.parse('2027-02-02T09:00:00Z'));

    for (const [at, attempts] of [['2027-02-02T10:00:00Z', 2], ['2027-02-05T10:00:00Z', 3]] as const) {
      clock.set(at);
      await runBilling();
      [charge] = await chargesOf(agent, service.id);
      expect(charge).toMatchObject({ status: 'failed', attempts });
      expect(body(await agent.get(`/api/services/${service.id}`)).status).toBe('active');
    }
    clock.set('2027-02-10T10:00:00Z');
    await runBilling();
    [charge] = await chargesOf(agent, service.id);
    expect(charge).toMatchObject({ status: 'failed', attempts: 4 });
    const suspension = await lastLifecycleRun(agent, service.id);
    expect(suspension.status).toBe('succeeded');
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'suspended', statusReason: 'non_payment' });
    expect(await ocsState(service.ocsAccount)).toBe('disabled');
    const mail = body(await agent.get(`/api/customers/${AMIT}/mail`)).items;
    expect(mail.some((m: any) => m.subject === `Your service ${service.name} is suspended` && m.body.includes('could not take your payments'))).toBe(true);

    // The customer gives a good card; staff try the charge again: paid, and the service comes back.
    const card = await agent.post(`/api/customers/${AMIT}/payment-methods`, { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2031, isDefault: true });
    expect(card.statusCode).toBe(201);
    const retry = await agent.post(`/api/charges/${charge.id}/retry`);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(body(retry)).toMatchObject({ outcome: 'paid', charge: { status: 'paid', attempts: 5 } });
    const back = await lastLifecycleRun(agent, service.id);
    expect(back.status).toBe('succeeded');
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'active', statusReason: null });
    expect(await ocsState(service.ocsAccount)).toBe('active');
    // Five attempts, four declined, one paid; nothing charged twice.
    const payments = body(await agent.get(`/api/customers/${AMIT}/billing`)).payments.filter((p: any) => p.chargeId === charge.id);
    expect(payments.map((p: any) => p.status).sort()).toEqual(['declined', 'declined', 'declined', 'declined', 'succeeded']);
    const second = await agent.post(`/api/charges/${charge.id}/retry`);
    expect(second.statusCode).toBe(409);
  });
});

describe('without auto-renew', () => {
  it('runs to the end of its 12-month contract, charged monthly, then expires; staff renew it by hand', async () => {
    clock.set('2027-03-01T09:00:00Z');
    const agent = await t.as('agent');
    const { service } = await newService(agent, MARIA, 'mobile-20gb', { autoRenew: false });
    expect(service).toMatchObject({ autoRenew: false, contractEnd: '2028-03-01' });
    for (let m = 1; m <= 11; m++) {
      clock.set(new Date(Date.UTC(2027, 2 + m, 1, 10)).toISOString());
      await runBilling();
    }
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'active', currentPeriodEnd: '2028-03-01' });
    expect((await chargesOf(agent, service.id)).filter((c) => c.kind === 'recurring')).toHaveLength(12);

    clock.set('2028-03-01T10:00:00Z');
    const run = await runBilling();
    expect(run.results[`renewal:${service.id}:2028-03-01`]).toBe('expired');
    expect((await lastLifecycleRun(agent, service.id)).status).toBe('succeeded');
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'expired', statusReason: 'contract_end' });
    expect(await ocsState(service.ocsAccount)).toBe('disabled');
    expect((await chargesOf(agent, service.id)).filter((c) => c.kind === 'recurring')).toHaveLength(12);

    const renewed = await agent.post(`/api/services/${service.id}/renew`);
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect((await waitForEnd(agent, body(renewed).id)).status).toBe('succeeded');
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'active', currentPeriodStart: '2028-03-01', currentPeriodEnd: '2028-04-01', contractEnd: '2029-03-01' });
    expect((await chargesOf(agent, service.id)).filter((c) => c.kind === 'recurring')).toHaveLength(13);
    expect(await ocsState(service.ocsAccount)).toBe('active');
  });

  it('a one-off pass expires at the end of its period', async () => {
    clock.set('2028-05-01T09:00:00Z');
    const agent = await t.as('agent');
    const { service } = await newService(agent, MARIA, 'mobile-30-day-pass');
    expect(service.autoRenew).toBe(false);
    expect((await chargesOf(agent, service.id)).map((c) => [c.kind, c.amount, c.status])).toEqual([['one_off', 1000, 'paid']]);
    clock.set('2028-06-01T10:00:00Z');
    await runBilling();
    await lastLifecycleRun(agent, service.id);
    expect(body(await agent.get(`/api/services/${service.id}`)).status).toBe('expired');
  });
});

describe('terminate, and the lifecycle table', () => {
  it('terminating releases the number to stock, retires the SIM and removes the OCS account', async () => {
    const agent = await t.as('agent');
    const { service, items } = await newService(agent, JOHN, 'mobile-20gb');
    const res = await agent.post(`/api/services/${service.id}/terminate`);
    expect(res.statusCode, res.body).toBe(200);
    const run = await waitForEnd(agent, body(res).id);
    expect(run.status).toBe('succeeded');
    expect(run.tasks.find((x: any) => x.name === 'Remove the RADIUS user').status).toBe('skipped');
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'terminated' });
    // The number goes back in stock through its quarantine (NUMBER_QUARANTINE_DAYS, 90 by default: test/api/stock.test.ts).
    expect(body(await agent.get(`/api/inventory/items/${items['Mobile Number'].id}`))).toMatchObject({ status: 'quarantined', customerId: null, serviceId: null });
    expect(body(await agent.get(`/api/inventory/items/${items['SIM Card'].id}`)).status).toBe('retired');
    const available = body(await agent.get(`/api/inventory/available?template=${encodeURIComponent('Mobile Number')}&q=${encodeURIComponent(items['Mobile Number'].reference)}`)).items;
    expect(available.map((i: any) => i.id)).not.toContain(items['Mobile Number'].id);
    expect(await ocsState(service.ocsAccount)).toBeUndefined();
    expect(body(await agent.get(`/api/services/${service.id}/inventory`)).items).toEqual([]);

    // A terminated service goes nowhere; every forbidden move is a 409 that says why.
    for (const action of ['suspend', 'unsuspend', 'renew', 'terminate']) {
      const r = await agent.post(`/api/services/${service.id}/${action}`);
      expect(r.statusCode, action).toBe(409);
      expect(body(r).error.code).toBe('INVALID_TRANSITION');
      expect(body(r).error.message).toMatch(/terminated/);
    }
    expect(body(await agent.post(`/api/services/${service.id}/suspend`)).error.message).toBe('The service is terminated; it cannot become suspended.');
  });

  it('refuses to unsuspend an active service or renew it by hand, and allows suspend then unsuspend', async () => {
    const agent = await t.as('agent');
    const { service } = await newService(agent, JOHN, 'mobile-20gb');
    const unsuspend = await agent.post(`/api/services/${service.id}/unsuspend`);
    expect(unsuspend.statusCode).toBe(409);
    expect(body(unsuspend).error.message).toMatch(/already active/);
    const renew = await agent.post(`/api/services/${service.id}/renew`);
    expect(renew.statusCode).toBe(409);
    expect(body(renew).error.message).toMatch(/only an expired service is renewed by hand/);

    // A double click: the same confirmation twice gives the same run, also after it has ended.
    const key = { 'idempotency-key': `suspend-${service.id}-confirmation` };
    const suspend = await agent.post(`/api/services/${service.id}/suspend`, { reason: 'lost phone' }, key);
    const again = await agent.post(`/api/services/${service.id}/suspend`, { reason: 'lost phone' }, key);
    expect(body(again).id).toBe(body(suspend).id);
    await waitForEnd(agent, body(suspend).id);
    expect(body(await agent.post(`/api/services/${service.id}/suspend`, { reason: 'lost phone' }, key)).id).toBe(body(suspend).id);
    // A new request to suspend a suspended service is refused, saying why.
    const anew = await agent.post(`/api/services/${service.id}/suspend`, { reason: 'lost phone' });
    expect(anew.statusCode).toBe(409);
    expect(body(anew).error.message).toMatch(/already suspended/);
    expect(body(await agent.get(`/api/services/${service.id}`))).toMatchObject({ status: 'suspended', statusReason: 'lost phone' });
    expect(await ocsState(service.ocsAccount)).toBe('disabled');
    const viewer = await t.as('viewer');
    expect((await viewer.post(`/api/services/${service.id}/unsuspend`)).statusCode).toBe(403);
    await waitForEnd(agent, body(await agent.post(`/api/services/${service.id}/unsuspend`)).id);
    expect(body(await agent.get(`/api/services/${service.id}`)).status).toBe('active');
  });

  it('switches auto-renew, audited', async () => {
    const agent = await t.as('agent');
    const { service } = await newService(agent, JOHN, 'mobile-20gb', { autoRenew: true });
    const res = await agent.patch(`/api/services/${service.id}`, { autoRenew: false });
    expect(res.statusCode).toBe(200);
    expect(body(res).autoRenew).toBe(false);
    const audit = body(await (await t.as('admin')).get(`/api/audit?entityType=service&entityId=${service.id}`)).items;
    expect(audit.find((a: any) => a.action === 'service.auto_renew')).toMatchObject({ before: { autoRenew: true }, after: { autoRenew: false } });
  });
});

describe('add-ons are paid before they are provisioned (R9.3)', () => {
  it('takes the payment before the balance, and a retried run never charges twice', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const { service } = await newService(agent, JOHN, 'mobile-20gb');
    const before = body(await agent.get(`/api/services/${service.id}/balance`)).totals['data:MB'];

    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    const { res } = await assign(agent, { customerId: JOHN, product: 'data-boost-5gb', serviceId: service.id });
    const failed = await waitForEnd(agent, body(res).id);
    await setSimulator(admin, 'ocs', { failure: null });
    expect(failed.status).toBe('failed');
    expect(failed.tasks.map((x: any) => [x.name, x.status])).toEqual([
      ['Validate customer account', 'succeeded'],
      ['Take payment for 5GB data boost', 'succeeded'],
      ['Add 5GB data boost to the OCS account', 'failed'],
      ['Record the add-on on the service', 'pending'],
      ['Send confirmation e-mail', 'pending'],
    ]);
    const charged = (await chargesOf(agent, service.id)).filter((c) => c.kind === 'addon_one_off');
    expect(charged).toMatchObject([{ amount: 500, status: 'paid' }]);
    expect(body(await agent.get(`/api/services/${service.id}/balance`)).totals['data:MB']).toBe(before);

    await agent.post(`/api/provisions/${failed.id}/retry`, { attempt: 1 });
    expect((await waitForEnd(agent, failed.id)).status).toBe('succeeded');
    expect(body(await agent.get(`/api/services/${service.id}/balance`)).totals['data:MB']).toBe(before + 5120);
    const after = (await chargesOf(agent, service.id)).filter((c) => c.kind === 'addon_one_off');
    expect(after).toHaveLength(1);
    const payments = body(await agent.get(`/api/customers/${JOHN}/billing`)).payments.filter((p: any) => p.chargeId === after[0].id);
    expect(payments.map((p: any) => p.status)).toEqual(['succeeded']);
  });

  it('a declined card stops the add-on before anything is added', async () => {
    const agent = await t.as('agent');
    const decliner = body(await agent.post('/api/customers', { type: 'individual', name: 'Dee Clined', email: 'dee@example.com' })).id;
    await agent.post(`/api/customers/${decliner}/payment-methods`, { brand: 'visa', last4: '9995', expMonth: 1, expYear: 2032, isDefault: true });
    const { service } = await newService(agent, decliner, 'mobile-20gb');
    const before = body(await agent.get(`/api/services/${service.id}/balance`)).totals['data:MB'];
    const { res } = await assign(agent, { customerId: decliner, product: 'data-boost-5gb', serviceId: service.id });
    const p = await waitForEnd(agent, body(res).id);
    expect(p.status).toBe('failed');
    expect(p.error).toMatchObject({ code: 'PAYMENT_DECLINED', task: 'Take payment for 5GB data boost' });
    expect(p.error.message).toMatch(/insufficient funds/);
    expect(p.tasks[2].status).toBe('pending');
    expect(body(await agent.get(`/api/services/${service.id}/balance`)).totals['data:MB']).toBe(before);
  });
});
