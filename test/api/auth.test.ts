import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('sign-in, roles and tokens', () => {
  it('answers 403 to a viewer who writes, and lets the viewer read', async () => {
    const viewer = await t.as('viewer');
    expect((await viewer.get('/api/products')).statusCode).toBe(200);
    const writes = [
      await viewer.post('/api/customers', { type: 'individual', name: 'Nope' }),
      await viewer.post('/api/inventory/items/1/reservations', { holder: 'viewer-holder-1' }),
      await viewer.post('/api/products/mobile-20gb/disable'),
    ];
    for (const res of writes) {
      expect(res.statusCode).toBe(403);
      expect(body(res).error.code).toBe('FORBIDDEN');
    }
    const agentOnAdminRoute = await (await t.as('agent')).post('/api/products/mobile-20gb/disable');
    expect(agentOnAdminRoute.statusCode).toBe(403);
  });

  it('refuses a wrong password without saying which part was wrong', async () => {
    const wrongPassword = await t.anonymous.post('/api/session', { email: 'agent@switchboard.local', password: 'nope' });
    const unknownUser = await t.anonymous.post('/api/session', { email: 'nobody@switchboard.local', password: 'nope' });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownUser.statusCode).toBe(401);
    expect(body(wrongPassword).error.message).toBe(body(unknownUser).error.message);
  });

  it('stores passwords hashed, never in clear', async () => {
    const rows = await t.app.database.db.selectFrom('users').select(['email', 'passwordHash']).execute();
    for (const r of rows) {
      expect(r.passwordHash).toMatch(/^\$argon2id\$/);
      expect(r.passwordHash).not.toContain('switchboard-');
    }
  });

  it('ends the session on sign-out', async () => {
    const res = await t.anonymous.post('/api/session', { email: 'viewer@switchboard.local', password: 'switchboard-viewer' });
    const cookie = `sb_session=${res.cookies.find((c) => c.name === 'sb_session')!.value}`;
    expect((await t.anonymous.request('GET', '/api/session', undefined, { cookie })).statusCode).toBe(200);
    expect((await t.anonymous.request('DELETE', '/api/session', undefined, { cookie })).statusCode).toBe(200);
    expect((await t.anonymous.request('GET', '/api/session', undefined, { cookie })).statusCode).toBe(401);
  });

  it('looks a session up once for the many requests that find it not cached, and keeps no lookup begun before sign-ins changed', async () => {
    const res = await t.anonymous.post('/api/session', { email: 'agent@switchboard.local', password: 'switchboard-agent' });
    const token = res.cookies.find((c) => c.name === 'sb_session')!.value;
    const users = t.app.services.users;
    const lookups = vi.spyOn(t.app.database.reads, 'selectFrom');
    const sessionLookups = () => lookups.mock.calls.filter((c) => c[0] === 'sessions').length;
    // Twenty requests at once (a console's polls, several tabs): one lookup.
    const actors = await Promise.all(Array.from({ length: 20 }, () => users.actorForSession(token)));
    expect(actors.every((a) => a?.label === 'agent@switchboard.local')).toBe(true);
    expect(sessionLookups()).toBe(1);
    // Cached now: no lookup.
    await users.actorForSession(token);
    expect(sessionLookups()).toBe(1);

    // Sign-ins change while a lookup is under way (a sign-out, a role changed): what it read is not kept.
    await users.endedSignIns(t.app.database.db);
    const racing = users.actorForSession(token);
    await users.endedSignIns(t.app.database.db);
    expect((await racing)?.label).toBe('agent@switchboard.local');
    await users.actorForSession(token);
    expect(sessionLookups()).toBe(3);
    lookups.mockRestore();

    // Signed out: refused at once.
    expect((await t.anonymous.request('DELETE', '/api/session', undefined, { cookie: `sb_session=${token}` })).statusCode).toBeLessThan(300);
    expect(await users.actorForSession(token)).toBeNull();
  });

  it('gives machines bearer tokens with the rights of their account, until revoked', async () => {
    const admin = await t.as('admin');
    const users = body(await admin.get('/api/users')).items;
    const agentId = users.find((u: any) => u.role === 'agent').id;
    const created = await admin.post('/api/tokens', { name: 'crm sync', userId: agentId });
    expect(created.statusCode).toBe(201);
    const { token, id } = body(created);
    const auth = { authorization: `Bearer ${token}` };
    expect((await t.anonymous.request('GET', '/api/products', undefined, auth)).statusCode).toBe(200);
    expect((await t.anonymous.request('POST', '/api/products/mobile-20gb/disable', {}, auth)).statusCode).toBe(403);
    const stored = await t.app.database.db.selectFrom('apiTokens').select('tokenHash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.tokenHash).not.toContain(token);
    await admin.delete(`/api/tokens/${id}`);
    expect((await t.anonymous.request('GET', '/api/products', undefined, auth)).statusCode).toBe(401);
    expect((await t.anonymous.request('GET', '/api/products', undefined, { authorization: 'Bearer sbt_made_up' })).statusCode).toBe(401);
  });
});

describe('errors', () => {
  it('answers 400 with a code and the field for invalid bodies, and changes nothing', async () => {
    const agent = await t.as('agent');
    const before = body(await agent.get('/api/customers?limit=200')).items.length;
    const cases: [unknown, string][] = [
      [{ type: 'individual' }, 'body.name'],
      [{ type: 'martian', name: 'X' }, 'body.type'],
      [{ type: 'individual', name: 'X', email: 'not-an-email' }, 'body.email'],
      [{ type: 'individual', name: 'X', phone: 'call me' }, 'body.phone'],
    ];
    for (const [payload, field] of cases) {
      const res = await agent.post('/api/customers', payload);
      expect(res.statusCode).toBe(400);
      const e = body(res).error;
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.message.startsWith(field)).toBe(true);
      expect(e.details.fields[0].field).toBe(field);
    }
    const notJson = await agent.request('POST', '/api/customers', undefined, { 'content-type': 'application/json', 'content-length': '3' });
    expect(notJson.statusCode).toBeGreaterThanOrEqual(400);
    expect(notJson.statusCode).toBeLessThan(500);
    const badId = await agent.get('/api/customers/abc');
    expect(badId.statusCode).toBe(400);
    expect(body(badId).error.details.fields[0].field).toBe('params.id');
    expect(body(await agent.get('/api/customers?limit=200')).items.length).toBe(before);
  });

  it('answers 400, not 500, for a malformed date filter or a pattern that is not a regular expression', async () => {
    const agent = await t.as('agent');
    const badDate = await agent.get('/api/provisions?before=yesterday');
    expect(badDate.statusCode).toBe(400);
    expect(body(badDate).error.details.fields[0].field).toBe('querystring.before');
    const admin = await t.as('admin');
    const badPattern = await admin.post('/api/inventory/templates', { name: 'Broken', attributes: [{ name: 'serial', label: 'Serial', pattern: '([A-Z' }] });
    expect(badPattern.statusCode).toBe(400);
    expect(body(badPattern).error.message).toMatch(/not a valid regular expression/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await (await t.as('agent')).get('/api/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(body(res).error.code).toBe('NOT_FOUND');
  });
});

describe('audit log', () => {
  it('records who changed what, which record, when, before and after', async () => {
    const agent = await t.as('agent');
    const created = body(await agent.post('/api/customers', { type: 'individual', name: 'Audit Me', email: 'audit@example.com', paymentType: 'invoice', status: 'suspended' }));
    const patched = body(await agent.patch(`/api/customers/${created.id}`, { name: 'Audited' }));
    // A PATCH changes only what it names.
    expect(patched).toMatchObject({ name: 'Audited', paymentType: 'invoice', status: 'suspended', email: 'audit@example.com' });
    const admin = await t.as('admin');
    await admin.patch('/api/products/voip-line', { recurringPrice: 900 });

    const events = body(await admin.get(`/api/audit?entityType=customer&entityId=${created.id}`)).items;
    const update = events.find((e: any) => e.action === 'customer.update');
    expect(update).toMatchObject({ actorLabel: 'agent@switchboard.local', entityType: 'customer', entityId: String(created.id) });
    expect(update.before.name).toBe('Audit Me');
    expect(update.after.name).toBe('Audited');
    expect(Date.parse(update.occurredAt)).toBeGreaterThan(0);
    expect(events.some((e: any) => e.action === 'customer.create')).toBe(true);

    const product = body(await admin.get('/api/audit?entityType=product')).items.find((e: any) => e.action === 'product.update');
    expect(product.before.recurringPrice).toBe(800);
    expect(product.after.recurringPrice).toBe(900);
    expect(product.actorLabel).toBe('admin@switchboard.local');
    expect((await agent.get('/api/audit')).statusCode).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents every route at /docs/json, with its roles', async () => {
    const doc = body(await t.anonymous.get('/docs/json'));
    const documented = new Set<string>();
    for (const [p, ops] of Object.entries<any>(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${p}`);
    // Every /api route, as Fastify registered it, must appear in the document.
    const routes = t.app.http.apiRoutes;
    expect(routes.length).toBeGreaterThan(25);
    for (const r of routes) expect(documented, r).toContain(r);
    expect(doc.paths['/api/products/{idOrSlug}'].get.description).toMatch(/Roles: admin, agent, viewer/);
    expect(doc.components.schemas.Product).toBeDefined();
    expect((await t.anonymous.get('/docs')).statusCode).toBeLessThan(400);
  });
});
