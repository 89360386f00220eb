import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

/** The top bar's search (issue 13): customers, services by number/ICCID/ID, runs by provisioning ID. */
let t: TestApp;
let line: { serviceId: number; runId: string; sim: any; number: any };
beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01' } });
  const agent = await t.as('agent');
  const { res, items } = await assign(agent, { customerId: 100, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
  expect(res.statusCode, res.body).toBe(201);
  const done = await waitForEnd(agent, body(res).id);
  expect(done.status).toBe('succeeded');
  line = { serviceId: done.service.id, runId: done.id, sim: items['SIM Card'], number: items['Mobile Number'] };
});
afterAll(() => t?.close());

const search = async (q: string, who: 'agent' | 'viewer' = 'viewer') => {
  const res = await (await t.as(who)).get(`/api/search?q=${encodeURIComponent(q)}`);
  expect(res.statusCode, res.body).toBe(200);
  return body(res) as { customers: any[]; services: any[]; runs: any[] };
};

describe('global search', () => {
  it('finds a customer by name, e-mail, phone and ID, as the customer search does', async () => {
    expect((await search('John Sm')).customers[0]).toMatchObject({ id: 100, name: 'John Smith', matchedOn: 'name' });
    expect((await search('john.smith@exa')).customers[0]).toMatchObject({ id: 100, matchedOn: 'email' });
    const byId = await search('100');
    expect(byId.customers[0]).toMatchObject({ id: 100, matchedOn: 'id' });
    expect(byId.runs).toEqual([]);
  });

  it('finds a service by its mobile number however it is typed, by its ICCID and by its ID', async () => {
    const reference: string = line.number.reference;
    const digits = reference.replace(/[^0-9]/g, '');
    const typings = [reference, digits, `0${digits.slice(2)}`, digits.slice(-6)];
    for (const typed of typings) {
      const { services } = await search(typed);
      expect(services.map((s) => s.id), `"${typed}"`).toContain(line.serviceId);
      expect(services.find((s) => s.id === line.serviceId)).toMatchObject({ customerId: 100, customerName: 'John Smith', matchedOn: 'reference', reference, serviceType: 'mobile', status: 'active' });
    }
    const byIccid = (await search(line.sim.reference.slice(0, 12))).services.find((s) => s.id === line.serviceId);
    expect(byIccid).toMatchObject({ reference: line.sim.reference, template: 'SIM Card', templateNames: { fr: 'Carte SIM' } });
    expect((await search(`#${line.serviceId}`)).services[0]).toMatchObject({ id: line.serviceId, matchedOn: 'id', reference: null });
  });

  it('finds a run by its provisioning ID, whole or by its start', async () => {
    // Its first eight characters, as the console shows it (all digits in one run of forty).
    for (const typed of [line.runId, line.runId.slice(0, 8), line.runId.toUpperCase()]) {
      const { runs } = await search(typed);
      expect(runs[0], typed).toMatchObject({ id: line.runId, kind: 'new_service', status: 'succeeded', customerName: 'John Smith', serviceId: line.serviceId, productName: 'Mobile - 20GB plan' });
    }
  });

  it('nothing typed, nothing found, and wildcards are text', async () => {
    expect(await search('   ')).toEqual({ customers: [], services: [], runs: [] });
    expect(await search('zzzz-nobody')).toEqual({ customers: [], services: [], runs: [] });
    for (const q of ['%', '_', '%%%', "'; drop table customers; --"]) {
      const r = await search(q);
      expect(r.customers.length + r.services.length + r.runs.length, q).toBe(0);
    }
  });

  it('caps each kind at the limit asked', async () => {
    const r = body(await (await t.as('viewer')).get('/api/search?q=a&limit=2'));
    expect(r.customers.length).toBeLessThanOrEqual(2);
    expect(r.customers.length).toBeGreaterThan(0);
  });

  it('refuses a bad request with a reason and an anonymous caller', async () => {
    const viewer = await t.as('viewer');
    for (const qs of ['', 'q=x&limit=0', 'q=x&limit=500', `q=${'x'.repeat(201)}`]) {
      const res = await viewer.get(`/api/search?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(body(res).error.code).toBe('VALIDATION_FAILED');
      expect(body(res).error.message).toBeTruthy();
    }
    const anonymous = await t.app.http.inject({ method: 'GET', url: '/api/search?q=john' });
    expect(anonymous.statusCode).toBe(401);
  });
});
