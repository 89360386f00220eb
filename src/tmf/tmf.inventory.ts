import type { CatalogService } from '../catalog/catalog.service.js';
import type { Product } from '../catalog/catalog.schemas.js';
import type { CustomersService } from '../customers/customers.service.js';
import type { Item } from '../inventory/inventory.schemas.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { ServicesService } from '../services/services.service.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { filtersOf, type Hrefs, typed } from './tmf.common.js';
import { customerRef } from './tmf.customers.js';
import { productStatusOf, resourceStatusOf, serviceStateOf } from './tmf.lifecycle.js';

type Entity = Record<string, unknown>;
type ServiceRow = Awaited<ReturnType<ServicesService['all']>>[number];
type Addon = { id: number; serviceId: number; productId: number; status: 'active' | 'removed'; createdAt: string; billing: 'recurring' | 'one_off' };
type Site = { id: number; name: string; addressLine1: string; city: string; postcode: string; country: string };

/** Where the template puts an item: numbers are logical resources, SIMs and boxes physical. */
const isLogical = (i: Pick<Item, 'attributes'>) => 'msisdn' in i.attributes || 'e164' in i.attributes;
/** The add-on's TMF id in TMF637 and TMF638: `addon-<id>` (a plan's service is its number). */
export const addonId = (id: number) => `addon-${id}`;
/** Templates a resource may be created in without naming one (TMF639 POST with no resourceSpecification). */
export const UNCLASSIFIED = 'Unclassified resource';

const valueType = (v: unknown) => (typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'number' : 'string');
const chars = (entries: [string, unknown][]) => entries.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([name, value]) => ({ name, valueType: valueType(value), value }));

interface Loaded {
  services: ServiceRow[];
  products: Map<number, Product>;
  customers: Map<number, { id: number; name: string; sites: Site[] }>;
  addons: Addon[];
  items: Item[];
}

/**
 * TMF637, TMF638 and TMF639 over the services and inventory domains (reads; TMF639 also adds
 * stock). A plan's service is a TMF638 service (a customer-facing one) and a TMF637 product; each
 * add-on on it is both too (`addon-<id>`), related to its plan (`hasAddOn` / `isAddOnOf`) and
 * supporting it. Inventory items assigned to a service are its supporting resources (TMF639),
 * their attributes (ICCID, IMSI, MSISDN, serial, MAC) their characteristics.
 */
export class TmfInventory {
  constructor(
    private readonly catalog: CatalogService,
    private readonly customers: CustomersService,
    private readonly serviceRecords: ServicesService,
    private readonly inventory: InventoryService,
  ) {}

  private async load(serviceIds?: number[]): Promise<Loaded> {
    const services = await this.serviceRecords.all(serviceIds);
    const ids = services.map((s) => s.id);
    const addons = (await this.serviceRecords.addonsOf(ids)) as Addon[];
    const products = await this.catalog.getMany([...new Set([...services.map((s) => s.productId), ...addons.map((a) => a.productId)])]);
    const details = await this.customers.detailMany(services.map((s) => s.customerId));
    const customers = new Map([...details].map(([id, c]) => [id, { id, name: c.name, sites: c.sites as Site[] }]));
    const wanted = new Set(ids);
    // The items these services hold, by the service index: never the whole stock.
    const items = ids.length ? (await this.inventory.listItems({ serviceIds: ids, byId: true, limit: 1_000_000, offset: 0 })).items.filter((i) => i.serviceId !== null && wanted.has(i.serviceId)) : [];
    return { services, products, customers, addons, items };
  }

  private resourceRef(h: Hrefs, i: Item) {
    return { id: String(i.id), href: h.to('resourceInventory', 'resource', i.id), name: i.reference, '@referredType': isLogical(i) ? 'LogicalResource' : 'PhysicalResource' };
  }

  private inventoryChars(items: Item[]) {
    return items.flatMap((i) => chars([[i.templateName, i.reference], ...Object.entries(i.attributes).map(([k, v]) => [k, v] as [string, unknown])]));
  }

  private price(p: Product) {
    const money = (minor: number) => ({ taxIncludedAmount: { unit: p.currency, value: minor / 100 } });
    return [
      ...(p.setupFee ? [{ name: 'Setup fee', priceType: 'oneTime', price: money(p.setupFee), productOfferingPrice: { id: `${p.id}-setup` } }] : []),
      { name: p.billing === 'recurring' ? 'Monthly price' : 'Price', priceType: p.billing === 'recurring' ? 'recurring' : 'oneTime', ...(p.billing === 'recurring' && { recurringChargePeriod: 'month' }), price: money(p.recurringPrice), productOfferingPrice: { id: `${p.id}-price` } },
    ];
  }

  // --- TMF638 ---------------------------------------------------------------------------------

  private serviceEntity(h: Hrefs, l: Loaded, s: ServiceRow): Entity {
    const p = l.products.get(s.productId);
    const c = l.customers.get(s.customerId);
    const site = s.siteId ? c?.sites.find((x) => x.id === s.siteId) : undefined;
    const addons = l.addons.filter((a) => a.serviceId === s.id);
    const items = l.items.filter((i) => i.serviceId === s.id);
    const addonRefs = addons.map((a) => ({ id: addonId(a.id), href: h.to('serviceInventory', 'service', addonId(a.id)), name: l.products.get(a.productId)?.name ?? `Product ${a.productId}`, '@referredType': 'Service' }));
    return {
      id: String(s.id),
      href: h.to('serviceInventory', 'service', s.id),
      name: s.name,
      description: p?.name ?? '',
      category: 'CFS',
      serviceType: s.serviceType,
      state: serviceStateOf[s.status],
      ...(s.statusReason && { statusReason: s.statusReason }),
      isServiceEnabled: s.status === 'active',
      hasStarted: s.activatedAt !== null,
      startDate: s.activatedAt ?? s.createdAt,
      ...(s.endedAt && { endDate: s.endedAt }),
      serviceSpecification: { id: String(s.productId), href: h.to('catalog', 'productSpecification', s.productId), name: p?.name ?? '', version: '1.0', '@referredType': 'ServiceSpecification' },
      serviceCharacteristic: chars([
        ['serviceType', s.serviceType],
        ['autoRenew', s.autoRenew],
        ['ocsAccount', s.ocsAccount],
        ['contractEnd', s.contractEnd],
        ...Object.entries(s.customFields),
        ...this.inventoryChars(items).map((x) => [x.name, x.value] as [string, unknown]),
      ]),
      serviceRelationship: addonRefs.map((service) => ({ relationshipType: 'hasAddOn', service })),
      supportingService: addonRefs,
      supportingResource: items.map((i) => this.resourceRef(h, i)),
      relatedParty: c ? [customerRef(h, c)] : [],
      place: site ? [{ id: String(site.id), href: `${h.to('customer', 'customer', s.customerId)}#site-${site.id}`, name: `${site.name}: ${site.addressLine1}, ${site.city} ${site.postcode}`, role: 'installationAddress', '@referredType': 'GeographicAddress' }] : [],
      note: [],
      ...typed('serviceInventory', 'Service'),
    };
  }

  private addonServiceEntity(h: Hrefs, l: Loaded, a: Addon): Entity {
    const s = l.services.find((x) => x.id === a.serviceId)!;
    const p = l.products.get(a.productId);
    const c = l.customers.get(s.customerId);
    const planRef = { id: String(s.id), href: h.to('serviceInventory', 'service', s.id), name: s.name, '@referredType': 'Service' };
    const plan = this.serviceEntity(h, l, s) as { supportingResource: unknown[]; place: unknown[] };
    return {
      id: addonId(a.id),
      href: h.to('serviceInventory', 'service', addonId(a.id)),
      name: `${p?.name ?? `Product ${a.productId}`} on ${s.name}`,
      description: p?.name ?? '',
      category: 'CFS',
      serviceType: s.serviceType,
      state: a.status === 'active' ? serviceStateOf[s.status] : 'terminated',
      isServiceEnabled: a.status === 'active' && s.status === 'active',
      hasStarted: true,
      startDate: a.createdAt,
      serviceSpecification: { id: String(a.productId), href: h.to('catalog', 'productSpecification', a.productId), name: p?.name ?? '', version: '1.0', '@referredType': 'ServiceSpecification' },
      serviceCharacteristic: chars([['serviceType', s.serviceType], ['billing', a.billing]]),
      serviceRelationship: [{ relationshipType: 'isAddOnOf', service: planRef }],
      supportingService: [planRef],
      // An add-on lives on its plan's SIM, number or modem, at its plan's place.
      supportingResource: plan.supportingResource,
      relatedParty: c ? [customerRef(h, c)] : [],
      place: plan.place,
      note: [],
      ...typed('serviceInventory', 'Service'),
    };
  }

  async services(h: Hrefs): Promise<Entity[]> {
    const l = await this.load();
    return [...l.services.map((s) => this.serviceEntity(h, l, s)), ...l.addons.map((a) => this.addonServiceEntity(h, l, a))];
  }

  async service(h: Hrefs, id: string): Promise<Entity> {
    return this.byTmfId(id, 'Service', (l, s) => this.serviceEntity(h, l, s), (l, a) => this.addonServiceEntity(h, l, a));
  }

  /** A plan's service by its number, or an add-on by `addon-<id>`, built as TMF637 or TMF638 builds it. */
  private async byTmfId(id: string, what: string, ofPlan: (l: Loaded, s: ServiceRow) => Entity, ofAddon: (l: Loaded, a: Addon) => Entity): Promise<Entity> {
    const plan = /^[0-9]{1,9}$/.exec(id);
    const addon = /^addon-([0-9]{1,9})$/.exec(id);
    if (plan) {
      const l = await this.load([Number(id)]);
      if (l.services[0]) return ofPlan(l, l.services[0]);
    } else if (addon) {
      const serviceId = await this.serviceRecords.serviceOfAddon(Number(addon[1]));
      if (serviceId !== null) {
        const l = await this.load([serviceId]);
        return ofAddon(l, l.addons.find((a) => a.id === Number(addon[1]))!);
      }
    }
    throw notFound(what, id);
  }

  // --- TMF637 ---------------------------------------------------------------------------------

  private productEntity(h: Hrefs, l: Loaded, s: ServiceRow): Entity {
    const p = l.products.get(s.productId)!;
    const c = l.customers.get(s.customerId);
    const items = l.items.filter((i) => i.serviceId === s.id);
    const addons = l.addons.filter((a) => a.serviceId === s.id);
    return {
      id: String(s.id),
      href: h.to('productInventory', 'product', s.id),
      name: s.name,
      description: p.name,
      status: productStatusOf[s.status],
      isBundle: false,
      isCustomerVisible: true,
      startDate: s.activatedAt ?? s.createdAt,
      orderDate: s.createdAt,
      ...(s.endedAt && { terminationDate: s.endedAt }),
      productOffering: { id: String(p.id), href: h.to('catalog', 'productOffering', p.id), name: p.name },
      productSpecification: { id: String(p.id), href: h.to('catalog', 'productSpecification', p.id), name: p.name, version: '1.0' },
      productCharacteristic: chars([
        ['serviceType', s.serviceType],
        ['autoRenew', s.autoRenew],
        ['contractEnd', s.contractEnd],
        ...Object.entries(s.customFields),
        ...this.inventoryChars(items).map((x) => [x.name, x.value] as [string, unknown]),
      ]),
      productPrice: this.price(p),
      billingAccount: { id: String(s.customerId), name: `${c?.name ?? `Customer ${s.customerId}`} (billing)`, '@referredType': 'BillingAccount' },
      relatedParty: c ? [customerRef(h, c)] : [],
      realizingService: [{ id: String(s.id), href: h.to('serviceInventory', 'service', s.id), name: s.name }],
      realizingResource: items.map((i) => this.resourceRef(h, i)),
      productRelationship: addons.map((a) => ({ relationshipType: 'hasAddOn', product: { id: addonId(a.id), href: h.to('productInventory', 'product', addonId(a.id)) } })),
      place: [],
      ...typed('productInventory', 'Product'),
    };
  }

  private addonProductEntity(h: Hrefs, l: Loaded, a: Addon): Entity {
    const s = l.services.find((x) => x.id === a.serviceId)!;
    const p = l.products.get(a.productId)!;
    const c = l.customers.get(s.customerId);
    return {
      id: addonId(a.id),
      href: h.to('productInventory', 'product', addonId(a.id)),
      name: `${p.name} on ${s.name}`,
      description: p.name,
      status: a.status === 'active' ? productStatusOf[s.status] : 'terminated',
      isBundle: false,
      isCustomerVisible: true,
      startDate: a.createdAt,
      productOffering: { id: String(p.id), href: h.to('catalog', 'productOffering', p.id), name: p.name },
      productSpecification: { id: String(p.id), href: h.to('catalog', 'productSpecification', p.id), name: p.name, version: '1.0' },
      productCharacteristic: chars([['serviceType', s.serviceType], ['billing', a.billing], ['onService', String(s.id)]]),
      productPrice: this.price(p),
      billingAccount: { id: String(s.customerId), name: `${c?.name ?? `Customer ${s.customerId}`} (billing)`, '@referredType': 'BillingAccount' },
      relatedParty: c ? [customerRef(h, c)] : [],
      realizingService: [{ id: addonId(a.id), href: h.to('serviceInventory', 'service', addonId(a.id)) }],
      productRelationship: [{ relationshipType: 'isAddOnOf', product: { id: String(s.id), href: h.to('productInventory', 'product', s.id) } }],
      ...typed('productInventory', 'Product'),
    };
  }

  async products(h: Hrefs): Promise<Entity[]> {
    const l = await this.load();
    return [...l.services.map((s) => this.productEntity(h, l, s)), ...l.addons.map((a) => this.addonProductEntity(h, l, a))];
  }

  async product(h: Hrefs, id: string): Promise<Entity> {
    return this.byTmfId(id, 'Product', (l, s) => this.productEntity(h, l, s), (l, a) => this.addonProductEntity(h, l, a));
  }

  // --- TMF639 ---------------------------------------------------------------------------------

  private async owners(items: Item[]) {
    return this.customers.statuses(undefined, [...new Set(items.map((i) => i.customerId).filter((x): x is number => x !== null))]);
  }

  private resourceEntity(h: Hrefs, i: Item, owner: { id: number; name: string } | undefined): Entity {
    const logical = isLogical(i);
    return {
      id: String(i.id),
      href: h.to('resourceInventory', 'resource', i.id),
      name: i.reference,
      description: i.label,
      category: i.templateName,
      resourceStatus: resourceStatusOf[i.status],
      administrativeState: i.status === 'retired' ? 'locked' : 'unlocked',
      operationalState: i.status === 'assigned' ? 'enable' : 'disable',
      usageState: i.status === 'assigned' ? 'active' : i.status === 'reserved' ? 'busy' : 'idle',
      startOperatingDate: i.assignedAt ?? i.createdAt,
      resourceSpecification: { id: String(i.templateId), href: h.to('resourceInventory', 'resourceSpecification', i.templateId), name: i.templateName, '@referredType': 'ResourceSpecification' },
      resourceCharacteristic: chars(Object.entries(i.attributes)),
      relatedParty: owner ? [customerRef(h, owner, 'owner')] : [],
      ...(i.serviceId !== null && { supportedService: [{ id: String(i.serviceId), href: h.to('serviceInventory', 'service', i.serviceId) }] }),
      note: [],
      ...typed('resourceInventory', logical ? 'LogicalResource' : 'PhysicalResource', 'Resource'),
    };
  }

  /**
   * The stock as TMF639 resources. Paged in SQL, with the filters a stock is read by pushed into
   * it (resourceStatus, category, relatedParty.id, id): a million SIMs are never read to show a
   * hundred. Another attribute filter reads the matching stock whole and filters it (`all`).
   */
  async resources(h: Hrefs, query: Record<string, unknown> & { offset: number; limit: number }): Promise<Entity[] | { paged: Entity[]; total: number }> {
    const filters = filtersOf(query);
    const pushable = new Set(['resourceStatus', 'category', 'relatedParty.id', 'id']);
    const where: Parameters<InventoryService['listItems']>[0] = { byId: true, limit: query.limit, offset: query.offset };
    // Several customers at once is not one of the inventory's filters: read and filter.
    const all = !filters.every(([k, v]) => pushable.has(k) && (k !== 'relatedParty.id' || v.length === 1));
    for (const [key, values] of filters) {
      if (key === 'resourceStatus') where.statuses = (Object.keys(resourceStatusOf) as (keyof typeof resourceStatusOf)[]).filter((s) => values.includes(resourceStatusOf[s]));
      else if (key === 'category') {
        const templates = await this.inventory.listTemplates();
        where.templateIds = templates.filter((t) => values.includes(t.name)).map((t) => t.id);
      } else if (key === 'relatedParty.id') {
        if (/^[0-9]{1,9}$/.test(values[0]!)) where.customerId = Number(values[0]);
        else where.ids = [];
      } else if (key === 'id') where.ids = values.filter((v) => /^[0-9]{1,9}$/.test(v)).map(Number);
    }
    const found = await this.inventory.listItems(all ? { byId: true, limit: 1_000_000, offset: 0 } : where);
    const owners = await this.owners(found.items);
    const entities = found.items.map((i) => this.resourceEntity(h, i, i.customerId ? owners.get(i.customerId) : undefined));
    return all ? entities : { paged: entities, total: found.total };
  }

  async resource(h: Hrefs, id: string): Promise<Entity> {
    if (!/^[0-9]{1,9}$/.test(id)) throw notFound('Resource', id);
    const i = await this.inventory.getItem(Number(id)).catch(() => {
      throw notFound('Resource', id);
    });
    const owners = await this.owners([i]);
    return this.resourceEntity(h, i, i.customerId ? owners.get(i.customerId) : undefined);
  }

  /**
   * Adds one item to the stock (the inventory's own checks and audit): the template is the
   * resourceSpecification (by id or name); with none, the "Unclassified resource" template, made
   * at first use, holds it until someone files it. Its characteristics are its attributes.
   */
  async createResource(ctx: Ctx, h: Hrefs, body: Record<string, unknown>): Promise<Entity> {
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (!name) throw new AppError('VALIDATION_FAILED', 'name: a resource needs a name (its reference, e.g. a serial number).', undefined, { field: 'name' });
    const spec = (body.resourceSpecification ?? null) as { id?: unknown; name?: unknown } | null;
    const templates = await this.inventory.listTemplates();
    let template = spec ? templates.find((t) => String(t.id) === String(spec.id) || t.name === spec.name) : templates.find((t) => t.name === UNCLASSIFIED);
    if (spec && !template) throw new AppError('VALIDATION_FAILED', `resourceSpecification: no inventory template is ${JSON.stringify(spec.name ?? spec.id)}.`, `Use one of: ${templates.map((t) => t.name).join(', ')}.`, { field: 'resourceSpecification' });
    if (!template) template = await this.inventory.createTemplate(ctx, { name: UNCLASSIFIED, description: 'Resources added through TMF639 without a specification, to be filed', attributes: [], releaseTo: 'in_stock' });
    const attributes = Object.fromEntries(
      (Array.isArray(body.resourceCharacteristic) ? (body.resourceCharacteristic as { name?: unknown; value?: unknown }[]) : []).filter((c) => typeof c.name === 'string').map((c) => [String(c.name), String(c.value ?? '')]),
    );
    await this.inventory.addItems(ctx, { template: template.name, items: [{ reference: name, attributes, status: 'in_stock' }] });
    const created = (await this.inventory.byReferences(template.id, [name])).get(name)!;
    return this.resource(h, String(created.id));
  }
}
