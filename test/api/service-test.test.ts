import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

/** "Test service" (issue 13, the seed's last check after an assignment): read-only checks through the same engine. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01' } });
});
afterAll(() => t?.close());

const JOHN = 100;
const count = async (table: string) => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.app.database.db)).rows[0]!.n);

async function mobileLine() {
  const agent = await t.as('agent');
  const { res, items } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
  expect(res.statusCode, res.body).toBe(201);
  const done = await waitForEnd(agent, body(res).id);
  expect(done.status).toBe('succeeded');
  return { serviceId: done.service.id as number, sim: items['SIM Card'], number: items['Mobile Number'] };
}

describe('testing a service', () => {
  it('a mobile line: the SIM on the HLR/HSS with a device attached, the OCS account and its balance; nothing changed, kept on the history', async () => {
    const agent = await t.as('agent');
    const { serviceId, sim } = await mobileLine();
    const before = { charges: await count('charges'), mail: await count('mail_outbox'), service: body(await agent.get(`/api/services/${serviceId}`)) };
    const res = await agent.post(`/api/services/${serviceId}/test`, {}, { 'idempotency-key': 'test-click-0001' });
    expect(res.statusCode, res.body).toBe(200);
    const done = await waitForEnd(agent, body(res).id);
    expect(done.status).toBe('succeeded');
    expect(done.tasks.map((x: any) => [x.name, x.status])).toEqual([
      [`SIM known to the HLR/HSS, device attached (IMSI ${sim.attributes.imsi})`, 'succeeded'],
      [`OCS account active, balance readable (${before.service.ocsAccount})`, 'succeeded'],
    ]);
    expect(done.tasks[0].names.fr).toBe(`Carte SIM connue du HLR/HSS, appareil attaché (IMSI ${sim.attributes.imsi})`);
    const logs = body(await agent.get(`/api/provisions/${done.id}/logs`));
    expect(logs.tasks[1].output).toMatchObject({ state: 'active', totals: { 'data:MB': 20480 } });
    // Read-only: no charge, no mail, the service as it was.
    expect(await count('charges')).toBe(before.charges);
    expect(await count('mail_outbox')).toBe(before.mail);
    expect(body(await agent.get(`/api/services/${serviceId}`))).toMatchObject({ status: 'active', updatedAt: before.service.updatedAt });
    // On the service's history, and the same click twice gives the same run.
    expect(body(await agent.get(`/api/services/${serviceId}/page`)).history.map((r: any) => r.id)).toContain(done.id);
    expect(body(await agent.post(`/api/services/${serviceId}/test`, {}, { 'idempotency-key': 'test-click-0001' })).id).toBe(done.id);
  });

  it('a check that fails says why and the others still run: the OCS down, a suspended account', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const { serviceId } = await mobileLine();
    let logs: any;
    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    try {
      const done = await waitForEnd(agent, body(await agent.post(`/api/services/${serviceId}/test`, {})).id);
      expect(done.tasks.map((x: any) => x.status)).toEqual(['succeeded', 'ignored']);
      logs = body(await agent.get(`/api/provisions/${done.id}/logs`));
      expect(logs.tasks[1].error).toMatch(/Unable to connect to OCS/);
      // The balance, read from the OCS, says the OCS is down: a 503 naming it, not a 500.
      const balance = await agent.get(`/api/services/${serviceId}/balance`);
      expect(balance.statusCode).toBe(503);
      expect(body(balance).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: 'Unable to connect to OCS' });
    } finally {
      await setSimulator(admin, 'ocs', { failure: null });
    }
    const suspended = await waitForEnd(agent, body(await agent.post(`/api/services/${serviceId}/suspend`, {})).id);
    expect(suspended.status).toBe('succeeded');
    const done = await waitForEnd(agent, body(await agent.post(`/api/services/${serviceId}/test`, {})).id);
    expect(done.tasks.map((x: any) => x.status)).toEqual(['succeeded', 'ignored']);
    const task = body(await agent.get(`/api/provisions/${done.id}/logs`)).tasks[1];
    expect(task.error).toMatch(/is disabled: calls and data are refused/);
    // Beside the English, the keyed clause and hint the console says in French (R13).
    expect(task.errorText).toEqual({
      text: { key: 'diagnostic.ocsNotActive', params: { account: expect.any(String), status: 'disabled' } },
      hintText: { key: 'diagnostic.unsuspend', params: {} },
      hint: 'Unsuspend the service if it should work.',
    });
    // An OCS that cannot be reached has no keyed text: the console names the system by its code.
    expect(logs.tasks[1].errorText).toBeNull();
  });

  it('refuses what cannot be tested, with the reason, and viewers', async () => {
    const agent = await t.as('agent');
    const { serviceId } = await mobileLine();
    expect((await (await t.as('viewer')).post(`/api/services/${serviceId}/test`, {})).statusCode).toBe(403);
    expect((await agent.post('/api/services/99999999/test', {})).statusCode).toBe(404);
    const ended = await waitForEnd(agent, body(await agent.post(`/api/services/${serviceId}/terminate`, {})).id);
    expect(ended.status).toBe('succeeded');
    const res = await agent.post(`/api/services/${serviceId}/test`, {});
    expect(res.statusCode).toBe(409);
    expect(body(res).error).toMatchObject({ code: 'INVALID_TRANSITION', message: expect.stringMatching(/is terminated: there is nothing to test/) });
  });

  it('a fibre line: the RADIUS user and the modem seen on the network', async () => {
    const agent = await t.as('agent');
    const acme = body(await agent.get('/api/customers/search?q=Acme')).items[0].id;
    const customer = body(await agent.get(`/api/customers/${acme}`));
    const { res } = await assign(agent, {
      customerId: acme,
      product: 'fibre-100',
      templates: ['CPE Modem'],
      siteId: customer.sites[0].id,
      customFields: { installation_date: '2027-01-15', po_number: 'PO-2026-000123' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const line = await waitForEnd(agent, body(res).id);
    expect(line.status).toBe('succeeded');
    const done = await waitForEnd(agent, body(await agent.post(`/api/services/${line.service.id}/test`, {})).id);
    expect(done.tasks.map((x: any) => [x.name.replace(/ \(.*\)$/, ''), x.status])).toEqual([
      ['RADIUS user exists', 'succeeded'],
      ['Modem seen on the network', 'succeeded'],
      ['OCS account active, balance readable', 'succeeded'],
    ]);
  });
});
