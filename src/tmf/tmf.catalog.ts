import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { Product } from '../catalog/catalog.schemas.js';
import type { DB } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import { type Hrefs, typed } from './tmf.common.js';
import type { TmfCatalogDraftsTable } from './tmf.tables.js';

type Kind = TmfCatalogDraftsTable['kind'];
type Entity = Record<string, unknown>;
const resourceOf: Record<Kind, string> = { productSpecification: 'productSpecification', productOffering: 'productOffering', productOfferingPrice: 'productOfferingPrice' };
const typeOf: Record<Kind, string> = { productSpecification: 'ProductSpecification', productOffering: 'ProductOffering', productOfferingPrice: 'ProductOfferingPrice' };
const categoryName = { plan: 'Plans', addon: 'Add-ons' } as const;
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/**
 * TMF620 over the catalog. Each Switchboard product is a productOffering (launched while
 * enabled, retired when not), its productSpecification (service type, features, the inventory it
 * needs as resource specifications, its custom fields as characteristics) and its
 * productOfferingPrices (`<id>-setup`, one-off; `<id>-price`, recurring or one-off as it bills);
 * the categories are plans and add-ons. An offering's name, description and lifecycleStatus are
 * changed through the catalog (`CatalogService`, the console's rules and audit). What a client
 * creates through TMF620 names no playbook, so it cannot be provisioned: it is kept as a draft
 * "In design" (tmf_catalog_drafts), listed beside the products, changed and deleted freely.
 */
export class TmfCatalog {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly catalog: CatalogService,
    private readonly inventory: InventoryService,
  ) {}

  private offering(h: Hrefs, p: Product): Entity {
    return {
      id: String(p.id),
      href: h.to('catalog', 'productOffering', p.id),
      name: p.name,
      description: p.description,
      version: '1.0',
      lastUpdate: p.updatedAt,
      lifecycleStatus: p.enabled ? 'Launched' : 'Retired',
      isBundle: false,
      isSellable: p.enabled,
      validFor: { startDateTime: p.createdAt },
      category: [{ id: p.category, href: h.to('catalog', 'category', p.category), name: categoryName[p.category] }],
      productSpecification: { id: String(p.id), href: h.to('catalog', 'productSpecification', p.id), name: p.name, version: '1.0' },
      productOfferingPrice: this.priceIds(p).map((id) => ({ id, href: h.to('catalog', 'productOfferingPrice', id), name: id.endsWith('-setup') ? 'Setup fee' : p.billing === 'recurring' ? 'Monthly price' : 'Price' })),
      productOfferingTerm: p.contractMonths ? [{ name: 'Minimum term', duration: { amount: p.contractMonths, units: 'month' } }] : [],
      marketSegment: p.customerTypes.map((t) => ({ id: t, name: t === 'business' ? 'Business customers' : 'Individual customers' })),
      ...typed('catalog', 'ProductOffering'),
    };
  }

  private async specification(h: Hrefs, p: Product): Promise<Entity> {
    const templates = new Map((await this.inventory.listTemplates()).map((t) => [t.name, t]));
    return {
      id: String(p.id),
      href: h.to('catalog', 'productSpecification', p.id),
      name: p.name,
      description: p.description,
      brand: 'Switchboard',
      version: '1.0',
      lastUpdate: p.updatedAt,
      lifecycleStatus: p.enabled ? 'Launched' : 'Retired',
      isBundle: false,
      productSpecCharacteristic: [
        { name: 'serviceType', valueType: 'string', configurable: false, productSpecCharacteristicValue: [{ value: p.serviceType, isDefault: true }] },
        ...p.features.map((f, i) => ({ name: `feature${i + 1}`, description: f, valueType: 'string', configurable: false, productSpecCharacteristicValue: [{ value: f, isDefault: true }] })),
        ...p.inventoryTemplates.map((t) => ({ name: t, description: `The ${t} to assign (its ID or reference); one in stock is taken if none is named`, valueType: 'string', configurable: true, minCardinality: 0, maxCardinality: 1 })),
        ...p.customFields.map((f) => ({ name: f.name, description: f.label, valueType: f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'string', configurable: true, minCardinality: f.required ? 1 : 0, maxCardinality: 1, ...(f.pattern && { valueRegex: f.pattern }) })),
      ],
      resourceSpecification: p.inventoryTemplates.map((t) => ({ id: String(templates.get(t)?.id ?? t), href: h.to('resourceInventory', 'resourceSpecification', templates.get(t)?.id ?? t), name: t })),
      serviceSpecification: [{ id: p.serviceType, name: `${p.serviceType} service` }],
      ...typed('catalog', 'ProductSpecification'),
    };
  }

  private priceIds(p: Product): string[] {
    return [`${p.id}-setup`, `${p.id}-price`];
  }

  private prices(h: Hrefs, p: Product): Entity[] {
    const money = (minor: number) => ({ unit: p.currency, value: minor / 100 });
    const base = { lastUpdate: p.updatedAt, lifecycleStatus: p.enabled ? 'Launched' : 'Retired', isBundle: false, version: '1.0', productOffering: { id: String(p.id), href: h.to('catalog', 'productOffering', p.id), name: p.name }, ...typed('catalog', 'ProductOfferingPrice') };
    return [
      { id: `${p.id}-setup`, href: h.to('catalog', 'productOfferingPrice', `${p.id}-setup`), name: `${p.name}: setup fee`, priceType: 'oneTime', price: money(p.setupFee), ...base },
      {
        id: `${p.id}-price`,
        href: h.to('catalog', 'productOfferingPrice', `${p.id}-price`),
        name: `${p.name}: ${p.billing === 'recurring' ? 'monthly price' : 'price'}`,
        priceType: p.billing === 'recurring' ? 'recurring' : 'oneTime',
        ...(p.billing === 'recurring' && { recurringChargePeriodType: 'month', recurringChargePeriodLength: 1 }),
        price: money(p.recurringPrice),
        ...base,
      },
    ];
  }

  private draft(h: Hrefs, d: { id: string; kind: Kind; name: string; lifecycleStatus: string; body: Record<string, unknown>; lastUpdate: string }): Entity {
    return {
      ...d.body,
      id: d.id,
      href: h.to('catalog', resourceOf[d.kind], d.id),
      name: d.name,
      lastUpdate: d.lastUpdate,
      lifecycleStatus: d.lifecycleStatus,
      ...(d.kind === 'productOffering' && { isBundle: false, productSpecification: d.body.productSpecification ?? {} }),
      ...(d.kind === 'productOfferingPrice' && { priceType: d.body.priceType ?? 'oneTime' }),
      ...typed('catalog', typeOf[d.kind]),
    };
  }

  private async drafts(h: Hrefs, kind: Kind): Promise<Entity[]> {
    const rows = await this.db.selectFrom('tmfCatalogDrafts').selectAll().where('kind', '=', kind).orderBy('lastUpdate').execute();
    return rows.map((r) => this.draft(h, r));
  }

  private async products(): Promise<Product[]> {
    return this.catalog.list({ enabled: 'all' });
  }

  async list(h: Hrefs, kind: Kind): Promise<Entity[]> {
    const products = await this.products();
    const own =
      kind === 'productOffering'
        ? products.map((p) => this.offering(h, p))
        : kind === 'productSpecification'
          ? await Promise.all(products.map((p) => this.specification(h, p)))
          : products.flatMap((p) => this.prices(h, p));
    return [...own, ...(await this.drafts(h, kind))];
  }

  async get(h: Hrefs, kind: Kind, id: string): Promise<Entity> {
    if (isUuid(id)) {
      const d = await this.db.selectFrom('tmfCatalogDrafts').selectAll().where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
      if (d) return this.draft(h, d);
      throw notFound(typeOf[kind], id);
    }
    const m = /^([0-9]{1,9})(-setup|-price)?$/.exec(id);
    if (!m || (kind === 'productOfferingPrice') !== Boolean(m[2])) throw notFound(typeOf[kind], id);
    const p = await this.catalog.get(Number(m[1])).catch(() => {
      throw notFound(typeOf[kind], id);
    });
    if (kind === 'productOffering') return this.offering(h, p);
    if (kind === 'productSpecification') return this.specification(h, p);
    return this.prices(h, p).find((x) => x.id === id)!;
  }

  categories(h: Hrefs): Entity[] {
    return (['plan', 'addon'] as const).map((c) => ({
      id: c,
      href: h.to('catalog', 'category', c),
      name: categoryName[c],
      isRoot: true,
      lifecycleStatus: 'Launched',
      lastUpdate: '2026-01-01T00:00:00.000Z',
      ...typed('catalog', 'Category'),
    }));
  }

  /** A draft "In design": what a TMF620 client creates (it names no playbook, so nothing provisions it). */
  async create(ctx: Ctx, h: Hrefs, kind: Kind, body: Record<string, unknown>): Promise<Entity> {
    const { id: _id, href: _href, lastUpdate: _l, name, lifecycleStatus, ...rest } = body;
    const id = randomUUID();
    const row = await transaction(this.db, async (trx) => {
      const r = await trx
        .insertInto('tmfCatalogDrafts')
        .values({ id, kind, name: String(name), lifecycleStatus: typeof lifecycleStatus === 'string' ? lifecycleStatus : 'In design', body: JSON.stringify(rest), createdBy: ctx.actor.id })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'tmf.catalog_draft.create', entityType: 'tmf_catalog_draft', entityId: id, after: { kind, name } });
      return r;
    });
    return this.draft(h, row);
  }

  /**
   * A change: to a draft, any attribute; to a product's offering, its name, description and
   * lifecycleStatus (Launched: enable; Retired: disable), through the catalog.
   */
  async update(ctx: Ctx, h: Hrefs, kind: Kind, id: string, patch: Record<string, unknown>): Promise<Entity> {
    if (isUuid(id)) {
      const before = await this.get(h, kind, id);
      const { id: _i, href: _h, lastUpdate: _l, '@type': _t, '@baseType': _b, '@schemaLocation': _s, name, lifecycleStatus, ...rest } = patch;
      await transaction(this.db, async (trx) => {
        const d = await trx.selectFrom('tmfCatalogDrafts').select('body').where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
        await trx
          .updateTable('tmfCatalogDrafts')
          .set({
            ...(typeof name === 'string' && { name }),
            ...(typeof lifecycleStatus === 'string' && { lifecycleStatus }),
            body: JSON.stringify({ ...d.body, ...rest }),
            lastUpdate: new Date().toISOString(),
          })
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, ctx, { action: 'tmf.catalog_draft.update', entityType: 'tmf_catalog_draft', entityId: id, before: { name: before.name }, after: patch });
      });
      return this.get(h, kind, id);
    }
    if (kind !== 'productOffering') throw new AppError('CONFLICT', `${typeOf[kind]} ${id} is part of a Switchboard product: change the product's offering or the product itself.`, 'PATCH the productOffering (name, description, lifecycleStatus), or change the product in the console.');
    const offering = await this.get(h, kind, id);
    const unsupported = Object.keys(patch).filter((k) => !['name', 'description', 'lifecycleStatus'].includes(k));
    if (unsupported.length) throw new AppError('VALIDATION_FAILED', `An offering of a Switchboard product takes a new name, description or lifecycleStatus only, not ${unsupported.join(', ')}.`, 'Change prices, terms and what it provisions in the console (Catalog).', { field: unsupported[0] });
    const productId = offering.id as string;
    if (typeof patch.name === 'string' || typeof patch.description === 'string') {
      await this.catalog.update(ctx, productId, { ...(typeof patch.name === 'string' && { name: patch.name }), ...(typeof patch.description === 'string' && { description: patch.description }) });
    }
    if (typeof patch.lifecycleStatus === 'string') {
      const status = patch.lifecycleStatus.toLowerCase();
      if (status !== 'launched' && status !== 'retired') throw new AppError('VALIDATION_FAILED', `lifecycleStatus: a Switchboard product is Launched (offered) or Retired (not offered), not ${patch.lifecycleStatus}.`, undefined, { field: 'lifecycleStatus' });
      await this.catalog.setEnabled(ctx, productId, status === 'launched');
    }
    return this.get(h, kind, id);
  }

  async remove(ctx: Ctx, kind: Kind, id: string): Promise<void> {
    if (!isUuid(id)) {
      throw new AppError('CONFLICT', `${typeOf[kind]} ${id} is a Switchboard product, which services may refer to: it cannot be deleted.`, 'Retire it instead: PATCH its productOffering with {"lifecycleStatus": "Retired"}.');
    }
    await transaction(this.db, async (trx) => {
      const gone = await trx.deleteFrom('tmfCatalogDrafts').where('id', '=', id).where('kind', '=', kind).returning(['name']).executeTakeFirst();
      if (!gone) throw notFound(typeOf[kind], id);
      await recordAudit(trx, ctx, { action: 'tmf.catalog_draft.delete', entityType: 'tmf_catalog_draft', entityId: id, before: gone });
    });
  }
}
