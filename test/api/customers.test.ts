import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const search = async (q: string) => body((await (await t.as('agent')).get(`/api/customers/search?q=${encodeURIComponent(q)}`))).items as any[];

describe('customer search (R3.1)', () => {
  it('finds John Smith by name, by ID, by e-mail and by phone, and says which matched', async () => {
    const byName = await search('John Sm');
    expect(byName[0]).toMatchObject({ name: 'John Smith', matchedOn: 'name' });
    const id = byName[0].id as number;

    const byId = await search(String(id));
    expect(byId[0]).toMatchObject({ id, name: 'John Smith', matchedOn: 'id' });

    const byEmail = await search('john.smith@exa');
    expect(byEmail.map((h) => h.id)).toEqual([id]);
    expect(byEmail[0].matchedOn).toBe('email');

    const byPhone = await search('+1234567890');
    expect(byPhone.map((h) => h.id)).toEqual([id]);
    expect(byPhone[0].matchedOn).toBe('phone');
  });

  it('lists every match of a partial name, ranks prefixes first, finds a surname inside a name', async () => {
    const john = await search('john');
    expect(john.map((h) => h.name)).toEqual(expect.arrayContaining(['John Smith', 'John Doe', 'Johnson Enterprises']));
    const smith = await search('smith');
    expect(smith.map((h) => h.name)).toContain('John Smith');
    const acme = await search('acme');
    expect(acme[0].name).toBe('Acme Ltd');
  });

  it('finds a UK number typed the national way', async () => {
    const hits = await search('07700 900003');
    expect(hits.map((h) => h.name)).toContain('Amit Patel');
  });

  it('answers an empty list, not an error, when nothing matches; and treats % and _ literally', async () => {
    expect(await search('zzzz-nobody')).toEqual([]);
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
  });
});

describe('customers, contacts, sites, payment methods', () => {
  it('creates a business customer with contacts and sites, and shows them together', async () => {
    const agent = await t.as('agent');
    const c = await agent.post('/api/customers', { type: 'business', name: 'Globex Corp', email: 'it@globex.example', phone: '+44 20 7946 0999' });
    expect(c.statusCode).toBe(201);
    const id = body(c).id;
    expect((await agent.post(`/api/customers/${id}/contacts`, { role: 'billing', name: 'Hank Scorpio', email: 'hank@globex.example' })).statusCode).toBe(201);
    expect((await agent.post(`/api/customers/${id}/sites`, { name: 'HQ', addressLine1: '1 Cypress Creek', city: 'Cypress Creek', postcode: 'CC1 1AA' })).statusCode).toBe(201);
    const detail = body(await agent.get(`/api/customers/${id}`));
    expect(detail.contacts).toHaveLength(1);
    expect(detail.sites[0]).toMatchObject({ name: 'HQ', country: 'GB' });
    expect((await search('globex'))[0].id).toBe(id);
  });

  it('keeps one default payment method and never accepts a card number', async () => {
    const agent = await t.as('agent');
    const john = (await search('+1234567890'))[0].id;
    const withNumber = await agent.post(`/api/customers/${john}/payment-methods`, { brand: 'visa', last4: '4242', expMonth: 1, expYear: 2031, number: '4242424242424242' });
    expect(withNumber.statusCode).toBe(400);
    expect(body(withNumber).error.message).toMatch(/never a card number/);

    const fullNumberAsLast4 = await agent.post(`/api/customers/${john}/payment-methods`, { brand: 'visa', last4: '4242424242424242', expMonth: 1, expYear: 2031 });
    expect(fullNumberAsLast4.statusCode).toBe(400);

    const expired = await agent.post(`/api/customers/${john}/payment-methods`, { brand: 'visa', last4: '1234', expMonth: 1, expYear: 2020 });
    expect(expired.statusCode).toBe(400);
    expect(body(expired).error.message).toMatch(/expired/);

    const second = body(await agent.post(`/api/customers/${john}/payment-methods`, { brand: 'mastercard', last4: '5454', expMonth: 2, expYear: 2032, isDefault: true }));
    const methods = body(await agent.get(`/api/customers/${john}`)).paymentMethods;
    expect(methods.filter((m: any) => m.isDefault).map((m: any) => m.id)).toEqual([second.id]);
  });

  it('answers 404 for a customer that does not exist, with a way out', async () => {
    const res = await (await t.as('agent')).get('/api/customers/999999');
    expect(res.statusCode).toBe(404);
    expect(body(res).error.hint).toMatch(/create the customer/);
  });
});
