import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, type Client, startTestApp, type TestApp } from '../helpers/app.js';
import { setSimulator } from '../helpers/provisioning.js';

/**
 * The TM Forum Open API facade (issue 14), beyond TM Forum's own kits (npm run test:tmf): an
 * order runs the console's playbook through the same checks, a refused order says why in TMF's
 * error shape, a hub listener hears the order's states in order, the routes are closed to the
 * anonymous and the under-privileged, and the common behaviours (fields=, filters, paging).
 */

const CAT = '/tmf-api/productCatalogManagement/v4';
const ORD = '/tmf-api/productOrderingManagement/v4';
const CUS = '/tmf-api/customerManagement/v4';
const PRD = '/tmf-api/productInventory/v4';
const SVC = '/tmf-api/serviceInventory/v4';
const RES = '/tmf-api/resourceInventoryManagement/v4';

let t: TestApp;
/** Machines' clients: Bearer API tokens of the demo agent, viewer and admin. */
const bearer: Record<'admin' | 'agent' | 'viewer', Client> = {} as never;

function tokenClient(token: string): Client {
  const auth = { authorization: `Bearer ${token}` };
  const request: Client['request'] = (method, url, payload, headers) => t.anonymous.request(method, url, payload, { ...auth, ...headers });
  return { request, get: (u) => request('GET', u), post: (u, b, h) => request('POST', u, b ?? {}, h), patch: (u, b) => request('PATCH', u, b ?? {}), delete: (u) => request('DELETE', u), upload: t.anonymous.upload };
}

beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01', WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms', WEBHOOK_POLL: '200ms', BILLING_SCHEDULE: 'off' } });
  const admin = await t.as('admin');
  const users = body(await admin.get('/api/users')).items as { id: string; role: string }[];
  for (const role of ['admin', 'agent', 'viewer'] as const) {
    const made = await admin.post('/api/tokens', { name: `tmf ${role}`, userId: users.find((u) => u.role === role)!.id });
    expect(made.statusCode, made.body).toBe(201);
    bearer[role] = tokenClient(body(made).token);
  }
});
afterAll(async () => {
  await t?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(100);
  }
}

async function customerId(name: string): Promise<string> {
  const list = body(await bearer.viewer.get(`${CUS}/customer?name=${encodeURIComponent(name)}&fields=id`));
  expect(list).toHaveLength(1);
  return list[0].id;
}
async function offeringId(name: string): Promise<string> {
  const list = body(await bearer.viewer.get(`${CAT}/productOffering?name=${encodeURIComponent(name)}&fields=id`));
  expect(list).toHaveLength(1);
  return list[0].id;
}
async function available(template: string) {
  const res = body(await (await t.as('viewer')).get(`/api/inventory/available?template=${encodeURIComponent(template)}&limit=1`));
  return res.items[0] as { id: number; reference: string; attributes: Record<string, string> };
}
async function completed(orderId: string) {
  return until(`order ${orderId} to end`, async () => {
    const o = body(await bearer.viewer.get(`${ORD}/productOrder/${orderId}`));
    return ['completed', 'failed', 'cancelled'].includes(o.state) && o;
  });
}

describe('TMF622: an order is an assignment, through the console\'s checks and playbook', () => {
  it('an order sent again with its Idempotency-Key (a retry after a timeout, two at once) is the same order and the same line, never a second; another order with that key is refused', async () => {
    const john = await customerId('John Smith');
    const order = {
      externalId: 'crm-retry-1',
      relatedParty: [{ id: john, role: 'customer' }],
      productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 20GB plan') } }],
    };
    const key = { 'idempotency-key': 'crm-order-000042' };
    const servicesBefore = body(await (await t.as('viewer')).get(`/api/customers/${john}/services`)).items.length;
    const [a, b] = await Promise.all([bearer.agent.post(`${ORD}/productOrder`, order, key), bearer.agent.post(`${ORD}/productOrder`, order, key)]);
    expect(a.statusCode, a.body).toBe(201);
    expect(b.statusCode, b.body).toBe(201);
    expect(body(b).id).toBe(body(a).id);
    const done = await completed(body(a).id);
    expect(done.state).toBe('completed');
    const again = await bearer.agent.post(`${ORD}/productOrder`, { ...order, relatedParty: [{ role: 'customer', id: john }] }, key);
    expect(again.statusCode).toBe(201);
    expect(body(again)).toMatchObject({ id: body(a).id, state: 'completed' });
    // One new line for John, one order with this key.
    expect(body(await (await t.as('viewer')).get(`/api/customers/${john}/services`)).items.length).toBe(servicesBefore + 1);
    expect(body(await bearer.viewer.get(`${ORD}/productOrder?externalId=crm-retry-1`))).toHaveLength(1);

    const other = await bearer.agent.post(`${ORD}/productOrder`, { ...order, externalId: 'crm-retry-2' }, key);
    expect(other.statusCode).toBe(409);
    expect(body(other)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: '409' });
    const short = await bearer.agent.post(`${ORD}/productOrder`, order, { 'idempotency-key': 'x' });
    expect(short.statusCode).toBe(400);
  });

  it('orders "Mobile - 20GB plan" for John Smith with a SIM and a number: completed, a TMF638 service active, two TMF639 resources assigned', async () => {
    const john = await customerId('John Smith');
    const offering = await offeringId('Mobile - 20GB plan');
    const sim = await available('SIM Card');
    const number = await available('Mobile Number');
    const res = await bearer.agent.post(`${ORD}/productOrder`, {
      externalId: 'crm-0001',
      relatedParty: [{ id: john, role: 'customer', '@referredType': 'Individual' }],
      productOrderItem: [
        {
          id: '1',
          action: 'add',
          productOffering: { id: offering },
          product: { productCharacteristic: [{ name: 'SIM Card', value: sim.reference }, { name: 'msisdn', value: number.attributes.msisdn }] },
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const order = body(res);
    // Its state as it is when answered: the run may have started already (PostgreSQL's workers are quick).
    expect(['acknowledged', 'inProgress', 'completed']).toContain(order.state);
    expect(order).toMatchObject({ externalId: 'crm-0001', '@type': 'ProductOrder', '@baseType': 'ProductOrder' });
    expect(order.href).toMatch(new RegExp(`${ORD}/productOrder/${order.id}$`));
    expect(res.headers.location).toBe(order.href);

    const done = await completed(order.id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.completionDate).toBeTruthy();
    const item = done.productOrderItem[0];
    expect(item.state).toBe('completed');

    // The same playbook as the console's Confirm & Provision, through the same engine.
    const run = body(await (await t.as('viewer')).get(item['@provisioningRun']));
    expect(run.status).toBe('succeeded');
    const product = body(await (await t.as('viewer')).get('/api/products/mobile-20gb'));
    const row = await t.app.database.db.selectFrom('provisions').select(['playbook', 'serviceId']).where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(row.playbook).toBe(product.playbook);
    expect(String(row.serviceId)).toBe(item.product.id);

    const service = body(await bearer.viewer.get(`${SVC}/service/${item.product.id}`));
    expect(service).toMatchObject({ state: 'active', relatedParty: [{ id: john, role: 'customer' }], '@type': 'Service' });
    expect(service.supportingResource).toHaveLength(2);
    const resources = await Promise.all(service.supportingResource.map(async (r: { href: string; id: string }) => body(await bearer.viewer.get(`${RES}/resource/${r.id}`))));
    expect(resources.map((r) => r.resourceStatus)).toEqual(['assigned', 'assigned']);
    expect(resources.map((r) => r.name).sort()).toEqual([sim.reference, number.reference].sort());
    const chars = Object.fromEntries(resources.flatMap((r) => r.resourceCharacteristic).map((c: { name: string; value: string }) => [c.name, c.value]));
    expect(chars.iccid).toBe(sim.attributes.iccid);
    expect(chars.msisdn).toBe(number.attributes.msisdn);

    // TMF637 sees it as the customer's product, priced, with its characteristics.
    const p = body(await bearer.viewer.get(`${PRD}/product/${item.product.id}`));
    expect(p).toMatchObject({ status: 'active', productOffering: { id: offering }, billingAccount: { id: john }, relatedParty: [{ id: john }] });
    expect(p.productPrice.find((x: { priceType: string }) => x.priceType === 'recurring').price.taxIncludedAmount).toEqual({ unit: 'GBP', value: 15 });
    expect(p.productCharacteristic.find((c: { name: string }) => c.name === 'msisdn').value).toBe(number.attributes.msisdn);
  });

  it('adds an add-on to the service that product.id names (R9), a TMF638 service of its own supporting it', async () => {
    const john = await customerId('John Smith');
    const plan = body(await bearer.viewer.get(`${PRD}/product?relatedParty.id=${john}&productOffering.id=${await offeringId('Mobile - 20GB plan')}`))[0];
    const res = await bearer.agent.post(`${ORD}/productOrder`, {
      relatedParty: [{ id: john, role: 'customer' }],
      productOrderItem: [{ id: 'boost', action: 'add', productOffering: { id: await offeringId('5GB data boost') }, product: { id: plan.id } }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const done = await completed(body(res).id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.productOrderItem[0].product.id).toBe(plan.id);
    const service = body(await bearer.viewer.get(`${SVC}/service/${plan.id}`));
    expect(service.serviceRelationship).toEqual([expect.objectContaining({ relationshipType: 'hasAddOn' })]);
    const addon = body(await bearer.viewer.get(`${SVC}/service/${service.supportingService[0].id}`));
    expect(addon).toMatchObject({ state: 'active', serviceRelationship: [{ relationshipType: 'isAddOnOf', service: { id: plan.id } }] });
    const wrong = await bearer.agent.post(`${ORD}/productOrder`, {
      relatedParty: [{ id: await customerId('Acme Ltd'), role: 'customer' }],
      productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('5GB data boost') }, product: { id: plan.id } }],
    });
    expect(wrong.statusCode).toBe(422);
    expect(body(wrong).reason).toMatch(/Add-on compatible with the service/);
  });

  it('refuses an order a check of the review refuses, with a TMF error naming the cause, and holds nothing', async () => {
    const acme = await customerId('Acme Ltd');
    const res = await bearer.agent.post(`${ORD}/productOrder`, {
      relatedParty: [{ id: acme, role: 'customer' }],
      productOrderItem: [{ id: 'a', action: 'add', productOffering: { id: await offeringId('Mobile - Unlimited plan') } }],
    });
    expect(res.statusCode, res.body).toBe(422);
    const e = body(res);
    expect(e).toMatchObject({ code: 'PRECONDITION_FAILED', status: '422', '@type': 'Error' });
    expect(e.reason).toMatch(/productOrderItem a: Customer eligible for the product: Mobile - Unlimited plan is not offered to business customers/);
    expect(e.reason).not.toMatch(/Not checked/);
    expect(e.message).toBeTruthy();
    expect(e.details.checks.find((c: { id: string }) => c.id === 'eligibility').ok).toBe(false);
    const held = await t.app.database.db.selectFrom('inventoryItems').select('id').where('reservationHolder', 'like', 'tmf:%').where('provisionId', 'is', null).execute();
    expect(held).toEqual([]);
    expect(body(await bearer.viewer.get(`${ORD}/productOrder?relatedParty.id=${acme}`))).toEqual([]);
  });

  it('answers an unknown customer or offering with a TMF 404, and an order naming nothing to provision is recorded rejected', async () => {
    const offering = await offeringId('Mobile - 20GB plan');
    const unknown = await bearer.agent.post(`${ORD}/productOrder`, { relatedParty: [{ id: '999999' }], productOrderItem: [{ id: '1', action: 'add', productOffering: { id: offering } }] });
    expect(unknown.statusCode).toBe(404);
    expect(body(unknown)).toMatchObject({ code: 'NOT_FOUND', status: '404' });
    const noOffering = await bearer.agent.post(`${ORD}/productOrder`, { relatedParty: [{ id: await customerId('John Doe') }], productOrderItem: [{ id: '1', action: 'add', productOffering: { id: '424242' } }] });
    expect(noOffering.statusCode).toBe(404);
    expect(body(noOffering).reason).toMatch(/productOffering 424242/);
    const empty = await bearer.agent.post(`${ORD}/productOrder`, { productOrderItem: [{ id: '123', action: 'add' }], relatedParty: [{ id: '456-dd-df45' }] });
    expect(empty.statusCode).toBe(201);
    expect(body(empty)).toMatchObject({ state: 'rejected', stateChangeReason: expect.stringMatching(/nothing to provision/) });
  });
});

describe('TMF hub: a listener hears the order\'s states in order, delivered by the webhook sender', () => {
  it('registers, receives create then acknowledged -> inProgress -> completed in order (a failed attempt retried first), and hears nothing once deleted', async () => {
    const got: { path: string; json: any }[] = [];
    let refusedOnce = false;
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        // The listener's first answer is an error: the event is tried again, and the later ones wait for it.
        if (req.url === '/listener' && !refusedOnce) {
          refusedOnce = true;
          res.statusCode = 503;
          res.end();
          return;
        }
        got.push({ path: req.url ?? '/', json: JSON.parse(text) });
        res.statusCode = 201;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await bearer.agent.post(`${ORD}/hub`, { callback: `${base}/agent` })).statusCode).toBe(403);
      const reg = await bearer.admin.post(`${ORD}/hub`, { callback: `${base}/listener` });
      expect(reg.statusCode, reg.body).toBe(201);
      const hubId = body(reg).id;
      const bad = await bearer.admin.post(`${ORD}/hub`, { callback: `${base}/x`, query: 'eventType=ServiceStateChangeEvent' });
      expect(bad.statusCode).toBe(400);

      // Slow network calls keep the run visibly in progress.
      await setSimulator(await t.as('admin'), 'ocs', { latencyMs: 150 });
      const res = await bearer.agent.post(`${ORD}/productOrder`, {
        relatedParty: [{ id: await customerId('Maria Garcia'), role: 'customer' }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 20GB plan') } }],
      });
      expect(res.statusCode, res.body).toBe(201);
      const orderId = body(res).id;
      expect((await completed(orderId)).state).toBe('completed');
      await setSimulator(await t.as('admin'), 'ocs', { latencyMs: 0 });

      const mine = () => got.filter((g) => g.path === '/listener' && g.json.event.productOrder.id === orderId);
      await until('the completed event', async () => mine().some((g) => g.json.event.productOrder.state === 'completed'));
      const events = mine();
      expect(events.map((g) => g.json.eventType)).toEqual(['ProductOrderCreateEvent', 'ProductOrderStateChangeEvent', 'ProductOrderStateChangeEvent']);
      expect(events.map((g) => g.json.event.productOrder.state)).toEqual(['acknowledged', 'inProgress', 'completed']);
      expect(events[0]!.json.event.productOrder.href).toMatch(new RegExp(`${ORD}/productOrder/${orderId}$`));
      expect(new Set(events.map((g) => g.json.eventId)).size).toBe(3);
      expect(refusedOnce).toBe(true);

      expect((await bearer.admin.delete(`${ORD}/hub/${hubId}`)).statusCode).toBe(204);
      expect((await bearer.admin.delete(`${ORD}/hub/${hubId}`)).statusCode).toBe(404);
      const after = got.length;
      const again = await bearer.agent.post(`${ORD}/productOrder`, {
        relatedParty: [{ id: await customerId('Amit Patel'), role: 'customer' }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 20GB plan') } }],
      });
      await completed(body(again).id);
      await sleep(600);
      expect(got.length).toBe(after);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('TMF access: closed to the anonymous, each write to its role', () => {
  it('answers 401 without credentials and 403 to a role that may not, in the TMF error shape', async () => {
    for (const url of [`${CAT}/productOffering`, `${ORD}/productOrder`, `${CUS}/customer`, `${PRD}/product`, `${SVC}/service`, `${RES}/resource`]) {
      const res = await t.anonymous.get(url);
      expect(res.statusCode, url).toBe(401);
      expect(body(res)).toMatchObject({ code: 'UNAUTHENTICATED', status: '401', '@type': 'Error' });
      expect((await bearer.viewer.get(url)).statusCode, url).toBe(200);
    }
    const writes: [Client, string, string, unknown][] = [
      [bearer.viewer, 'POST', `${ORD}/productOrder`, { productOrderItem: [{ id: '1', action: 'add' }] }],
      [bearer.viewer, 'POST', `${ORD}/cancelProductOrder`, { productOrder: { id: '00000000-0000-0000-0000-000000000000' } }],
      [bearer.viewer, 'POST', `${CUS}/customer`, { name: 'Nope Ltd' }],
      [bearer.agent, 'POST', `${CAT}/productOffering`, { name: 'Nope' }],
      [bearer.agent, 'PATCH', `${CAT}/productOffering/1`, { name: 'Nope' }],
      [bearer.agent, 'POST', `${RES}/resource`, { name: 'Nope' }],
      [bearer.agent, 'POST', `${SVC}/hub`, { callback: 'http://127.0.0.1:1/x' }],
    ];
    for (const [who, method, url, payload] of writes) {
      const res = await who.request(method as 'POST', url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(body(res)).toMatchObject({ code: 'FORBIDDEN', status: '403' });
    }
  });
});

describe('TMF common behaviours', () => {
  it('TMF639 pages and filters the stock in the database, the same as reading it whole would', async () => {
    const sims = body(await (await t.as('viewer')).get('/api/inventory/summary')).templates.find((x: any) => x.template.name === 'SIM Card');
    const page1 = await bearer.viewer.get(`${RES}/resource?resourceStatus=available&category=SIM%20Card&limit=3`);
    expect(page1.statusCode, page1.body).toBe(200);
    const total = Number(page1.headers['x-total-count']);
    expect(total).toBeGreaterThan(3);
    expect(total).toBe(sims.available);
    expect(page1.headers['x-result-count']).toBe('3');
    const page2 = body(await bearer.viewer.get(`${RES}/resource?resourceStatus=available&category=SIM%20Card&limit=3&offset=3`));
    const ids = [...body(page1), ...page2].map((r: any) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(6);
    for (const r of [...body(page1), ...page2]) expect(r).toMatchObject({ resourceStatus: 'available', category: 'SIM Card' });
    // The same answer as the in-memory filter over every resource (a filter not pushed down: name).
    const whole = body(await bearer.viewer.get(`${RES}/resource?limit=1000`)) as any[];
    expect(whole.length).toBeLessThan(1000);
    expect(Number((await bearer.viewer.get(`${RES}/resource?limit=1`)).headers['x-total-count'])).toBe(whole.length);
    const available = whole.filter((r) => r.resourceStatus === 'available' && r.category === 'SIM Card');
    expect(total).toBe(available.length);
    const byName = await bearer.viewer.get(`${RES}/resource?name=${encodeURIComponent(available[0].name)}`);
    expect(body(byName).map((r: any) => r.id)).toEqual([available[0].id]);
    // A customer's resources, and an unknown status or category: nothing, not an error.
    const john = await customerId('John Smith');
    const johns = body(await bearer.viewer.get(`${RES}/resource?relatedParty.id=${john}`)) as any[];
    expect(johns.map((r) => r.id).sort()).toEqual(whole.filter((r) => r.relatedParty.some((p: any) => p.id === String(john))).map((r) => r.id).sort());
    for (const q of ['resourceStatus=nope', 'category=Nope', 'relatedParty.id=x', 'id=abc']) {
      const res = await bearer.viewer.get(`${RES}/resource?${q}`);
      expect(res.statusCode, q).toBe(200);
      expect(res.headers['x-total-count'], q).toBe('0');
    }
  });

  it('selects fields=, filters on attributes, pages with X-Total-Count and X-Result-Count', async () => {
    const all = await bearer.viewer.get(`${CAT}/productOffering`);
    const total = Number(all.headers['x-total-count']);
    expect(total).toBe(body(all).length);
    expect(total).toBeGreaterThan(5);
    const paged = await bearer.viewer.get(`${CAT}/productOffering?offset=2&limit=3&fields=name`);
    expect(paged.headers['x-total-count']).toBe(String(total));
    expect(paged.headers['x-result-count']).toBe('3');
    expect(body(paged).map((o: { id: string }) => o.id)).toEqual(body(all).slice(2, 5).map((o: { id: string }) => o.id));
    for (const o of body(paged)) expect(Object.keys(o).sort()).toEqual(['@baseType', '@schemaLocation', '@type', 'href', 'id', 'name']);

    const addons = body(await bearer.viewer.get(`${CAT}/productOffering?category.id=addon`));
    expect(addons.length).toBeGreaterThan(0);
    expect(addons.every((o: { category: { id: string }[] }) => o.category[0]!.id === 'addon')).toBe(true);

    const active = body(await bearer.viewer.get(`${SVC}/service?state=active`));
    expect(active.length).toBeGreaterThan(0);
    expect(active.every((s: { state: string }) => s.state === 'active')).toBe(true);
    const john = await customerId('John Smith');
    const his = body(await bearer.viewer.get(`${PRD}/product?relatedParty.id=${john}`));
    expect(his.length).toBeGreaterThan(0);
    expect(his.every((p: { relatedParty: { id: string }[] }) => p.relatedParty[0]!.id === john)).toBe(true);
    expect(body(await bearer.viewer.get(`${PRD}/product?relatedParty.id=${john},999999`)).length).toBe(his.length);

    const one = body(await bearer.viewer.get(`${CUS}/customer/${john}?fields=name`));
    expect(Object.keys(one).sort()).toEqual(['@baseType', '@schemaLocation', '@type', 'href', 'id', 'name']);
    const missing = await bearer.viewer.get(`${SVC}/service/424242`);
    expect(missing.statusCode).toBe(404);
    expect(body(missing)).toMatchObject({ code: 'NOT_FOUND', status: '404', '@type': 'Error' });
  });

  it('gives payment methods by brand and last four digits only, never a card number', async () => {
    const c = body(await bearer.viewer.get(`${CUS}/customer/${await customerId('John Smith')}`));
    expect(c.paymentMethod).toEqual([{ id: expect.any(String), name: 'visa ending 4242, expires 12/2030 (default)', '@referredType': 'BankCard' }]);
    expect(JSON.stringify(c)).not.toMatch(/[0-9]{12,19}/);
    expect(c.engagedParty['@referredType']).toBe('Individual');
  });

  it('writes a customer and a catalog draft through the same services, and will not delete a product', async () => {
    const made = await bearer.agent.post(`${CUS}/customer`, { name: 'Moon Football Club', engagedParty: { '@referredType': 'Organization' }, contactMedium: [{ mediumType: 'email', characteristic: { emailAddress: 'club@moon.example' } }] });
    expect(made.statusCode, made.body).toBe(201);
    const detail = body(await (await t.as('viewer')).get(`/api/customers/${body(made).id}`));
    expect(detail).toMatchObject({ type: 'business', name: 'Moon Football Club', email: 'club@moon.example' });
    const renamed = await bearer.agent.request('PATCH', `${CUS}/customer/${body(made).id}`, { name: 'Sun Football Club' }, { 'content-type': 'application/merge-patch+json' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(body(renamed).name).toBe('Sun Football Club');

    const retire = await bearer.admin.patch(`${CAT}/productOffering/${await offeringId('Static IP address')}`, { lifecycleStatus: 'Retired' });
    expect(retire.statusCode, retire.body).toBe(200);
    expect(body(retire).lifecycleStatus).toBe('Retired');
    expect(body(await (await t.as('viewer')).get('/api/products/static-ip')).enabled).toBe(false);
    expect((await bearer.admin.patch(`${CAT}/productOffering/${body(retire).id}`, { lifecycleStatus: 'Launched' })).statusCode).toBe(200);
    const del = await bearer.admin.delete(`${CAT}/productOffering/${body(retire).id}`);
    expect(del.statusCode).toBe(409);
    expect(body(del).message).toMatch(/Retired/);
  });
});

describe('TMF622: an order that fails, then cancelProductOrder', () => {
  it('is failed with the reason when its run fails, and cancelled (its inventory released) by cancelProductOrder', async () => {
    const admin = await t.as('admin');
    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    let orderId: string;
    try {
      const res = await bearer.agent.post(`${ORD}/productOrder`, {
        relatedParty: [{ id: await customerId("Sarah O'Connor"), role: 'customer' }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 30-day pass') } }],
      });
      // A customer with no payment method is refused by the same check as in the console.
      expect(res.statusCode, res.body).toBe(422);
      expect(body(res).reason).toMatch(/payment method/i);
      const ok = await bearer.agent.post(`${ORD}/productOrder`, {
        relatedParty: [{ id: await customerId('Claire Dubois'), role: 'customer' }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 20GB plan') } }],
      });
      expect(ok.statusCode, ok.body).toBe(201);
      orderId = body(ok).id;
      const failed = await completed(orderId);
      expect(failed.state).toBe('failed');
      expect(failed.stateChangeReason).toBeTruthy();
      expect(failed.productOrderItem[0].state).toBe('failed');
    } finally {
      await setSimulator(admin, 'ocs', { failure: null });
    }
    const service = body(await bearer.viewer.get(`${SVC}/service?relatedParty.id=${await customerId('Claire Dubois')}`))[0];
    const held = service.supportingResource.map((r: { id: string }) => r.id);
    expect(held.length).toBeGreaterThan(0);

    expect((await bearer.viewer.post(`${ORD}/cancelProductOrder`, { productOrder: { id: orderId } })).statusCode).toBe(403);
    const cancel = await bearer.agent.post(`${ORD}/cancelProductOrder`, { productOrder: { id: orderId }, cancellationReason: 'customer changed their mind' });
    expect(cancel.statusCode, cancel.body).toBe(201);
    expect(body(cancel)).toMatchObject({ state: 'done', productOrder: { id: orderId }, '@type': 'CancelProductOrder' });
    expect(body(await bearer.viewer.get(`${ORD}/productOrder/${orderId}`)).state).toBe('cancelled');
    for (const id of held) expect(body(await bearer.viewer.get(`${RES}/resource/${id}`)).resourceStatus).toBe('available');
    const again = await bearer.agent.post(`${ORD}/cancelProductOrder`, { productOrder: { id: orderId } });
    expect(again.statusCode).toBe(201);
  });
});

describe('TMF638 and TMF639 hubs: service and resource state changes', () => {
  it('tells a service listener of a suspension and a resource listener of an assignment', async () => {
    const got: any[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        got.push({ path: req.url, ...JSON.parse(text) });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await bearer.admin.post(`${SVC}/hub`, { callback: `${base}/services` })).statusCode).toBe(201);
      expect((await bearer.admin.post(`${RES}/hub`, { callback: `${base}/resources`, query: 'eventType=ResourceStateChangeEvent' })).statusCode).toBe(201);
      const res = await bearer.agent.post(`${ORD}/productOrder`, {
        relatedParty: [{ id: await customerId('Li Wei'), role: 'customer' }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 20GB plan') } }],
      });
      // Li Wei's account is suspended: refused by the customer check.
      expect(res.statusCode).toBe(422);
      const order = await bearer.agent.post(`${ORD}/productOrder`, {
        relatedParty: [{ id: await customerId('John Doe'), role: 'customer' }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: await offeringId('Mobile - 20GB plan') } }],
      });
      const done = await completed(body(order).id);
      const serviceId = done.productOrderItem[0].product.id;
      const agent = await t.as('agent');
      const suspend = await agent.post(`/api/services/${serviceId}/suspend`, { reason: 'test' });
      expect(suspend.statusCode, suspend.body).toBe(200);
      await until('the suspension', async () => got.some((g) => g.path === '/services' && g.event.service.id === serviceId && g.event.service.state === 'suspended'));
      const states = got.filter((g) => g.path === '/services' && g.event.service.id === serviceId).map((g) => g.event.service.state);
      expect(states).toEqual(['active', 'suspended']);
      expect(got.find((g) => g.path === '/services')).toMatchObject({ eventType: 'ServiceStateChangeEvent', event: { service: { href: expect.stringContaining(`${SVC}/service/`) } } });
      const service = body(await bearer.viewer.get(`${SVC}/service/${serviceId}`));
      expect(service.state).toBe('suspended');
      for (const r of service.supportingResource) {
        await until(`resource ${r.id} assigned`, async () => got.some((g) => g.path === '/resources' && g.event.resource.id === r.id && g.event.resource.resourceStatus === 'assigned'));
      }
      expect(got.filter((g) => g.path === '/resources').every((g) => g.eventType === 'ResourceStateChangeEvent')).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
