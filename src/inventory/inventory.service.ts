import { transaction } from '../db/transaction.js';
import { type ExpressionBuilder, type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { escapeLike } from '../catalog/catalog.service.js';
import { type DB, type Executor, json } from '../db/schema.js';
import { type Clock, isoIn, isoNow } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit, recordAuditMany } from '../users/audit.service.js';
import { availableStatuses, isNumberTemplate, itemLifecycle } from './inventory.lifecycle.js';
import type { SystemGauge } from '../observability/metrics.js';
import type { InventoryItemsTable } from './inventory.tables.js';
import type { Item, ItemStatus, ItemsInput, Template, TemplateAttribute, TemplateSummary } from './inventory.schemas.js';

type ItemRow = Selectable<InventoryItemsTable> & { templateName: string; templateAttributes: TemplateAttribute[] };

const statusLabel: Record<ItemStatus, string> = { new: 'New', in_stock: 'In stock', reserved: 'Reserved', assigned: 'Assigned', retired: 'Retired', quarantined: 'Quarantined' };

export interface InventoryOptions {
  reservationTtlSeconds: number;
  /** How long a number freed by a terminated service is held back (issue 13); 0: not at all. */
  numberQuarantineDays?: number;
}

/** Not held back: never quarantined, or its quarantine is over (issue 13). */
const outOfQuarantine = (now: string, alias = 'inventory_items') => sql<boolean>`(${sql.ref(`${alias}.quarantined_until`)} is null or ${sql.ref(`${alias}.quarantined_until`)} <= ${now})`;

/**
 * Available means new or in stock (and not a number in quarantine), or reserved by a wizard whose
 * hold has run out (R4.2, R4.3).
 */
function availableAt(now: string) {
  return (eb: ExpressionBuilder<DB, 'inventoryItems'>) =>
    eb.or([
      eb.and([eb('inventoryItems.status', 'in', availableStatuses), outOfQuarantine(now)]),
      eb.and([
        eb('inventoryItems.status', '=', 'reserved'),
        eb('inventoryItems.provisionId', 'is', null),
        eb('inventoryItems.reservationExpiresAt', '<=', now),
      ]),
    ]);
}

/** An item whose status now (a lapsed hold as available, a number in quarantine as quarantined) is `s`. */
function statusNow(s: ItemStatus, now: string) {
  return (eb: ExpressionBuilder<DB, 'inventoryItems'>) => {
    if (s === 'new' || s === 'in_stock') {
      const lapsed = eb.and([eb('inventoryItems.status', '=', 'reserved'), eb('inventoryItems.provisionId', 'is', null), eb('inventoryItems.reservationExpiresAt', '<=', now), eb('inventoryItems.stockStatus', '=', s)]);
      return eb.or([eb.and([eb('inventoryItems.status', '=', s), outOfQuarantine(now)]), lapsed]);
    }
    if (s === 'quarantined') return eb.and([eb('inventoryItems.status', 'in', availableStatuses), eb('inventoryItems.quarantinedUntil', '>', now)]);
    if (s === 'reserved') return eb.and([eb('inventoryItems.status', '=', 'reserved'), eb.or([eb('inventoryItems.provisionId', 'is not', null), eb('inventoryItems.reservationExpiresAt', '>', now)])]);
    return eb('inventoryItems.status', '=', s);
  };
}

export class InventoryService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly options: InventoryOptions,
  ) {}

  // --- templates -------------------------------------------------------------------------------

  async listTemplates(): Promise<Template[]> {
    return this.db.selectFrom('inventoryTemplates').selectAll().orderBy('name').execute();
  }

  async templateByName(name: string, db: Executor = this.db): Promise<Template> {
    const row = await db
      .selectFrom('inventoryTemplates')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase()))
      .executeTakeFirst();
    if (!row) {
      const names = (await db.selectFrom('inventoryTemplates').select('name').orderBy('name').execute()).map((r) => r.name);
      throw new AppError(
        'NOT_FOUND',
        `No inventory template is named "${name}".`,
        `The product's required inventory must match a template name exactly; templates are: ${names.join(', ') || '(none)'}.`,
        { template: name },
      );
    }
    return row;
  }

  async createTemplate(ctx: Ctx, input: { name: string; names?: Record<string, string> | undefined; description: string; attributes: TemplateAttribute[]; releaseTo: 'in_stock' | 'retired'; lowStockThreshold?: number | null | undefined }): Promise<Template> {
    return transaction(this.db, async (trx) => {
      const clash = await trx
        .selectFrom('inventoryTemplates')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['name']), '=', input.name.toLowerCase()))
        .executeTakeFirst();
      if (clash) throw new AppError('ALREADY_EXISTS', `A template named "${input.name}" already exists.`, 'Add items to it instead.', { field: 'name' });
      const row = await trx
        .insertInto('inventoryTemplates')
        .values({ name: input.name, names: json(input.names ?? {}), description: input.description, attributes: json(input.attributes), releaseTo: input.releaseTo, lowStockThreshold: input.lowStockThreshold ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'inventory_template.create', entityType: 'inventory_template', entityId: row.id, after: row });
      return row;
    });
  }

  /** Changes a template's description or its low-stock threshold (null: never low), audited. */
  async updateTemplate(ctx: Ctx, id: number, patch: { description?: string | undefined; names?: Record<string, string> | undefined; lowStockThreshold?: number | null | undefined }): Promise<Template> {
    const row = await transaction(this.db, async (trx) => {
      const before = await trx.selectFrom('inventoryTemplates').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw notFound('Inventory template', id);
      const changes = {
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.names !== undefined && { names: json(patch.names) }),
        ...(patch.lowStockThreshold !== undefined && { lowStockThreshold: patch.lowStockThreshold }),
      };
      if (!Object.keys(changes).length) return before;
      const after = await trx.updateTable('inventoryTemplates').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, {
        action: 'inventory_template.update',
        entityType: 'inventory_template',
        entityId: id,
        before: { description: before.description, names: before.names, lowStockThreshold: before.lowStockThreshold },
        after: { description: after.description, names: after.names, lowStockThreshold: after.lowStockThreshold },
      });
      return after;
    });
    // A new threshold is judged at once, not at the next periodic check.
    if (patch.lowStockThreshold !== undefined) this.stockTaken();
    return row;
  }

  // --- low stock (stock.low) -----------------------------------------------------------------

  private readonly stockListeners = new Set<() => void>();

  /** Hears, after the commit, that stock was taken (reserved, retired) or a threshold changed. */
  onStockTaken(fn: () => void): () => void {
    this.stockListeners.add(fn);
    return () => this.stockListeners.delete(fn);
  }

  private stockTaken(): void {
    for (const fn of this.stockListeners) fn();
  }

  /**
   * Moves each template's low-stock state where its available stock (as `availableAt` defines it)
   * crossed its threshold: below it, `lowStockSince` is set (the stock.low webhook fires from that
   * move); at or above it again, cleared (re-armed). One guarded statement: of two processes
   * checking at once, the second finds the state already moved and changes nothing, so a crossing
   * is told once. Returns the templates whose state moved.
   */
  async checkLowStock(): Promise<{ id: number; name: string; low: boolean; available: number; threshold: number | null }[]> {
    const now = isoNow(this.clock);
    const low = sql<boolean>`(c.threshold is not null and c.available < c.threshold)`;
    return this.db
      .with('c', (db) =>
        db
          .selectFrom('inventoryTemplates as t')
          .select((eb) => [
            't.id',
            't.lowStockThreshold as threshold',
            eb
              .selectFrom('inventoryItems')
              .select((e) => sql<number>`${e.fn.countAll()}::int`.as('n'))
              .whereRef('inventoryItems.templateId', '=', 't.id')
              .where(availableAt(now))
              .as('available'),
          ])
          .where((eb) => eb.or([eb('t.lowStockThreshold', 'is not', null), eb('t.lowStockSince', 'is not', null)])),
      )
      .updateTable('inventoryTemplates')
      .from('c')
      .set({ lowStockSince: sql`case when ${low} then ${now}::timestamptz end`, lowStockAvailable: sql`case when ${low} then c.available end` })
      .whereRef('inventoryTemplates.id', '=', 'c.id')
      .where(sql<boolean>`(inventory_templates.low_stock_since is not null) <> ${low}`)
      .returning(['inventoryTemplates.id', 'inventoryTemplates.name', low.as('low'), sql<number>`c.available`.as('available'), 'c.threshold'])
      .execute();
  }

  // --- items -----------------------------------------------------------------------------------

  private items(db: Executor = this.db) {
    return db
      .selectFrom('inventoryItems')
      .innerJoin('inventoryTemplates', 'inventoryTemplates.id', 'inventoryItems.templateId')
      .selectAll('inventoryItems')
      .select(['inventoryTemplates.name as templateName', 'inventoryTemplates.attributes as templateAttributes']);
  }

  private toItem(row: ItemRow): Item {
    const now = this.clock.now().getTime();
    const lapsed = row.status === 'reserved' && !row.provisionId && row.reservationExpiresAt !== null && Date.parse(row.reservationExpiresAt) <= now;
    const quarantined = (row.status === 'new' || row.status === 'in_stock') && row.quarantinedUntil !== null && Date.parse(row.quarantinedUntil) > now;
    const status: ItemStatus = quarantined ? 'quarantined' : lapsed ? (row.stockStatus ?? 'in_stock') : row.status;
    return {
      id: row.id,
      templateId: row.templateId,
      templateName: row.templateName,
      reference: row.reference,
      attributes: row.attributes,
      status,
      label: labelOf(row.reference, row.attributes, row.templateAttributes, status),
      reservation:
        status === 'reserved' ? { holder: row.reservationHolder, expiresAt: row.reservationExpiresAt, provisionId: row.provisionId } : null,
      customerId: row.customerId,
      serviceId: row.serviceId,
      assignedAt: row.assignedAt,
      quarantinedUntil: quarantined ? row.quarantinedUntil : null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  /** Many items at once (the checks of many assignments). */
  /** The first item of a template whose reference (or ID, for digits) is `value`, or whose attribute is; null if none. */
  async findItem(templateId: number, value: string, attribute?: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('inventoryItems')
      .select('id')
      .where('templateId', '=', templateId)
      .where((eb) =>
        attribute
          ? eb(sql`attributes->>${attribute}`, '=', value)
          : eb.or([eb('reference', '=', value), ...(/^[0-9]{1,9}$/.test(value) ? [eb('id', '=', Number(value))] : [])]),
      )
      .orderBy('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  async getItems(ids: number[], db: Executor = this.db): Promise<Map<number, Item>> {
    const wanted = [...new Set(ids)].filter((id) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647);
    if (!wanted.length) return new Map();
    const rows = await this.items(db).where('inventoryItems.id', 'in', wanted).execute();
    return new Map(rows.map((r) => [r.id, this.toItem(r)]));
  }

  async getItem(id: number, db: Executor = this.db): Promise<Item> {
    const row = await this.items(db).where('inventoryItems.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Inventory item', id);
    return this.toItem(row);
  }

  /** What a selector offers for one template (R4.2), and why it may be empty (R4.5). */
  async available(templateName: string, opts: { q?: string | undefined; limit: number }) {
    const template = await this.templateByName(templateName);
    const now = isoNow(this.clock);
    let q = this.items().where('inventoryItems.templateId', '=', template.id).where(availableAt(now));
    if (opts.q) q = q.where(matching(opts.q));
    const [rows, summary] = await Promise.all([
      q.orderBy('inventoryItems.reference').limit(opts.limit).execute(),
      this.summary(template.id, now),
    ]);
    return { template, items: rows.map((r) => this.toItem(r)), available: summary.new + summary.in_stock, summary };
  }

  /** Items of a template counted by their status now (lapsed reservations count as available). */
  async summary(templateId: number, now = isoNow(this.clock)): Promise<Record<ItemStatus, number>> {
    const rows = await this.db
      .selectFrom('inventoryItems')
      .select([
        sql<ItemStatus>`case when status in ('new', 'in_stock') and quarantined_until > ${now} then 'quarantined'
                             when status = 'reserved' and provision_id is null and reservation_expires_at <= ${now} then stock_status else status end`.as('effective'),
        (eb) => eb.fn.countAll<number>().as('count'),
      ])
      .where('templateId', '=', templateId)
      .groupBy('effective')
      .execute();
    const out: Record<ItemStatus, number> = { new: 0, in_stock: 0, reserved: 0, assigned: 0, retired: 0, quarantined: 0 };
    for (const r of rows) out[r.effective] = Number(r.count);
    return out;
  }

  /**
   * One page of items (the inventory page), by template, status now (a lapsed hold counts as
   * available, a number in quarantine as quarantined), service, and a search of the reference and
   * the attributes (ICCID, number, serial); with how many match in all.
   */
  async listItems(query: {
    template?: string | undefined;
    status?: ItemStatus | undefined;
    /** Any of these statuses now (TMF639's filters). */
    statuses?: readonly ItemStatus[] | undefined;
    templateIds?: readonly number[] | undefined;
    ids?: readonly number[] | undefined;
    customerId?: number | undefined;
    q?: string | undefined;
    serviceId?: number | undefined;
    serviceIds?: readonly number[] | undefined;
    /** By ID (the order items were added), not by template and reference (the inventory page). */
    byId?: boolean;
    limit: number;
    offset: number;
  }) {
    let q = this.items();
    if (query.template) {
      const t = await this.templateByName(query.template);
      q = q.where('inventoryItems.templateId', '=', t.id);
    }
    const now = isoNow(this.clock);
    const statuses = [...(query.status ? [query.status] : []), ...(query.statuses ?? [])];
    if (query.statuses && !query.statuses.length) q = q.where(sql<boolean>`false`);
    if (statuses.length) q = q.where((eb) => eb.or(statuses.map((s) => statusNow(s, now)(eb))));
    if (query.templateIds) q = q.where('inventoryItems.templateId', 'in', query.templateIds.length ? [...query.templateIds] : [-1]);
    if (query.ids) q = q.where('inventoryItems.id', 'in', query.ids.length ? [...query.ids] : [-1]);
    if (query.customerId !== undefined) q = q.where('inventoryItems.customerId', '=', query.customerId);
    if (query.serviceId) q = q.where('inventoryItems.serviceId', '=', query.serviceId);
    if (query.serviceIds) q = q.where('inventoryItems.serviceId', 'in', query.serviceIds.length ? [...query.serviceIds] : [-1]);
    if (query.q) q = q.where(matching(query.q));
    const ordered = query.byId ? q.orderBy('inventoryItems.id') : q.orderBy('inventoryTemplates.name').orderBy('inventoryItems.reference');
    const [rows, count] = await Promise.all([
      ordered.limit(query.limit).offset(query.offset).execute(),
      q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((r) => this.toItem(r)), total: Number(count.n), limit: query.limit, offset: query.offset };
  }

  /**
   * Every template's items counted by their status now, with how many can be picked and when the
   * first quarantined number comes back (the inventory page's summary): one statement.
   */
  async summaries(): Promise<TemplateSummary[]> {
    const now = isoNow(this.clock);
    const [templates, rows] = await Promise.all([
      this.listTemplates(),
      this.db
        .selectFrom('inventoryItems')
        .select([
          'templateId',
          sql<ItemStatus>`case when status in ('new', 'in_stock') and quarantined_until > ${now} then 'quarantined'
                               when status = 'reserved' and provision_id is null and reservation_expires_at <= ${now} then stock_status else status end`.as('effective'),
          (eb) => eb.fn.countAll<number>().as('count'),
          sql<string | null>`min(quarantined_until) filter (where status in ('new', 'in_stock') and quarantined_until > ${now})`.as('nextReturn'),
        ])
        .groupBy(['templateId', 'effective'])
        .execute(),
    ]);
    return templates.map((template) => {
      const counts: Record<ItemStatus, number> = { new: 0, in_stock: 0, reserved: 0, assigned: 0, retired: 0, quarantined: 0 };
      let nextReturn: string | null = null;
      for (const r of rows) {
        if (r.templateId !== template.id) continue;
        counts[r.effective] = Number(r.count);
        if (r.nextReturn) nextReturn = r.nextReturn;
      }
      return { template, available: counts.new + counts.in_stock, counts, nextReturn };
    });
  }

  /** Adds items in bulk: all or none, each checked against its template's attributes. */
  async addItems(ctx: Ctx, input: ItemsInput): Promise<{ created: number; template: Template }> {
    return transaction(this.db, async (trx) => {
      const template = await this.templateByName(input.template, trx);
      const seen = new Set<string>();
      input.items.forEach((it, i) => {
        if (seen.has(it.reference)) throw new AppError('VALIDATION_FAILED', `items.${i}.reference: "${it.reference}" appears twice in this request.`, 'Each reference once.', { field: `items.${i}.reference` });
        seen.add(it.reference);
        checkAttributes(template, it.attributes, `items.${i}.attributes`);
      });
      const refs = [...seen];
      const clashes: string[] = [];
      for (let i = 0; i < refs.length; i += 1000) {
        const chunk = refs.slice(i, i + 1000);
        const rows = await trx.selectFrom('inventoryItems').select('reference').where('templateId', '=', template.id).where('reference', 'in', chunk).execute();
        clashes.push(...rows.map((r) => r.reference));
      }
      if (clashes.length) {
        throw new AppError(
          'ALREADY_EXISTS',
          `${clashes.length} reference(s) are already in stock for ${template.name}: ${clashes.slice(0, 5).join(', ')}${clashes.length > 5 ? '...' : ''}.`,
          'Leave those rows out and send the rest again.',
          { references: clashes.slice(0, 100) },
        );
      }
      for (let i = 0; i < input.items.length; i += 1000) {
        await trx
          .insertInto('inventoryItems')
          .values(input.items.slice(i, i + 1000).map((it) => ({ templateId: template.id, reference: it.reference, attributes: json(it.attributes), status: it.status, stockStatus: null, reservationHolder: null, reservedBy: null, reservationExpiresAt: null, provisionId: null, customerId: null, serviceId: null, assignedAt: null })))
          .execute();
      }
      await recordAudit(trx, ctx, {
        action: 'inventory.add',
        entityType: 'inventory_template',
        entityId: template.id,
        after: { count: input.items.length, first: input.items[0]!.reference, last: input.items.at(-1)!.reference },
      });
      return { created: input.items.length, template };
    });
  }

  /** Takes an item out of stock for good (lost, faulty). Only an item in stock can be retired here. */
  async retire(ctx: Ctx, itemId: number): Promise<Item> {
    const now = isoNow(this.clock);
    const retired = await transaction(this.db, async (trx) => {
      const before = await this.getItem(itemId, trx);
      const done = await trx
        .updateTable('inventoryItems')
        .set({ status: 'retired', stockStatus: null, reservationHolder: null, reservedBy: null, reservationExpiresAt: null, updatedAt: now })
        .where('id', '=', itemId)
        .where(availableAt(now))
        .returning('id')
        .executeTakeFirst();
      if (!done) {
        throw new AppError(
          'INVALID_TRANSITION',
          `${before.reference} is ${statusLabel[before.status].toLowerCase()}; only an item in stock can be retired.`,
          before.status === 'assigned' ? 'Terminate its service first; the item is then released as its template says.' : 'Wait until its reservation ends.',
          { from: before.status, to: 'retired' },
        );
      }
      await recordAudit(trx, ctx, { action: 'inventory.retire', entityType: 'inventory_item', entityId: itemId, before: { status: before.status }, after: { status: 'retired' } });
      return this.getItem(itemId, trx);
    });
    this.stockTaken();
    return retired;
  }

  // --- provisioning (R4.4) ----------------------------------------------------------------------

  /**
   * Moves a wizard's timed reservation to a hold by a provision (no expiry), in the caller's
   * transaction. Every item must still be reserved by `holder`; otherwise nothing is held.
   */
  async holdForProvision(trx: Executor, holder: string, itemIds: number[], provisionId: string): Promise<void> {
    if (itemIds.length === 0) return;
    const now = isoNow(this.clock);
    const held = await trx
      .updateTable('inventoryItems')
      .set({ provisionId, reservationExpiresAt: null, updatedAt: now })
      .where('id', 'in', itemIds)
      .where('status', '=', 'reserved')
      .where('reservationHolder', '=', holder)
      .where('provisionId', 'is', null)
      .where('reservationExpiresAt', '>', now)
      .returning('id')
      .execute();
    if (held.length !== itemIds.length) {
      const lost = itemIds.filter((id) => !held.some((h) => h.id === id));
      throw new AppError(
        'INVENTORY_UNAVAILABLE',
        `${lost.length === 1 ? 'An item' : `${lost.length} items`} of this assignment ${lost.length === 1 ? 'is' : 'are'} no longer reserved for it (item ${lost.join(', ')}): the reservation expired or another assignment took it.`,
        'Pick the inventory again; the selectors show what is available now.',
        { itemIds: lost },
      );
    }
  }

  /**
   * Moves many items from their assignments' timed reservations to holds by their provisions (no
   * expiry), in the caller's transaction: one statement. Returns the items that were no longer
   * reserved by their holder (nothing is held for those; the caller decides).
   */
  async holdForProvisions(trx: Executor, holds: { itemId: number; holder: string; provisionId: string }[]): Promise<Set<number>> {
    if (!holds.length) return new Set();
    const now = isoNow(this.clock);
    const { rows } = await sql<{ id: number }>`
      update inventory_items i set provision_id = h.provision_id, reservation_expires_at = null, updated_at = ${now}
      from unnest(${holds.map((h) => h.itemId)}::int[], ${holds.map((h) => h.holder)}::text[], ${holds.map((h) => h.provisionId)}::uuid[]) as h(item_id, holder, provision_id)
      where i.id = h.item_id and i.status = 'reserved' and i.reservation_holder = h.holder and i.provision_id is null and i.reservation_expires_at > ${now}
      returning i.id`.execute(trx);
    const held = new Set(rows.map((r) => r.id));
    return new Set(holds.filter((h) => !held.has(h.itemId)).map((h) => h.itemId));
  }

  /** A held item becomes assigned to the customer and the service. Repeating it changes nothing. */
  async assignHeld(input: { provisionId: string; itemId: number; customerId: number; serviceId: number }): Promise<Item> {
    const now = isoNow(this.clock);
    const row = await this.db
      .updateTable('inventoryItems')
      .set({ status: 'assigned', customerId: input.customerId, serviceId: input.serviceId, assignedAt: now, reservationHolder: null, reservedBy: null, reservationExpiresAt: null, updatedAt: now })
      .where('id', '=', input.itemId)
      .where('provisionId', '=', input.provisionId)
      .where('status', '=', 'reserved')
      .returning('id')
      .executeTakeFirst();
    const item = await this.getItem(input.itemId);
    if (!row && !(item.status === 'assigned' && item.serviceId === input.serviceId)) {
      throw new AppError('INVENTORY_UNAVAILABLE', `${item.reference} is not held for this provisioning (it is ${statusLabel[item.status].toLowerCase()}).`, 'Cancel this provisioning and assign again with another item.');
    }
    return item;
  }

  /**
   * Held items become assigned to their customers and services, many at once (a group's runs), in
   * the caller's transaction. Returns each item as it is now, or why it could not be assigned.
   */
  async assignHeldMany(db: Executor, rows: { provisionId: string; itemId: number; customerId: number; serviceId: number }[]): Promise<Map<number, { id: number; reference: string; status: ItemStatus; attributes: Record<string, string> } | AppError>> {
    const out = new Map<number, { id: number; reference: string; status: ItemStatus; attributes: Record<string, string> } | AppError>();
    if (!rows.length) return out;
    const now = isoNow(this.clock);
    const { rows: done } = await sql<{ id: number; reference: string; status: ItemStatus; attributes: Record<string, string> }>`
      update inventory_items i set status = 'assigned', customer_id = r.customer_id, service_id = r.service_id, assigned_at = ${now},
             reservation_holder = null, reserved_by = null, reservation_expires_at = null, updated_at = ${now}
      from unnest(${rows.map((r) => r.itemId)}::int[], ${rows.map((r) => r.provisionId)}::uuid[], ${rows.map((r) => r.customerId)}::int[], ${rows.map((r) => r.serviceId)}::int[]) as r(item_id, provision_id, customer_id, service_id)
      where i.id = r.item_id and i.provision_id = r.provision_id and i.status = 'reserved'
      returning i.id, i.reference, i.status, i.attributes`.execute(db);
    for (const d of done) out.set(d.id, d);
    const missing = rows.filter((r) => !out.has(r.itemId));
    if (missing.length) {
      const now2 = await db.selectFrom('inventoryItems').select(['id', 'reference', 'status', 'serviceId', 'attributes']).where('id', 'in', missing.map((m) => m.itemId)).execute();
      for (const m of missing) {
        const item = now2.find((x) => x.id === m.itemId);
        // Assigned to this very service already: a repeat changes nothing.
        if (item && item.status === 'assigned' && item.serviceId === m.serviceId) out.set(m.itemId, item);
        else out.set(m.itemId, new AppError('INVENTORY_UNAVAILABLE', `${item?.reference ?? `Item ${m.itemId}`} is not held for this provisioning (it is ${item ? statusLabel[item.status].toLowerCase() : 'gone'}).`, 'Cancel this provisioning and assign again with another item.'));
      }
    }
    return out;
  }

  /**
   * For the metrics (issue 12): items available now and the low-stock threshold of every template,
   * and wizards' reservations still held or lapsed. One statement each.
   */
  async gauges(): Promise<SystemGauge[]> {
    const now = isoNow(this.clock);
    const [stock, holds] = await Promise.all([
      this.db
        .selectFrom('inventoryTemplates as t')
        .select((eb) => [
          't.name',
          't.lowStockThreshold',
          eb
            .selectFrom('inventoryItems')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('inventoryItems.templateId', '=', 't.id')
            .where(availableAt(now))
            .as('available'),
        ])
        .execute(),
      this.db
        .selectFrom('inventoryItems')
        .select([sql<string>`case when reservation_expires_at > ${now} then 'held' else 'expired' end`.as('state'), (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'reserved')
        .where('provisionId', 'is', null)
        .groupBy('state')
        .execute(),
    ]);
    return [
      ...stock.flatMap((t) => [
        { metric: 'stock' as const, label: t.name, value: Number(t.available ?? 0) },
        { metric: 'threshold' as const, label: t.name, value: Number(t.lowStockThreshold ?? 0) },
      ]),
      ...(['held', 'expired'] as const).map((state) => ({ metric: 'reservations' as const, label: state, value: Number(holds.find((h) => h.state === state)?.n ?? 0) })),
    ];
  }

  /** How many items of a template can be picked now (new, in stock, or a lapsed hold). */
  async availableCount(templateId: number): Promise<number> {
    const now = isoNow(this.clock);
    const r = await this.db.selectFrom('inventoryItems').select((eb) => eb.fn.countAll<number>().as('n')).where('templateId', '=', templateId).where(availableAt(now)).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Items of a template by reference, with whether each can be picked now (bulk checks). */
  async byReferences(templateId: number, references: string[]): Promise<Map<string, { id: number; available: boolean }>> {
    if (references.length === 0) return new Map();
    const now = isoNow(this.clock);
    const rows = await this.db
      .selectFrom('inventoryItems')
      .select(['id', 'reference', sql<boolean>`(status in ('new', 'in_stock') and ${outOfQuarantine(now)}) or (status = 'reserved' and provision_id is null and reservation_expires_at <= ${now})`.as('available')])
      .where('templateId', '=', templateId)
      .where('reference', 'in', references)
      .execute();
    return new Map(rows.map((r) => [r.reference, { id: r.id, available: Boolean(r.available) }]));
  }

  /**
   * Reserves an item for one row of a batch (bulk assignment, R11.3), as the wizard reserves one
   * for an assignment: the item the row names, or the first available one of the template.
   * Concurrent takers skip items another has locked, so two batches never get the same item; a
   * row that already holds one (a crash between reserving and starting) gets it back.
   */
  async reserveFromStock(ctx: Ctx, holder: string, templateName: string, itemId: number | undefined, ttlSeconds: number): Promise<Item> {
    const template = await this.templateByName(templateName);
    const now = isoNow(this.clock);
    const expiresAt = isoIn(this.clock, ttlSeconds * 1000);
    const mine = await this.db
      .selectFrom('inventoryItems')
      .select('id')
      .where('templateId', '=', template.id)
      .where('reservationHolder', '=', holder)
      .where('status', '=', 'reserved')
      .where('provisionId', 'is', null)
      .where('reservationExpiresAt', '>', now)
      .$if(itemId !== undefined, (q) => q.where('id', '=', itemId!))
      .executeTakeFirst();
    const candidate =
      mine?.id ??
      itemId ??
      sql<number>`(select i.id from inventory_items i
           where i.template_id = ${template.id}
             and ((i.status in ('new', 'in_stock') and ${outOfQuarantine(now, 'i')}) or (i.status = 'reserved' and i.provision_id is null and i.reservation_expires_at <= ${now}))
           order by i.id limit 1 for update skip locked)`;
    const row = await transaction(this.db, async (trx) => {
      const won = await this.claim(trx, candidate, holder, ctx.actor.id, expiresAt, now);
      if (won && won.id !== mine?.id) await recordAudit(trx, ctx, { action: 'inventory.reserve', entityType: 'inventory_item', entityId: won.id, after: { holder, expiresAt } });
      return won;
    });
    if (row) this.stockTaken();
    if (!row) {
      if (itemId !== undefined) throw await this.unavailable(itemId, this.db);
      throw new AppError('INVENTORY_UNAVAILABLE', `No ${template.name} is left in stock.`, `Add ${template.name} items to the stock, then retry the failed rows.`, { template: template.name });
    }
    return this.getItem(row.id);
  }

  /**
   * Picks one available item of a template for each of many holders (a batch's rows as they
   * start, R11.3), in one statement: concurrent takers skip items another has locked, so two
   * batches never get the same item; a holder that already holds one (a crash between picking and
   * starting) keeps it. Returns the item each holder got; a holder missing from it found none.
   */
  async reserveFromStockMany(ctx: Ctx, templateName: string, holders: string[], ttlSeconds: number): Promise<Map<string, number>> {
    const got = new Map<string, number>();
    if (!holders.length) return got;
    const template = await this.templateByName(templateName);
    const now = isoNow(this.clock);
    const expiresAt = isoIn(this.clock, ttlSeconds * 1000);
    const mine = await this.db
      .selectFrom('inventoryItems')
      .select(['id', 'reservationHolder'])
      .where('templateId', '=', template.id)
      .where('reservationHolder', 'in', holders)
      .where('status', '=', 'reserved')
      .where('provisionId', 'is', null)
      .where('reservationExpiresAt', '>', now)
      .execute();
    for (const m of mine) got.set(m.reservationHolder!, m.id);
    const want = holders.filter((h) => !got.has(h));
    if (!want.length) return got;
    await transaction(this.db, async (trx) => {
      const { rows } = await sql<{ id: number; holder: string }>`
        with locked as (
          select i.id from inventory_items i
          where i.template_id = ${template.id}
            and ((i.status in ('new', 'in_stock') and ${outOfQuarantine(now, 'i')}) or (i.status = 'reserved' and i.provision_id is null and i.reservation_expires_at <= ${now}))
          order by i.id limit ${want.length} for update skip locked
        ), picked as (
          select id, row_number() over (order by id) as n from locked
        ), h as (
          select holder, n from unnest(${want}::text[]) with ordinality as h(holder, n)
        )
        update inventory_items i
        set stock_status = case when i.status in ('new', 'in_stock') then i.status else i.stock_status end,
            status = 'reserved', reservation_holder = h.holder, reserved_by = ${ctx.actor.id}, reservation_expires_at = ${expiresAt}, updated_at = ${now}
        from picked join h using (n)
        where i.id = picked.id
        returning i.id, h.holder`.execute(trx);
      for (const r of rows) got.set(r.holder, r.id);
      await recordAuditMany(trx, ctx, rows.map((r) => ({ action: 'inventory.reserve', entityType: 'inventory_item', entityId: r.id, after: { holder: r.holder, expiresAt } })));
    });
    this.stockTaken();
    return got;
  }

  /**
   * Holds the items a batch's rows name, each for its row, until the row starts (R11.3): auto-picks
   * of other rows and batches cannot take them meanwhile. Returns the IDs it could not hold.
   */
  async reserveForRows(ctx: Ctx, holds: { holder: string; itemId: number }[], ttlSeconds: number): Promise<number[]> {
    if (holds.length === 0) return [];
    const now = isoNow(this.clock);
    const expiresAt = isoIn(this.clock, ttlSeconds * 1000);
    const won = await transaction(this.db, async (trx) => {
      const res = await sql<{ id: number; holder: string }>`
        update inventory_items i
        set stock_status = case when i.status in ('new', 'in_stock') then i.status else i.stock_status end,
            status = 'reserved', reservation_holder = h.holder, reserved_by = ${ctx.actor.id}, reservation_expires_at = ${expiresAt}, updated_at = ${now}
        from unnest(${holds.map((h) => h.itemId)}::int[], ${holds.map((h) => h.holder)}::text[]) as h(item_id, holder)
        where i.id = h.item_id
          and ((i.status in ('new', 'in_stock') and ${outOfQuarantine(now, 'i')}) or (i.status = 'reserved' and i.provision_id is null and (i.reservation_expires_at <= ${now} or i.reservation_holder = h.holder)))
        returning i.id, h.holder`.execute(trx);
      await recordAuditMany(trx, ctx, res.rows.map((r) => ({ action: 'inventory.reserve', entityType: 'inventory_item', entityId: r.id, after: { holder: r.holder, expiresAt } })));
      return res.rows;
    });
    if (won.length) this.stockTaken();
    const got = new Set(won.map((r) => r.id));
    return holds.filter((h) => !got.has(h.itemId)).map((h) => h.itemId);
  }

  /** Ends the holds of many holders at once (a cancelled batch's rows). */
  async releaseHolders(ctx: Ctx, holders: string[]): Promise<number> {
    if (holders.length === 0) return 0;
    return this.releaseAudited(ctx, (eb) => eb('reservationHolder', 'in', holders));
  }

  /** Ends every hold whose holder starts with `prefix` (a batch's rows: `batch:<id>:`). */
  async releaseHolderPrefix(ctx: Ctx, prefix: string): Promise<number> {
    return this.releaseAudited(ctx, (eb) => eb('reservationHolder', 'like', `${prefix.replace(/[\\%_]/g, '\\$&')}%`));
  }

  /** Releases holds and writes one audit event per item, in one transaction. */
  private async releaseAudited(ctx: Ctx, which: Parameters<InventoryService['releaseWhere']>[1]): Promise<number> {
    return transaction(this.db, async (trx) => {
      const released = await this.releaseWhere(trx, which, true);
      await recordAuditMany(trx, ctx, released.map((r) => ({ action: 'inventory.release', entityType: 'inventory_item', entityId: r.id, before: { holder: r.holder } })));
      return released.length;
    });
  }

  /** Returns everything provisions held or assigned to stock (their services were cancelled); each item audited. */
  async releaseForProvision(ctx: Ctx, trx: Executor, provisionId: string | string[]): Promise<number> {
    const ids = [provisionId].flat();
    if (!ids.length) return 0;
    // The holds as they were (the update clears the holder), locked, then released.
    const released = await trx
      .with('held', (db) => db.selectFrom('inventoryItems').select(['id', 'reservationHolder']).where('provisionId', 'in', ids).where('status', 'in', ['reserved', 'assigned']).forUpdate())
      .updateTable('inventoryItems')
      .from('held')
      .set({
        // A held item returns to the stock status it had; one already assigned (never used:
        // the service was cancelled) goes back in stock, as the lifecycle allows.
        status: sql`case when inventory_items.status = 'assigned' then 'in_stock' else coalesce(inventory_items.stock_status, 'in_stock') end`,
        stockStatus: null,
        reservationHolder: null,
        reservedBy: null,
        reservationExpiresAt: null,
        provisionId: null,
        customerId: null,
        serviceId: null,
        assignedAt: null,
        updatedAt: isoNow(this.clock),
      })
      .whereRef('inventoryItems.id', '=', 'held.id')
      .returning(['inventoryItems.id', 'inventoryItems.status', 'held.reservationHolder as holder'])
      .execute();
    await recordAuditMany(trx, ctx, released.map((r) => ({ action: 'inventory.release', entityType: 'inventory_item', entityId: r.id, before: { holder: r.holder }, after: { status: r.status, why: 'provisioning cancelled' } })));
    return released.length;
  }

  /**
   * Gives back what a service used, as each template says (issue 5): numbers back in stock, SIM
   * cards retired. A number goes back in quarantine (issue 13): not available for
   * NUMBER_QUARANTINE_DAYS, then available again by the availability condition itself (no job to
   * run or to lose across a restart). Repeating it changes nothing.
   */
  async releaseForService(serviceId: number): Promise<{ itemId: number; reference: string; template: string; to: 'in_stock' | 'retired'; quarantinedUntil: string | null }[]> {
    const days = this.options.numberQuarantineDays ?? 0;
    return transaction(this.db, async (trx) => {
      const rows = await trx
        .selectFrom('inventoryItems')
        .innerJoin('inventoryTemplates', 'inventoryTemplates.id', 'inventoryItems.templateId')
        .select(['inventoryItems.id', 'inventoryItems.reference', 'inventoryTemplates.name', 'inventoryTemplates.releaseTo', 'inventoryTemplates.attributes'])
        .where('inventoryItems.serviceId', '=', serviceId)
        .where('inventoryItems.status', '=', 'assigned')
        .forUpdate()
        .execute();
      const now = isoNow(this.clock);
      const until = days > 0 ? isoIn(this.clock, days * 86_400_000) : null;
      const out: { itemId: number; reference: string; template: string; to: 'in_stock' | 'retired'; quarantinedUntil: string | null }[] = [];
      for (const r of rows) {
        itemLifecycle.assert('assigned', r.releaseTo, 'inventory item');
        const quarantinedUntil = r.releaseTo === 'in_stock' && isNumberTemplate(r.attributes) ? until : null;
        await trx
          .updateTable('inventoryItems')
          .set({ status: r.releaseTo, stockStatus: null, customerId: null, serviceId: r.releaseTo === 'retired' ? serviceId : null, provisionId: null, assignedAt: null, quarantinedUntil, updatedAt: now })
          .where('id', '=', r.id)
          .execute();
        out.push({ itemId: r.id, reference: r.reference, template: r.name, to: r.releaseTo, quarantinedUntil });
      }
      return out;
    });
  }

  /** The items a service holds, for its page. */
  async forService(serviceId: number): Promise<Item[]> {
    const rows = await this.items().where('inventoryItems.serviceId', '=', serviceId).where('inventoryItems.status', '=', 'assigned').orderBy('inventoryTemplates.name').execute();
    return rows.map((r) => this.toItem(r));
  }

  // --- reservations (R4.3) ----------------------------------------------------------------------

  /**
   * Reserves an item for one assignment until the hold expires. One guarded UPDATE decides, so of
   * any number of concurrent attempts exactly one wins. Reserving again with the same holder
   * extends the hold.
   */
  async reserve(ctx: Ctx, itemId: number, holder: string, ttlSeconds = this.options.reservationTtlSeconds): Promise<Item> {
    const now = isoNow(this.clock);
    const expiresAt = isoIn(this.clock, ttlSeconds * 1000);
    const item = await transaction(this.db, async (trx) => {
      const won = await this.claim(trx, itemId, holder, ctx.actor.id, expiresAt, now);
      if (!won) throw await this.unavailable(itemId, trx);
      await recordAudit(trx, ctx, { action: 'inventory.reserve', entityType: 'inventory_item', entityId: itemId, after: { holder, expiresAt } });
      return this.getItem(itemId, trx);
    });
    this.stockTaken();
    return item;
  }

  /**
   * The one guarded UPDATE every reservation goes through: the item is taken for `holder` only
   * if it is available (new, in stock, a lapsed hold) or already this holder's.
   */
  private async claim(db: Executor, itemId: number | RawBuilder<number>, holder: string, by: string | null, expiresAt: string, now: string) {
    return db
      .updateTable('inventoryItems')
      .set({
        stockStatus: sql`case when status in ('new', 'in_stock') then status else stock_status end`,
        status: 'reserved',
        reservationHolder: holder,
        reservedBy: by,
        reservationExpiresAt: expiresAt,
        updatedAt: now,
      })
      .where('id', '=', itemId)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', 'in', itemLifecycle.sourcesOf('reserved')), outOfQuarantine(now)]),
          eb.and([eb('status', '=', 'reserved'), eb('provisionId', 'is', null), eb.or([eb('reservationExpiresAt', '<=', now), eb('reservationHolder', '=', holder)])]),
        ]),
      )
      .returning('id')
      .executeTakeFirst();
  }

  /** Why an item cannot be reserved, as a person would want to hear it. */
  private async unavailable(itemId: number, db: Executor): Promise<AppError> {
    const item = await this.getItem(itemId, db);
    const pick = `Pick another ${item.templateName}.`;
    switch (item.status) {
      case 'reserved':
        return new AppError(
          'INVENTORY_UNAVAILABLE',
          item.reservation?.provisionId
            ? `${item.reference} is being provisioned for another service.`
            : `${item.reference} is reserved by another assignment${item.reservation?.expiresAt ? ` until ${item.reservation.expiresAt.slice(11, 16)} UTC` : ''}.`,
          `${pick} The list of available items has been refreshed.`,
          { itemId, status: item.status },
        );
      case 'assigned':
        return new AppError('INVENTORY_UNAVAILABLE', `${item.reference} is already assigned to service ${item.serviceId}.`, pick, { itemId, status: item.status });
      case 'quarantined':
        return new AppError(
          'INVENTORY_UNAVAILABLE',
          `${item.reference} is in quarantine until ${item.quarantinedUntil!.slice(0, 10)}: it was freed by a terminated service and is not handed out again before then.`,
          `${pick} (NUMBER_QUARANTINE_DAYS sets how long a freed number is held back.)`,
          { itemId, status: item.status, quarantinedUntil: item.quarantinedUntil },
        );
      default:
        return new AppError('INVENTORY_UNAVAILABLE', `${item.reference} is ${statusLabel[item.status].toLowerCase()} and cannot be reserved.`, pick, { itemId, status: item.status });
    }
  }

  /** Ends a wizard's hold on one item (changing the selection). Releasing what you do not hold does nothing. */
  async release(ctx: Ctx, itemId: number, holder: string): Promise<{ released: boolean }> {
    return transaction(this.db, async (trx) => {
      await this.getItem(itemId, trx);
      const n = await this.releaseWhere(trx, (eb) => eb.and([eb('id', '=', itemId), eb('reservationHolder', '=', holder)]));
      if (n) await recordAudit(trx, ctx, { action: 'inventory.release', entityType: 'inventory_item', entityId: itemId, before: { holder } });
      return { released: n > 0 };
    });
  }

  /** Ends every hold of one assignment (the wizard was cancelled). */
  async releaseHolder(ctx: Ctx, holder: string): Promise<{ released: number }> {
    return transaction(this.db, async (trx) => {
      const n = await this.releaseWhere(trx, (eb) => eb('reservationHolder', '=', holder));
      if (n) await recordAudit(trx, ctx, { action: 'inventory.release', entityType: 'reservation', entityId: holder, before: { holder, count: n } });
      return { released: n };
    });
  }

  /** Returns timed (wizard) reservations to stock; a provision's hold is never released here. */
  private async releaseWhere(trx: Executor, which: (eb: ExpressionBuilder<DB, 'inventoryItems'>) => ReturnType<ExpressionBuilder<DB, 'inventoryItems'>['and']>): Promise<number>;
  private async releaseWhere(trx: Executor, which: (eb: ExpressionBuilder<DB, 'inventoryItems'>) => ReturnType<ExpressionBuilder<DB, 'inventoryItems'>['and']>, items: true): Promise<{ id: number; holder: string }[]>;
  private async releaseWhere(trx: Executor, which: (eb: ExpressionBuilder<DB, 'inventoryItems'>) => ReturnType<ExpressionBuilder<DB, 'inventoryItems'>['and']>, items?: true) {
    // The holds as they were (the update clears the holder), locked, then released.
    const rows = await trx
      .with('held', (db) => db.selectFrom('inventoryItems').select(['id', 'reservationHolder']).where('status', '=', 'reserved').where('provisionId', 'is', null).where(which).forUpdate())
      .updateTable('inventoryItems')
      .from('held')
      .set({
        status: sql`stock_status`,
        stockStatus: null,
        reservationHolder: null,
        reservedBy: null,
        reservationExpiresAt: null,
        updatedAt: isoNow(this.clock),
      })
      .whereRef('inventoryItems.id', '=', 'held.id')
      .returning(['inventoryItems.id', 'held.reservationHolder as holder'])
      .execute();
    return items ? rows.map((r) => ({ id: r.id, holder: r.holder ?? '' })) : rows.length;
  }
}

/**
 * An item whose reference or attributes (ICCID, number, serial) contain the text; "7700900124"
 * finds "+44 7700 900124": the reference is also compared without its spaces and signs.
 */
function matching(text: string) {
  const like = `%${escapeLike(text.toLowerCase())}%`;
  const bare = text.replace(/[^0-9A-Za-z]/g, '').toLowerCase();
  return (eb: ExpressionBuilder<DB, 'inventoryItems'>) =>
    eb.or([
      eb(eb.fn('lower', ['inventoryItems.reference']), 'like', like),
      eb(sql`lower(inventory_items.attributes::text)`, 'like', like),
      ...(bare ? [eb(sql`lower(regexp_replace(inventory_items.reference, '[^0-9A-Za-z]', '', 'g'))`, 'like', `%${bare}%`)] : []),
    ]);
}

function checkAttributes(template: Template, attrs: Record<string, string>, field: string) {
  const defined = new Map(template.attributes.map((a) => [a.name, a]));
  for (const key of Object.keys(attrs)) {
    if (!defined.has(key)) {
      throw new AppError('VALIDATION_FAILED', `${field}.${key}: ${template.name} has no attribute "${key}".`, `Its attributes are: ${[...defined.keys()].join(', ') || '(none)'}.`, { field: `${field}.${key}` });
    }
  }
  for (const a of template.attributes) {
    const v = attrs[a.name];
    if (a.required && !v) throw new AppError('VALIDATION_FAILED', `${field}.${a.name}: ${a.label} is required for a ${template.name}.`, undefined, { field: `${field}.${a.name}` });
    if (v && a.pattern && !new RegExp(`^(?:${a.pattern})$`).test(v)) {
      throw new AppError('VALIDATION_FAILED', `${field}.${a.name}: "${v}" is not a valid ${a.label}.`, `It must match ${a.pattern}.`, { field: `${field}.${a.name}` });
    }
  }
}

/** "SIM-00123 - ICCID 8944...0001 (New)", "+44 7700 900124 (New)" (R4.2). */
export function labelOf(reference: string, attrs: Record<string, string>, templateAttrs: TemplateAttribute[], status: ItemStatus): string {
  const first = templateAttrs[0];
  const value = first ? attrs[first.name] : undefined;
  const digits = (x: string) => x.replace(/[^0-9A-Za-z]/g, '');
  const detail = value && digits(value) !== digits(reference) ? ` - ${first!.label} ${value.length > 12 ? `${value.slice(0, 4)}...${value.slice(-4)}` : value}` : '';
  return `${reference}${detail} (${statusLabel[status]})`;
}
