import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
const clock = new ManualClock('2026-11-25T10:00:00Z');
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(() => t?.close());

const available = async (template: string, extra = '') =>
  body(await (await t.as('agent')).get(`/api/inventory/available?template=${encodeURIComponent(template)}&limit=200${extra}`));

describe('available inventory (R4.2, R4.5)', () => {
  it('lists only new and in-stock items, leaving out reserved, assigned and retired ones', async () => {
    const agent = await t.as('agent');
    const admin = await t.as('admin');
    const before = await available('SIM Card');
    const [a, b, c] = before.items as any[];
    expect(before.items.every((i: any) => ['new', 'in_stock'].includes(i.status))).toBe(true);

    expect((await agent.post(`/api/inventory/items/${a.id}/reservations`, { holder: 'wizard-aaaa-1' })).statusCode).toBe(201);
    expect((await admin.post(`/api/inventory/items/${b.id}/retire`)).statusCode).toBe(200);
    // An item a finished provisioning gave to a service.
    await t.app.database.db
      .updateTable('inventoryItems')
      .set({ status: 'assigned', customerId: 100, assignedAt: clock.now().toISOString() })
      .where('id', '=', c.id)
      .execute();

    const after = await available('SIM Card');
    const ids = after.items.map((i: any) => i.id);
    expect(ids).not.toContain(a.id);
    expect(ids).not.toContain(b.id);
    expect(ids).not.toContain(c.id);
    expect(after.available).toBe(before.available - 3);
    expect(after.summary).toMatchObject({ reserved: 1, retired: 1, assigned: 1 });
  });

  it('labels items the way the selector shows them', async () => {
    const sims = await available('SIM Card');
    expect(sims.items[0].label).toMatch(/^SIM-\d{5} - ICCID 8944\.\.\.\d{4} \((New|In stock)\)$/);
    const numbers = await available('Mobile Number');
    expect(numbers.items[0].label).toMatch(/^\+44 7700 900\d{3} \((New|In stock)\)$/);
  });

  it('says why nothing is available: an unknown template name is a 404 naming the real ones', async () => {
    const res = await (await t.as('agent')).get('/api/inventory/available?template=SIM%20Cards');
    expect(res.statusCode).toBe(404);
    expect(body(res).error.hint).toContain('SIM Card');
  });

  it('adds items in bulk, all or none, checked against the template', async () => {
    const admin = await t.as('admin');
    const ok = await admin.post('/api/inventory/items', {
      template: 'CPE Modem',
      items: [
        { reference: 'CPE-90001', attributes: { serial: 'ZX90001', mac: 'AA:BB:CC:00:00:01' } },
        { reference: 'CPE-90002', attributes: { serial: 'ZX90002', mac: 'AA:BB:CC:00:00:02' }, status: 'in_stock' },
      ],
    });
    expect(ok.statusCode).toBe(201);
    expect(body(ok).created).toBe(2);

    const badMac = await admin.post('/api/inventory/items', {
      template: 'CPE Modem',
      items: [
        { reference: 'CPE-90003', attributes: { serial: 'ZX90003', mac: 'AA:BB:CC:00:00:03' } },
        { reference: 'CPE-90004', attributes: { serial: 'ZX90004', mac: 'not-a-mac' } },
      ],
    });
    expect(badMac.statusCode).toBe(400);
    expect(body(badMac).error.details.field).toBe('items.1.attributes.mac');
    const dup = await admin.post('/api/inventory/items', { template: 'CPE Modem', items: [{ reference: 'CPE-90001', attributes: { serial: 'x', mac: 'AA:BB:CC:00:00:09' } }] });
    expect(dup.statusCode).toBe(409);
    const refs = (await available('CPE Modem', '&q=CPE-900')).items.map((i: any) => i.reference);
    expect(refs.sort()).toEqual(['CPE-90001', 'CPE-90002']);
  });
});

describe('reservations (R4.3)', () => {
  it('lets exactly one of 50 concurrent reservations of one item succeed', async () => {
    const agent = await t.as('agent');
    const item = (await available('Mobile Number')).items[0];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => agent.post(`/api/inventory/items/${item.id}/reservations`, { holder: `race-holder-${i}` })),
    );
    const won = results.filter((r) => r.statusCode === 201);
    const lost = results.filter((r) => r.statusCode === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    expect(body(lost[0]!).error.code).toBe('INVENTORY_UNAVAILABLE');
    expect(body(lost[0]!).error.hint).toMatch(/Pick another Mobile Number/);
    const holder = body(won[0]!).reservation.holder;
    const stored = body(await agent.get(`/api/inventory/items/${item.id}`));
    expect(stored.reservation.holder).toBe(holder);
    const audits = body(await (await t.as('admin')).get(`/api/audit?entityType=inventory_item&entityId=${item.id}`)).items;
    expect(audits.filter((a: any) => a.action === 'inventory.reserve')).toHaveLength(1);
  });

  it('makes an expired reservation available again, with no background job', async () => {
    const agent = await t.as('agent');
    const item = (await available('Set-top Box')).items[0];
    const first = await agent.post(`/api/inventory/items/${item.id}/reservations`, { holder: 'wizard-expiring', ttlSeconds: 60 });
    expect(first.statusCode).toBe(201);
    expect((await available('Set-top Box')).items.map((i: any) => i.id)).not.toContain(item.id);
    expect((await agent.post(`/api/inventory/items/${item.id}/reservations`, { holder: 'wizard-other-1' })).statusCode).toBe(409);

    clock.advance(61_000);

    const again = await available('Set-top Box');
    const listed = again.items.find((i: any) => i.id === item.id);
    expect(listed).toMatchObject({ status: 'new', reservation: null });
    const second = await agent.post(`/api/inventory/items/${item.id}/reservations`, { holder: 'wizard-other-1' });
    expect(second.statusCode).toBe(201);
    expect(body(second).reservation.holder).toBe('wizard-other-1');
  });

  it('releases a reservation on a change of mind, and all of a cancelled wizard', async () => {
    const agent = await t.as('agent');
    const [x, y] = (await available('Landline Number')).items;
    await agent.post(`/api/inventory/items/${x.id}/reservations`, { holder: 'wizard-cancel-1' });
    await agent.post(`/api/inventory/items/${y.id}/reservations`, { holder: 'wizard-cancel-1' });

    const notMine = body(await agent.delete(`/api/inventory/items/${x.id}/reservations/someone-else`));
    expect(notMine.released).toBe(false);
    const one = body(await agent.delete(`/api/inventory/items/${x.id}/reservations/wizard-cancel-1`));
    expect(one.released).toBe(true);
    expect(body(await agent.get(`/api/inventory/items/${x.id}`)).status).toBe('new');

    const all = body(await agent.delete('/api/inventory/reservations/wizard-cancel-1'));
    expect(all.released).toBe(1);
    expect(body(await agent.get(`/api/inventory/items/${y.id}`)).status).toBe('new');
  });

  it('refuses to retire a reserved item with a reason', async () => {
    const agent = await t.as('agent');
    const item = (await available('CPE Modem')).items[0];
    await agent.post(`/api/inventory/items/${item.id}/reservations`, { holder: 'wizard-retire-1' });
    const res = await (await t.as('admin')).post(`/api/inventory/items/${item.id}/retire`);
    expect(res.statusCode).toBe(409);
    expect(body(res).error.code).toBe('INVALID_TRANSITION');
  });
});
