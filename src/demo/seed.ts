import type { Logger } from 'pino';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { Ctx } from '../users/actor.js';
import type { UsersService } from '../users/users.service.js';
import { demoCustomers, demoProducts, demoStock, demoTemplates, demoUsers } from './demo-data.js';

export interface SeedDeps {
  users: UsersService;
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
}

/**
 * Loads the demo operator through the domain services (so it obeys the same rules as the API).
 * Does nothing when the demo catalog is already there; returns whether it loaded anything.
 */
export async function seedDemo(deps: SeedDeps, ctx: Ctx, log?: Logger): Promise<boolean> {
  const existing = await deps.catalog.list({ enabled: 'all' });
  if (existing.some((p) => p.slug === 'mobile-20gb')) return false;

  const known = new Set((await deps.users.list()).map((u) => u.email));
  for (const u of demoUsers) if (!known.has(u.email)) await deps.users.create(ctx, u);

  const templates = new Set((await deps.inventory.listTemplates()).map((t) => t.name));
  for (const t of demoTemplates) if (!templates.has(t.name)) await deps.inventory.createTemplate(ctx, t);
  for (const batch of demoStock()) await deps.inventory.addItems(ctx, batch);

  for (const p of demoProducts) await deps.catalog.create(ctx, p);

  for (const c of demoCustomers) {
    const created = await deps.customers.create(ctx, {
      type: c.type,
      name: c.name,
      email: c.email,
      phone: c.phone,
      status: c.status ?? 'active',
      paymentType: c.paymentType ?? 'card',
      companyNumber: c.companyNumber ?? null,
      language: c.language ?? null,
    });
    if (c.card) await deps.customers.addPaymentMethod(ctx, created.id, { ...c.card, holderName: c.name, isDefault: true });
    for (const contact of c.contacts ?? []) await deps.customers.addContact(ctx, created.id, contact);
    for (const site of c.sites ?? []) await deps.customers.addSite(ctx, created.id, { ...site, country: 'GB' });
  }
  log?.info({ products: demoProducts.length, customers: demoCustomers.length }, 'demo data loaded');
  return true;
}
