import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

/** E-mails in the customer's language (R13, R13.3, issue 13), French product names in French text. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01' } });
});
afterAll(() => t?.close());

const JOHN = 100;
async function customerId(name: string) {
  const hits = body(await (await t.as('agent')).get(`/api/customers/search?q=${encodeURIComponent(name)}`)).items;
  return hits.find((h: any) => h.name === name).id as number;
}
async function mobileLine(customer: number) {
  const agent = await t.as('agent');
  const { res, items } = await assign(agent, { customerId: customer, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
  expect(res.statusCode, res.body).toBe(201);
  const done = await waitForEnd(agent, body(res).id);
  expect(done.status).toBe('succeeded');
  return { service: done.service as { id: number; name: string }, number: items['Mobile Number'].reference as string, sim: items['SIM Card'].reference as string };
}
const mailOf = async (customer: number, serviceId: number) => body(await (await t.as('agent')).get(`/api/customers/${customer}/mail`)).items.filter((m: any) => m.serviceId === serviceId);

describe("e-mails in the customer's language", () => {
  it('a French customer gets the welcome e-mail in French, with the product and its features in French', async () => {
    const claire = await customerId('Claire Dubois');
    expect(body(await (await t.as('viewer')).get(`/api/customers/${claire}`)).language).toBe('fr');
    const line = await mobileLine(claire);
    const [welcome] = await mailOf(claire, line.service.id);
    expect(welcome.subject).toBe(`Bienvenue sur votre nouvelle ligne mobile ${line.number}`);
    expect(welcome.body).toContain(`Bonjour Claire Dubois,`);
    expect(welcome.body).toContain(`Bienvenue sur Mobile - forfait 20 Go. Votre nouveau numéro est le ${line.number}.`);
    expect(welcome.body).toContain(`Insérez la carte SIM ${line.sim}`);
    expect(welcome.body).toContain('Votre forfait : 20 Go de données, Appels et SMS illimités au Royaume-Uni');
    expect(welcome.body).not.toMatch(/Hello|Welcome/);
  });

  it('a customer with no language, the default, gets it in English, as before', async () => {
    expect(body(await (await t.as('viewer')).get(`/api/customers/${JOHN}`)).language).toBeNull();
    const line = await mobileLine(JOHN);
    const [welcome] = await mailOf(JOHN, line.service.id);
    expect(welcome.subject).toBe(`Welcome to your new mobile line ${line.number}`);
    expect(welcome.body).toContain('Welcome to Mobile - 20GB plan.');
    expect(welcome.body).toContain('Your plan: 20GB data');
  });

  it("changing the language changes the next e-mails, and a French task name names the product in French", async () => {
    const agent = await t.as('agent');
    const created = await agent.post('/api/customers', { type: 'individual', name: 'Lucas Martin', email: 'lucas.martin@example.fr', paymentType: 'card' });
    expect(created.statusCode, created.body).toBe(201);
    const lucas = body(created).id as number;
    expect(body(created).language).toBeNull();
    expect((await agent.post(`/api/customers/${lucas}/payment-methods`, { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2031, holderName: 'Lucas Martin', isDefault: true })).statusCode).toBe(201);
    const line = await mobileLine(lucas);
    expect((await mailOf(lucas, line.service.id))[0].subject).toMatch(/^Welcome/);

    const changed = await agent.request('PATCH', `/api/customers/${lucas}`, { language: 'fr' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(body(changed).language).toBe('fr');
    const suspend = await agent.post(`/api/services/${line.service.id}/suspend`, { reason: 'lost phone' });
    expect((await waitForEnd(agent, body(suspend).id)).status).toBe('succeeded');
    const suspended = (await mailOf(lucas, line.service.id)).find((m: any) => m.template === 'service-suspended');
    expect(suspended.subject).toBe(`Votre service ${line.service.name} est suspendu`);
    expect(suspended.body).toContain('Appelez-nous si vous ne vous y attendiez pas.');
    await waitForEnd(agent, body(await agent.post(`/api/services/${line.service.id}/unsuspend`)).id);

    // An add-on's French task names carry the add-on's French name, not the default one.
    const addon = await agent.post('/api/provisions', { customerId: lucas, product: 'data-boost-5gb', serviceId: line.service.id }, { 'idempotency-key': `boost-${lucas}` });
    expect(addon.statusCode, addon.body).toBe(201);
    const run = await waitForEnd(agent, body(addon).id);
    expect(run.status).toBe('succeeded');
    expect(run.tasks[1].names.fr).toBe('Encaissement du paiement pour Recharge de données 5 Go');
    expect(run.tasks[2].names.fr).toBe('Ajout de Recharge de données 5 Go au compte OCS');
    expect(run.tasks[1].name).toBe('Take payment for 5GB data boost');
    const added = (await mailOf(lucas, line.service.id)).find((m: any) => m.template === 'addon-added');
    expect(added.subject).toBe(`Recharge de données 5 Go ajouté à ${line.service.name}`);
  });

  it('refuses a language it does not write in, changing nothing', async () => {
    const agent = await t.as('agent');
    for (const language of ['de', 'FR', '', 3]) {
      const res = await agent.request('PATCH', `/api/customers/${JOHN}`, { language });
      expect(res.statusCode, String(language)).toBe(400);
      expect(body(res).error.code).toBe('VALIDATION_FAILED');
    }
    expect(body(await agent.get(`/api/customers/${JOHN}`)).language).toBeNull();
    expect((await (await t.as('viewer')).request('PATCH', `/api/customers/${JOHN}`, { language: 'fr' })).statusCode).toBe(403);
  });
});
