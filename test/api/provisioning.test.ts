import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, setSimulator, waitForEnd } from '../helpers/provisioning.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { RETRY_DELAY_SCALE: '0.01' } });
});
afterAll(() => t?.close());

const JOHN = 100;
const count = async (query: string, ...params: unknown[]) => {
  const parts = query.split('?');
  const s = sql.join(parts.map((p, i) => (i < params.length ? sql`${sql.raw(p)}${params[i]}` : sql.raw(p))), sql``);
  return Number((await sql<{ n: number }>`select count(*)::int as n from (${s}) x`.execute(t.app.database.db)).rows[0]!.n);
};

describe('the operator\'s text in French (R13, issue 13)', () => {
  it('products and templates carry their names per language; the review lists the tasks in each language', async () => {
    const agent = await t.as('agent');
    const product = body(await agent.get('/api/products/mobile-20gb'));
    expect(product.translations.fr).toMatchObject({ name: 'Mobile - forfait 20 Go', features: expect.arrayContaining(['20 Go de données']) });
    const templates = body(await agent.get('/api/inventory/templates')).items;
    expect(Object.fromEntries(templates.map((x: any) => [x.name, x.names.fr]))).toMatchObject({ 'SIM Card': 'Carte SIM', 'Mobile Number': 'Numéro de mobile', 'CPE Modem': 'Modem CPE' });
    const check = body(await agent.post('/api/provisions/preflight', { customerId: JOHN, product: 'mobile-20gb' }));
    expect(check.taskNames.fr[0]).toBe('Validation du compte client');
    expect(check.taskNames.fr).toHaveLength(check.tasks.length);
  });

  it('an admin gives a product its French text; a bad language code is refused and changes nothing', async () => {
    const admin = await t.as('admin');
    const bad = await admin.patch('/api/products/static-ip', { translations: { french: { name: 'x' } } });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.code).toBe('VALIDATION_FAILED');
    expect(body(await admin.get('/api/products/static-ip')).translations.fr.name).toBe('Adresse IP fixe');
    const ok = await admin.patch('/api/products/static-ip', { translations: { fr: { name: 'IP fixe' } } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(body(ok).translations).toEqual({ fr: { name: 'IP fixe' } });
    const tpl = body(await admin.get('/api/inventory/templates')).items.find((x: any) => x.name === 'Set-top Box');
    const changed = await admin.patch(`/api/inventory/templates/${tpl.id}`, { names: { fr: 'Boîtier TV' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(body(changed).names).toEqual({ fr: 'Boîtier TV' });
  });
});

describe('a new mobile line for John Smith, through the API alone (R12.1, R7.1, R13.3)', () => {
  it('runs the six tasks, activates the service and assigns its SIM and number', async () => {
    const agent = await t.as('agent');
    const { res, items } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'], autoRenew: true });
    expect(res.statusCode, res.body).toBe(201);
    const started = body(res);
    expect(started.summary).toMatch(/^\d of 6 tasks completed$/);
    expect(started.service.status).toBe('provisioning');

    const done = await waitForEnd(agent, started.id);
    expect(done.status).toBe('succeeded');
    expect(done.summary).toBe('6 of 6 tasks completed');
    const sim = items['SIM Card'];
    const number = items['Mobile Number'];
    expect(done.tasks.map((x: any) => x.name)).toEqual([
      'Validate customer account',
      `Assign SIM card (ICCID: ${sim.attributes.iccid})`,
      `Assign mobile number (${number.reference})`,
      'Configure OCS account',
      'Create service record',
      'Send welcome e-mail',
    ]);
    expect(done.tasks.every((x: any) => x.status === 'succeeded')).toBe(true);
    // The same tasks as the seed names them in French (R13, issue 13), rendered with the run's values.
    expect(done.tasks.map((x: any) => x.names?.fr)).toEqual([
      'Validation du compte client',
      `Attribution de la carte SIM (ICCID : ${sim.attributes.iccid})`,
      `Attribution du numéro de mobile (${number.reference})`,
      'Configuration du compte OCS',
      "Création de l'enregistrement de service",
      "Envoi de l'e-mail de bienvenue",
    ]);
    const logs = body(await agent.get(`/api/provisions/${started.id}/logs`));
    expect(logs.tasks[1].names.fr).toBe(`Attribution de la carte SIM (ICCID : ${sim.attributes.iccid})`);

    const service = body(await agent.get(`/api/services/${done.service.id}`));
    expect(service).toMatchObject({ status: 'active', customerId: JOHN, autoRenew: true, serviceType: 'mobile' });
    expect(service.name).toMatch(/^Mobile - \+44 7700 900\d{3}$/);
    expect(service.name).toBe(`Mobile - ${number.reference}`);
    expect(service.contractEnd).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    for (const it of [sim, number]) {
      const stored = body(await agent.get(`/api/inventory/items/${it.id}`));
      expect(stored).toMatchObject({ status: 'assigned', customerId: JOHN, serviceId: service.id, reservation: null });
    }
    const onService = body(await agent.get(`/api/services/${service.id}/inventory`)).items.map((i: any) => i.reference).sort();
    expect(onService).toEqual([number.reference, sim.reference].sort());

    const mail = body(await agent.get(`/api/customers/${JOHN}/mail`)).items.filter((m: any) => m.serviceId === service.id);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ toAddress: 'john.smith@example.com', status: 'sent', template: 'welcome-mobile' });
    expect(mail[0].body).toContain(number.reference);

    const balance = body(await agent.get(`/api/services/${service.id}/balance`));
    expect(balance).toMatchObject({ exists: true, ocsAccount: service.ocsAccount });
    expect(balance.totals['data:MB']).toBe(20480);

    const listed = body(await agent.get(`/api/customers/${JOHN}/services`)).items.map((s: any) => s.id);
    expect(listed).toContain(service.id);

    // The service page's data in one answer (issue 13): the same service, its inventory, charges and run.
    const page = body(await (await t.as('viewer')).get(`/api/services/${service.id}/page`));
    expect(page.service).toEqual(service);
    expect(page.customer).toMatchObject({ id: JOHN, name: 'John Smith', type: 'individual' });
    expect(page.inventory.map((i: any) => i.reference).sort()).toEqual(onService);
    expect(page.charges.map((c: any) => c.serviceId)).toEqual(page.charges.map(() => service.id));
    expect(page.charges.length).toBeGreaterThan(0);
    expect(page.history.map((r: any) => r.id)).toContain(started.id);
    expect(page.site).toBeNull();
    expect((await agent.get('/api/services/99999999/page')).statusCode).toBe(404);
  });

  it('refuses to start what would fail, with every check stated (R6.3)', async () => {
    const agent = await t.as('agent');
    // Sarah O'Connor has no payment method; the business plan is not for individuals.
    const sarah = body(await agent.get(`/api/customers/search?q=${encodeURIComponent("Sarah O'Connor")}`)).items[0].id;
    const noCard = await assign(agent, { customerId: sarah, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    expect(noCard.res.statusCode).toBe(422);
    const e = body(noCard.res).error;
    expect(e.code).toBe('PRECONDITION_FAILED');
    expect(e.message).toMatch(/no default payment method/);
    expect(e.details.checks.find((c: any) => c.id === 'payment_method')).toMatchObject({ ok: false });
    expect(e.details.checks.find((c: any) => c.id === 'inventory')).toMatchObject({ ok: true });

    const wrongType = await assign(agent, { customerId: JOHN, product: 'mobile-business-50gb', templates: ['SIM Card', 'Mobile Number'] });
    expect(wrongType.res.statusCode).toBe(422);
    expect(body(wrongType.res).error.message).toMatch(/not offered to individual customers/);

    const preflight = body(await agent.post('/api/provisions/preflight', { customerId: JOHN, product: 'mobile-20gb', inventory: {} }));
    expect(preflight.ok).toBe(false);
    expect(preflight.checks.find((c: any) => c.id === 'inventory').message).toMatch(/choose a SIM Card; choose a Mobile Number/i);
    // The same by key and values, for a console in another language (R6.3).
    expect(preflight.checks.find((c: any) => c.id === 'inventory')).toMatchObject({
      text: [
        { key: 'inventory.choose', params: { template: 'SIM Card' } },
        { key: 'inventory.choose', params: { template: 'Mobile Number' } },
      ],
      hintText: { key: 'inventory.pickAgain', params: {} },
    });
    expect(preflight.pricing).toEqual({ setupFee: 0, recurringPrice: 1500, currency: 'GBP', billing: 'recurring' });
    expect(preflight.autoRenew).toBe(true);

    // Nothing was written by any of these.
    expect(await count(`select id from services where customer_id = ? and status = 'provisioning'`, sarah)).toBe(0);
  });

  it('refuses inventory the assignment does not hold: another wizard\'s item', async () => {
    const agent = await t.as('agent');
    const sims = body(await agent.get('/api/inventory/available?template=SIM%20Card&limit=2')).items;
    const numbers = body(await agent.get('/api/inventory/available?template=Mobile%20Number&limit=1')).items;
    await agent.post(`/api/inventory/items/${sims[0].id}/reservations`, { holder: 'wizard-someone-else' });
    await agent.post(`/api/inventory/items/${numbers[0].id}/reservations`, { holder: 'wizard-mine-0001' });
    const res = await agent.post(
      '/api/provisions',
      { customerId: JOHN, product: 'mobile-20gb', reservation: 'wizard-mine-0001', inventory: { 'SIM Card': sims[0].id, 'Mobile Number': numbers[0].id } },
      { 'idempotency-key': 'key-not-mine-1' },
    );
    expect(res.statusCode).toBe(422);
    expect(body(res).error.message).toMatch(/held by another assignment/);
  });
});

describe('Confirm & Provision twice (R6.2)', () => {
  it('gives one provision and one service for the same Idempotency-Key, sent twice and at once', async () => {
    const agent = await t.as('agent');
    const before = await count(`select id from services where customer_id = ?`, JOHN);
    const first = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'], key: 'double-click-key-1' });
    expect(first.res.statusCode).toBe(201);
    const again = await agent.post('/api/provisions', first.payload, { 'idempotency-key': first.key });
    expect(again.statusCode).toBe(200);
    expect(body(again).id).toBe(body(first.res).id);

    // Ten at once, with a fresh key.
    const { reserve } = await import('../helpers/provisioning.js');
    const r = await reserve(agent, ['SIM Card', 'Mobile Number']);
    const payload = { customerId: JOHN, product: 'mobile-20gb', reservation: r.holder, inventory: r.inventory };
    const burst = await Promise.all(Array.from({ length: 10 }, () => agent.post('/api/provisions', payload, { 'idempotency-key': 'double-click-key-2' })));
    expect(burst.map((b) => b.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(burst.map((b) => body(b).id)).size).toBe(1);
    expect(await count(`select id from services where customer_id = ?`, JOHN)).toBe(before + 2);
    expect(await count(`select id from provisions where idempotency_key in ('double-click-key-1', 'double-click-key-2')`)).toBe(2);

    const reused = await agent.post('/api/provisions', { ...payload, autoRenew: false }, { 'idempotency-key': 'double-click-key-2' });
    expect(reused.statusCode).toBe(409);
    expect(body(reused).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const noKey = await agent.post('/api/provisions', payload);
    expect(noKey.statusCode).toBe(400);
    expect(body(noKey).error.message).toMatch(/idempotency-key/);
    await waitForEnd(agent, body(first.res).id);
    await waitForEnd(agent, body(burst[0]!).id);
  });
});

describe('failure and retry (R8.2, R8.3, R13.2)', () => {
  it('fails at "Configure OCS account" when the OCS is down, keeps the service and the inventory, and a retry finishes without redoing anything', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    const { res, items } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    expect(res.statusCode).toBe(201);
    const failed = await waitForEnd(agent, body(res).id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'OCS_UNREACHABLE', message: 'Unable to connect to OCS', task: 'Configure OCS account' });
    expect(failed.error.hint).toMatch(/OCS is online/);
    expect(failed.tasks.map((x: any) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'pending', 'pending']);
    expect(failed.summary).toBe('3 of 6 tasks completed');
    expect(failed.tasks[3].attempts).toBe(3); // retries: 2 in the playbook

    // The service record stays, not active (R8.2); the inventory stays with it for the retry.
    const service = body(await agent.get(`/api/services/${failed.service.id}`));
    expect(service.status).toBe('failed');
    for (const it of Object.values(items) as any[]) {
      const stored = body(await agent.get(`/api/inventory/items/${it.id}`));
      expect(['reserved', 'assigned']).toContain(stored.status);
      expect(stored.status === 'assigned' ? stored.serviceId : stored.reservation.provisionId).toBe(stored.status === 'assigned' ? service.id : failed.id);
    }
    const logs = body(await agent.get(`/api/provisions/${failed.id}/logs`));
    const ocsTask = logs.tasks[3];
    expect(ocsTask.log.map((l: any) => l.line).join('\n')).toMatch(/Attempt 3 failed: Unable to connect to OCS/);
    expect(logs.events.some((e: any) => e.taskSeq === 4 && e.status === 'failed')).toBe(true);
    const failedList = body(await agent.get('/api/provisions?status=failed')).items.map((p: any) => p.id);
    expect(failedList).toContain(failed.id);

    await setSimulator(admin, 'ocs', { failure: null });
    const retried = await agent.post(`/api/provisions/${failed.id}/retry`, { attempt: 1 });
    expect(retried.statusCode).toBe(200);
    const doubleClick = await agent.post(`/api/provisions/${failed.id}/retry`, { attempt: 1 });
    expect(doubleClick.statusCode).toBe(200);
    expect(body(doubleClick).attempt).toBe(2);
    const done = await waitForEnd(agent, failed.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect(done.summary).toBe('6 of 6 tasks completed');
    // Each snapshot says how recent it is (its run's last event), so that a console never lets the
    // retry's answer (queued) replace the stream's later one (succeeded) when they cross (R7.2).
    expect(body(res).version).toBe(0);
    expect(failed.version).toBeGreaterThan(0);
    expect(body(retried).version).toBeGreaterThan(failed.version);
    expect(done.version).toBeGreaterThan(body(retried).version);
    expect(done.version).toBe(Math.max(...body(await agent.get(`/api/provisions/${failed.id}/logs`)).events.map((e: any) => Number(e.id))));
    // No finished task ran again: each of the first three has exactly one attempt and one "running" event.
    expect(done.tasks.slice(0, 3).map((x: any) => x.attempts)).toEqual([1, 1, 1]);
    const events = body(await agent.get(`/api/provisions/${failed.id}/logs`)).events;
    for (const seq of [1, 2, 3]) expect(events.filter((e: any) => e.taskSeq === seq && e.status === 'running')).toHaveLength(1);
    expect(await count(`select account from sim_ocs_accounts where account = ?`, service.ocsAccount)).toBe(1);
    expect(await count(`select id from sim_calls where system = 'ocs' and operation = 'create_account' and key = ? and outcome = 'created'`, service.ocsAccount)).toBe(1);
    expect(body(await agent.get(`/api/services/${service.id}`)).status).toBe('active');
    expect(await count(`select id from mail_outbox where service_id = ?`, service.id)).toBe(1);
    const doneAgain = await agent.post(`/api/provisions/${failed.id}/retry`);
    expect(doneAgain.statusCode).toBe(409);
    expect(body(doneAgain).error.code).toBe('INVALID_TRANSITION');
  });

  it('cancelling a failed service releases its inventory and undoes what its run created outside', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const home = body(await agent.get(`/api/customers/${JOHN}`)).sites[0].id;
    await setSimulator(admin, 'radius', { failure: 'unreachable' });
    const { res, items } = await assign(agent, { customerId: JOHN, product: 'fibre-100', templates: ['CPE Modem'], siteId: home, customFields: { installation_date: '2026-12-10' } });
    expect(res.statusCode, res.body).toBe(201);
    const failed = await waitForEnd(agent, body(res).id);
    await setSimulator(admin, 'radius', { failure: null });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ message: 'Unable to connect to RADIUS', task: 'Create RADIUS user' });
    const account = body(await agent.get(`/api/services/${failed.service.id}`)).ocsAccount;
    expect(await count(`select account from sim_ocs_accounts where account = ?`, account)).toBe(1);
    // The failed task's last request landed after all and only its answer was lost: RADIUS has the user.
    const username = `${account}@fibre.switchboard.example`;
    await sql`insert into sim_network_elements (kind, key, data) values ('radius', ${username}, ${JSON.stringify({ username, profile: 'FTTP-100', attributes: {} })}::jsonb)`.execute(t.app.database.db);

    expect(body(await agent.get(`/api/provisions/${failed.id}`)).status).toBe('failed'); // as the polling route keeps it
    const cancelled = await agent.post(`/api/provisions/${failed.id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(body(cancelled).status).toBe('cancelled');
    // The polling route says so at once: a change drops what it kept (R7.2).
    expect(body(await agent.get(`/api/provisions/${failed.id}`)).status).toBe('cancelled');
    expect(body(await agent.get(`/api/services/${failed.service.id}`)).status).toBe('cancelled');
    const modem = body(await agent.get(`/api/inventory/items/${items['CPE Modem'].id}`));
    expect(modem).toMatchObject({ status: 'in_stock', serviceId: null, customerId: null, reservation: null });
    // The cancel workflow removes the OCS account the run had created.
    const until = Date.now() + 10_000;
    while ((await count(`select account from sim_ocs_accounts where account = ?`, account)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await count(`select account from sim_ocs_accounts where account = ?`, account)).toBe(0);
    // ...and the RADIUS user the failed task may have made, by what its action planned to undo.
    while ((await count(`select key from sim_network_elements where kind = 'radius' and key = ?`, username)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await count(`select key from sim_network_elements where kind = 'radius' and key = ?`, username)).toBe(0);
    const after = body(await agent.get(`/api/provisions/${failed.id}`));
    expect(after.tasks.find((x: any) => x.name === 'Create RADIUS user').status).toBe('rolled_back');
    expect((await agent.post(`/api/provisions/${failed.id}/retry`)).statusCode).toBe(409);
  });

  it('an undo that cannot be done after a cancel is written for staff, and the others are still done', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const home = body(await agent.get(`/api/customers/${JOHN}`)).sites[0].id;
    await setSimulator(admin, 'radius', { failure: 'unreachable' });
    try {
      const { res } = await assign(agent, { customerId: JOHN, product: 'fibre-100', templates: ['CPE Modem'], siteId: home, customFields: { installation_date: '2026-12-11' } });
      const failed = await waitForEnd(agent, body(res).id);
      expect(failed.error.task).toBe('Create RADIUS user');
      const account = body(await agent.get(`/api/services/${failed.service.id}`)).ocsAccount;
      // RADIUS is still down while the service is cancelled.
      expect((await agent.post(`/api/provisions/${failed.id}/cancel`)).statusCode).toBe(200);
      const until = Date.now() + 15_000;
      const undoFailed = async () => body(await agent.get(`/api/provisions/${failed.id}/logs`)).events.filter((e: any) => e.status === 'undo_failed');
      while (!(await undoFailed()).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect((await undoFailed())[0].message).toBe('Undo failed: Unable to connect to RADIUS. Undo it by hand in the system concerned.');
      // The OCS account the run created is removed all the same.
      while ((await count(`select account from sim_ocs_accounts where account = ?`, account)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(await count(`select account from sim_ocs_accounts where account = ?`, account)).toBe(0);
      const logs = body(await agent.get(`/api/provisions/${failed.id}/logs`));
      expect(logs.tasks.find((x: any) => x.name === 'Create RADIUS user').log.at(-1).line).toMatch(/^Undo failed: Unable to connect to RADIUS/);
    } finally {
      await setSimulator(admin, 'radius', { failure: null });
    }
  });

  it('a static IP changes the line\'s RADIUS user, keeping what it had; its undo puts the user back as it was', async () => {
    const agent = await t.as('agent');
    const home = body(await agent.get(`/api/customers/${JOHN}`)).sites[0].id;
    const { res, items } = await assign(agent, { customerId: JOHN, product: 'fibre-100', templates: ['CPE Modem'], siteId: home, customFields: { installation_date: '2026-12-10' } });
    const line = await waitForEnd(agent, body(res).id);
    expect(line.status).toBe('succeeded');
    const username = `${body(await agent.get(`/api/services/${line.service.id}`)).ocsAccount}@fibre.switchboard.example`;
    const radius = async () => (await sql<{ data: any }>`select data from sim_network_elements where kind = 'radius' and key = ${username}`.execute(t.app.database.db)).rows[0]?.data;
    const before = await radius();
    expect(before).toMatchObject({ profile: 'FTTP-100', attributes: { mac: items['CPE Modem'].attributes.mac } });

    const addon = await agent.post('/api/provisions', { customerId: JOHN, product: 'static-ip', serviceId: line.service.id, inventory: {} }, { 'idempotency-key': `static-ip-${line.service.id}` });
    expect(addon.statusCode, addon.body).toBe(201);
    expect((await waitForEnd(agent, body(addon).id)).status).toBe('succeeded');
    expect(await radius()).toEqual({ username, profile: 'STATIC-IP', attributes: { mac: items['CPE Modem'].attributes.mac, framed_ip: 'pool' } });

    // The undo a cancel or a rollback would run: the user as it was, and a removed line stays removed.
    const { actions } = await import('../../src/provisioning/actions/index.js');
    const update = actions.get('network.update_radius_user')!;
    const ctx = { deps: { network: t.app.integrations.network }, signal: AbortSignal.timeout(10_000), log: () => {} } as any;
    const done = await update.run(ctx, { username, profile: 'FIBRE-GOLD', tier: 'gold' });
    expect(await radius()).toMatchObject({ profile: 'FIBRE-GOLD', attributes: { framed_ip: 'pool', tier: 'gold' } });
    await update.undo!(ctx, done.undo!);
    expect(await radius()).toEqual({ username, profile: 'STATIC-IP', attributes: { mac: items['CPE Modem'].attributes.mac, framed_ip: 'pool' } });
    await t.app.integrations.network.deleteRadiusUser(username);
    await update.undo!(ctx, done.undo!);
    expect(await radius()).toBeUndefined();
    await expect(update.run(ctx, { username, profile: 'STATIC-IP' })).rejects.toMatchObject({ code: 'RADIUS_USER_NOT_FOUND' });
  });

  it('a failure after activation leaves the service active; cancelling is refused with the way out', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    await setSimulator(admin, 'mail', { failure: 'error' });
    const { res } = await assign(agent, { customerId: JOHN, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const failed = await waitForEnd(agent, body(res).id);
    await setSimulator(admin, 'mail', { failure: null });
    expect(failed.status).toBe('failed');
    expect(failed.error.task).toBe('Send welcome e-mail');
    expect(failed.service.status).toBe('active');
    const cancel = await agent.post(`/api/provisions/${failed.id}/cancel`);
    expect(cancel.statusCode).toBe(409);
    expect(body(cancel).error.hint).toMatch(/Retry/);
    await agent.post(`/api/provisions/${failed.id}/retry`);
    const done = await waitForEnd(agent, failed.id);
    expect(done.status).toBe('succeeded');
    // The e-mail task has retries: 2, so three attempts the first time and one more now.
    expect(done.tasks.map((x: any) => x.attempts)).toEqual([1, 1, 1, 1, 1, 4]);
  });
});

describe('add-ons (R9, R12.3)', () => {
  it('adds 5GB to John\'s mobile service at once, creates no service, and a retried failed add-on never adds twice', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const mobile = body(await agent.get(`/api/customers/${JOHN}/services?serviceType=mobile&status=active`)).items[0];
    expect(mobile).toBeDefined();
    const servicesBefore = await count(`select id from services where customer_id = ?`, JOHN);
    const before = body(await agent.get(`/api/services/${mobile.id}/balance`)).totals['data:MB'];

    const needsTarget = await agent.post('/api/provisions/preflight', { customerId: JOHN, product: 'data-boost-5gb' });
    expect(body(needsTarget).checks.find((c: any) => c.id === 'addon_target').message).toMatch(/Choose which mobile service/);

    const { res } = await assign(agent, { customerId: JOHN, product: 'data-boost-5gb', serviceId: mobile.id });
    expect(res.statusCode, res.body).toBe(201);
    expect(body(res).kind).toBe('addon');
    expect(body(res).service.id).toBe(mobile.id);
    const done = await waitForEnd(agent, body(res).id);
    expect(done.status).toBe('succeeded');
    const after = body(await agent.get(`/api/services/${mobile.id}/balance`)).totals['data:MB'];
    expect(after).toBe(before + 5120);
    expect(await count(`select id from services where customer_id = ?`, JOHN)).toBe(servicesBefore);
    const addons = body(await agent.get(`/api/services/${mobile.id}/addons`)).items;
    expect(addons.find((a: any) => a.provisionId === done.id)).toMatchObject({ productName: '5GB data boost', billing: 'one_off' });

    // The OCS adds the balance, then the next task fails: the retry must not add it again.
    await setSimulator(admin, 'mail', { failure: 'unreachable' });
    const second = await assign(agent, { customerId: JOHN, product: 'data-boost-5gb', serviceId: mobile.id });
    const p2 = await waitForEnd(agent, body(second.res).id);
    // The e-mail of an add-on is ignore_errors: the run still succeeds and the balance is there.
    expect(p2.status).toBe('succeeded');
    expect(p2.tasks.at(-1).status).toBe('ignored');
    await setSimulator(admin, 'mail', { failure: null });
    expect(body(await agent.get(`/api/services/${mobile.id}/balance`)).totals['data:MB']).toBe(before + 10240);

    await setSimulator(admin, 'ocs', { failure: 'unreachable' });
    const third = await assign(agent, { customerId: JOHN, product: 'data-boost-5gb', serviceId: mobile.id });
    const p3 = await waitForEnd(agent, body(third.res).id);
    expect(p3.status).toBe('failed');
    // While the OCS is down its balance cannot be read either (503); once it is back, nothing was added.
    expect((await agent.get(`/api/services/${mobile.id}/balance`)).statusCode).toBe(503);
    await setSimulator(admin, 'ocs', { failure: null });
    expect(body(await agent.get(`/api/services/${mobile.id}/balance`)).totals['data:MB']).toBe(before + 10240);
    await agent.post(`/api/provisions/${p3.id}/retry`);
    expect((await waitForEnd(agent, p3.id)).status).toBe('succeeded');
    await agent.post(`/api/provisions/${p3.id}/retry`); // refused: nothing to retry
    expect(body(await agent.get(`/api/services/${mobile.id}/balance`)).totals['data:MB']).toBe(before + 15360);
    expect(await count(`select balance_id from sim_ocs_balances where balance_id = ?`, p3.id)).toBe(1);
  });

  it('refuses an add-on for the wrong kind of service, or someone else\'s', async () => {
    const agent = await t.as('agent');
    const mobile = body(await agent.get(`/api/customers/${JOHN}/services?serviceType=mobile&status=active`)).items[0];
    const staticIp = body(await agent.post('/api/provisions/preflight', { customerId: JOHN, product: 'static-ip', serviceId: mobile.id }));
    expect(staticIp.checks.find((c: any) => c.id === 'addon_target')).toMatchObject({ ok: false });
    expect(staticIp.checks.find((c: any) => c.id === 'addon_target').message).toMatch(/for internet services/);
    const doe = body(await agent.get('/api/customers/search?q=John%20Doe')).items[0].id;
    const notHis = body(await agent.post('/api/provisions/preflight', { customerId: doe, product: 'data-boost-5gb', serviceId: mobile.id }));
    expect(notHis.checks.find((c: any) => c.id === 'addon_target').message).toMatch(/belongs to another customer/);
  });
});

describe('internet for an existing customer (R12.2)', () => {
  it('provisions Fibre - 100Mbps at a business site with its CPE modem and opens the installation ticket', async () => {
    const agent = await t.as('agent');
    const acme = body(await agent.get('/api/customers/search?q=Acme')).items[0].id;
    const detail = body(await agent.get(`/api/customers/${acme}`));
    const london = detail.sites.find((s: any) => s.name === 'London office');
    const billing = detail.contacts.find((c: any) => c.role === 'billing');
    const technical = detail.contacts.find((c: any) => c.role === 'technical');

    const noSite = body(await agent.post('/api/provisions/preflight', { customerId: acme, product: 'fibre-100', customFields: { installation_date: '2026-12-15', po_number: 'PO-2025-001234' } }));
    expect(noSite.checks.find((c: any) => c.id === 'site_contacts')).toMatchObject({ ok: false, field: 'siteId' });
    expect(noSite.checks.find((c: any) => c.id === 'site_contacts').hint).toMatch(/London office, Manchester warehouse/);
    expect(noSite.checks.find((c: any) => c.id === 'site_contacts').hintText).toEqual({ key: 'site.chooseOne', params: { sites: ['London office', 'Manchester warehouse'] } });
    const badPo = body(await agent.post('/api/provisions/preflight', { customerId: acme, product: 'fibre-100', siteId: london.id, customFields: { installation_date: '2026-12-15', po_number: '1234' } }));
    expect(badPo.checks.find((c: any) => c.id === 'custom_fields')).toMatchObject({ ok: false, field: 'customFields.po_number' });
    expect(badPo.checks.find((c: any) => c.id === 'custom_fields').message).toMatch(/PO number "1234" is not in the expected format/);

    const { res, items } = await assign(agent, {
      customerId: acme,
      product: 'fibre-100',
      templates: ['CPE Modem'],
      siteId: london.id,
      billingContactId: billing.id,
      technicalContactId: technical.id,
      customFields: { installation_date: '2026-12-15', po_number: 'PO-2025-001234' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const done = await waitForEnd(agent, body(res).id);
    expect(done.status).toBe('succeeded');
    expect(done.summary).toBe('7 of 7 tasks completed');
    const service = body(await agent.get(`/api/services/${done.service.id}`));
    expect(service).toMatchObject({ status: 'active', name: 'Fibre - London office', siteId: london.id, billingContactId: billing.id, technicalContactId: technical.id, autoRenew: true });
    expect(service.customFields).toEqual({ installation_date: '2026-12-15', po_number: 'PO-2025-001234' });
    const tickets = body(await agent.get(`/api/services/${service.id}/tickets`)).items;
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ queue: 'field-engineering', dueDate: '2026-12-15', subject: 'Install Fibre - 100Mbps at London office', status: 'open' });
    expect(tickets[0].details).toMatchObject({ contact: 'Bob Smith', site: '123 Main St' });
    expect(body(await agent.get(`/api/inventory/items/${items['CPE Modem'].id}`))).toMatchObject({ status: 'assigned', serviceId: service.id });
  });
});
