import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const slugs = (res: { json(): unknown }) => (res.json() as { items: { slug: string }[] }).items.map((p) => p.slug);

describe('product catalog (R2)', () => {
  it('lists only enabled products by default and filters by category, customer type and service type (R2.1, R2.2, R2.4)', async () => {
    const agent = await t.as('agent');
    const all = slugs(await agent.get('/api/products'));
    expect(all).toContain('mobile-20gb');
    expect(all).toContain('data-boost-5gb');

    const plans = body(await agent.get('/api/products?category=plan')).items;
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.every((p: any) => p.category === 'plan')).toBe(true);
    expect(plans.map((p: any) => p.slug)).not.toContain('data-boost-5gb');

    const business = body(await agent.get('/api/products?customerType=business')).items;
    expect(business.every((p: any) => p.customerTypes.includes('business'))).toBe(true);
    expect(business.map((p: any) => p.slug)).toContain('mobile-business-50gb');
    expect(business.map((p: any) => p.slug)).not.toContain('mobile-unlimited');

    const individual = slugs(await agent.get('/api/products?customerType=individual'));
    expect(individual).not.toContain('mobile-business-50gb');

    const internet = body(await agent.get('/api/products?serviceType=internet')).items;
    expect(internet.map((p: any) => p.slug).sort()).toEqual(['fibre-100', 'fibre-900', 'static-ip']);

    const mobileAddons = slugs(await agent.get('/api/products?category=addon&serviceType=mobile&customerType=individual'));
    expect(mobileAddons.sort()).toEqual(['data-boost-5gb', 'roaming-world']);
  });

  it('hides a disabled product unless asked, and shows it with enabled=false or all', async () => {
    const admin = await t.as('admin');
    const res = await admin.post('/api/products/iptv-essentials/disable');
    expect(res.statusCode).toBe(200);
    expect(body(res).enabled).toBe(false);

    expect(slugs(await admin.get('/api/products'))).not.toContain('iptv-essentials');
    expect(slugs(await admin.get('/api/products?enabled=false'))).toEqual(['iptv-essentials']);
    expect(slugs(await admin.get('/api/products?enabled=all'))).toContain('iptv-essentials');

    await admin.post('/api/products/iptv-essentials/enable');
    expect(slugs(await admin.get('/api/products'))).toContain('iptv-essentials');
  });

  it('describes a product with every field of R2.5, by ID or by slug', async () => {
    const agent = await t.as('agent');
    const bySlug = body(await agent.get('/api/products/mobile-20gb'));
    expect(bySlug).toMatchObject({
      name: 'Mobile - 20GB plan',
      category: 'plan',
      serviceType: 'mobile',
      setupFee: 0,
      recurringPrice: 1500,
      currency: 'GBP',
      inventoryTemplates: ['SIM Card', 'Mobile Number'],
      playbook: 'mobile-new',
    });
    expect(bySlug.features.length).toBeGreaterThan(0);
    expect(bySlug.playbookVars).toHaveProperty('data_mb');
    const byId = body(await agent.get(`/api/products/${bySlug.id}`));
    expect(byId.slug).toBe('mobile-20gb');
    const missing = await agent.get('/api/products/no-such-thing');
    expect(missing.statusCode).toBe(404);
    expect(body(missing).error.code).toBe('NOT_FOUND');
  });

  it('lets an admin create and update a product, and refuses what would not work', async () => {
    const admin = await t.as('admin');
    const input = {
      slug: 'mobile-5gb',
      name: 'Mobile - 5GB plan',
      category: 'plan',
      serviceType: 'mobile',
      customerTypes: ['individual'],
      billing: 'recurring',
      setupFee: 0,
      recurringPrice: 800,
      currency: 'GBP',
      inventoryTemplates: ['SIM Card', 'Mobile Number'],
      playbook: 'mobile-new',
      playbookVars: { plan_code: 'MOB-5GB', data_mb: 5120 },
      customFields: [{ name: 'account_number', label: 'Account number', required: true, pattern: 'AC[0-9]{6}' }],
    };
    const created = await admin.post('/api/products', input);
    expect(created.statusCode).toBe(201);
    expect(body(created)).toMatchObject({ slug: 'mobile-5gb', enabled: true, contractMonths: 0 });

    const dup = await admin.post('/api/products', input);
    expect(dup.statusCode).toBe(409);
    expect(body(dup).error.code).toBe('ALREADY_EXISTS');

    const badTemplate = await admin.post('/api/products', { ...input, slug: 'mobile-x', inventoryTemplates: ['Sim card', 'eSIM'] });
    expect(badTemplate.statusCode).toBe(400);
    expect(body(badTemplate).error.message).toContain('"eSIM"');

    const badPlaybook = await admin.post('/api/products', { ...input, slug: 'mobile-y', playbook: 'does-not-exist' });
    expect(badPlaybook.statusCode).toBe(400);
    expect(body(badPlaybook).error.details.field).toBe('playbook');

    // A product must give its playbook what the playbook uses (R2.5): here the variables it reads.
    const noVars = await admin.post('/api/products', { ...input, slug: 'mobile-z', playbookVars: {} });
    expect(noVars.statusCode).toBe(400);
    expect(body(noVars).error.message).toContain('vars.data_mb');
    const wrongKind = await admin.post('/api/products', { ...input, slug: 'mobile-w', category: 'addon' });
    expect(wrongKind.statusCode).toBe(400);
    expect(body(wrongKind).error.message).toMatch(/is for plans/);

    // A partial update changes what it names and nothing else.
    const updated = await admin.patch('/api/products/mobile-5gb', { recurringPrice: 900, features: ['5GB data'] });
    expect(updated.statusCode).toBe(200);
    expect(body(updated)).toMatchObject({ recurringPrice: 900, features: ['5GB data'], name: 'Mobile - 5GB plan', inventoryTemplates: ['SIM Card', 'Mobile Number'], enabled: true });
    expect(body(updated).playbookVars).toEqual({ plan_code: 'MOB-5GB', data_mb: 5120 });
    expect(body(updated).customFields).toHaveLength(1);
  });
});
