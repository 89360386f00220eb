import { createHash, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { Product } from '../catalog/catalog.schemas.js';
import type { CustomersService } from '../customers/customers.service.js';
import { type DB, type Executor, json } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { AssignmentInput } from '../provisioning/provisioning.schemas.js';
import type { ProvisioningService } from '../provisioning/provisioning.service.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import { entityRef, type Hrefs, relatedParty, typed } from './tmf.common.js';
import { customerIdOf, customerRef } from './tmf.customers.js';
import { type OrderState, orderStateOf } from './tmf.lifecycle.js';

type Entity = Record<string, unknown>;

const orderCharacteristic = z.looseObject({ name: z.string().min(1).max(100), value: z.unknown() });
export const productOrderItemInput = z.looseObject({
  id: z.string().min(1).max(60).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - (e.g. "1")'),
  action: z.enum(['add', 'modify', 'delete', 'noChange']),
  quantity: z.number().int().min(1).max(1).optional().describe('One per item: order several items for several'),
  productOffering: entityRef.optional().describe('The product to assign: a TMF620 productOffering id (a Switchboard product ID)'),
  product: z
    .looseObject({
      id: z.string().max(60).optional().describe("For an add-on: the TMF637 product (the plan's service) that receives it"),
      productCharacteristic: z.array(orderCharacteristic).max(50).optional().describe('Inventory by template name or attribute ("SIM Card": id or reference, "msisdn": 447700900123), custom fields by name, autoRenew, siteId'),
      place: z.array(z.looseObject({ id: z.string().max(20) })).max(1).optional().describe("The customer's site (its id), for products installed at one"),
    })
    .optional(),
});
export const productOrderInput = z
  .looseObject({
    externalId: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    category: z.string().max(100).optional(),
    priority: z.string().max(20).optional(),
    requestedStartDate: z.string().max(40).optional(),
    relatedParty: z.array(relatedParty).max(20).optional().describe('The customer: the party with role "customer", else the first'),
    productOrderItem: z.array(productOrderItemInput).min(1).max(50),
    note: z.array(z.looseObject({ text: z.string().max(2000) })).max(20).optional(),
  })
  .meta({ id: 'ProductOrder_Create' });
export type ProductOrderInput = z.infer<typeof productOrderInput>;
type ItemInput = z.infer<typeof productOrderItemInput>;

export const productOrderUpdate = z
  .looseObject({ externalId: z.string().max(200), description: z.string().max(2000), category: z.string().max(100), priority: z.string().max(20), requestedStartDate: z.string().max(40), note: z.array(z.looseObject({ text: z.string().max(2000) })).max(20), state: z.string() })
  .partial()
  .meta({ id: 'ProductOrder_Update' });

export const cancelProductOrderInput = z
  .looseObject({ productOrder: z.looseObject({ id: z.string().min(1).max(60) }), cancellationReason: z.string().max(500).optional(), requestedCancellationDate: z.string().max(40).optional() })
  .meta({ id: 'CancelProductOrder_Create' });

const itemStateOf = (status: string | undefined): string =>
  status === undefined ? 'acknowledged' : ({ queued: 'acknowledged', running: 'inProgress', succeeded: 'completed', failed: 'failed', timed_out: 'failed', cancelled: 'cancelled' } as Record<string, string>)[status] ?? 'inProgress';

/**
 * TMF622 over provisioning. A productOrder's `add` items are assignments, made the way the
 * console's Confirm & Provision makes them (`ProvisioningService.preflight`, then `startMany`):
 * the same checks refuse an order with the same reasons (a TMF error, 422, naming each failed
 * check), and each item becomes one run of the product's playbook. The order then follows its
 * runs (migration 0017's trigger): acknowledged, inProgress, completed or failed; cancelProductOrder
 * cancels its runs the way the console's Cancel does (a failed or queued run). An order that names
 * no productOffering at all names nothing to provision: it is recorded and `rejected` at once,
 * with the reason (TM Forum's way of refusing an order it has received).
 */
export class TmfOrdering {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly d: { catalog: CatalogService; customers: CustomersService; inventory: InventoryService; provisioning: ProvisioningService },
  ) {}

  private customerParty(body: ProductOrderInput) {
    const parties = body.relatedParty ?? [];
    return parties.find((p) => p.role?.toLowerCase() === 'customer') ?? parties[0];
  }

  private static chars(item: ItemInput): Map<string, string> {
    return new Map((item.product?.productCharacteristic ?? []).map((c) => [c.name.toLowerCase(), typeof c.value === 'object' ? JSON.stringify(c.value) : String(c.value)]));
  }

  /** The item of a template a characteristic names: by the template's name (item ID or reference), or by one of its attributes. */
  private async chosenItem(templateName: string, chars: Map<string, string>): Promise<number | undefined | null> {
    const template = await this.d.inventory.templateByName(templateName);
    const byName = chars.get(templateName.toLowerCase());
    if (byName !== undefined) return this.d.inventory.findItem(template.id, byName);
    const attr = template.attributes.find((a) => chars.has(a.name.toLowerCase()));
    return attr ? this.d.inventory.findItem(template.id, chars.get(attr.name.toLowerCase())!, attr.name) : undefined;
  }

  /** The assignment an item asks for, with its inventory reserved under `holder`. */
  private async assignment(ctx: Ctx, customerId: number, product: Product, item: ItemInput, holder: string): Promise<AssignmentInput> {
    const chars = TmfOrdering.chars(item);
    const inventory: Record<string, number> = {};
    for (const t of product.inventoryTemplates) {
      const chosen = await this.chosenItem(t, chars);
      if (chosen === null) throw new AppError('INVENTORY_UNAVAILABLE', `Item ${item.id}: no ${t} matches the characteristic given.`, `Name a ${t} by its ID or reference (TMF639), or leave it out to take one from stock.`, { item: item.id, template: t });
      inventory[t] = (await this.d.inventory.reserveFromStock(ctx, holder, t, chosen, 900)).id;
    }
    const customFields = Object.fromEntries(product.customFields.filter((f) => chars.has(f.name.toLowerCase())).map((f) => [f.name, chars.get(f.name.toLowerCase())!]));
    const site = item.product?.place?.[0]?.id ?? chars.get('siteid');
    const target = product.category === 'addon' ? customerIdOf(item.product?.id) : null;
    const autoRenew = chars.get('autorenew');
    return {
      customerId,
      product: String(product.id),
      reservation: holder,
      inventory,
      customFields,
      ...(target !== null && { serviceId: target }),
      ...(site !== undefined && /^[0-9]{1,9}$/.test(site) && { siteId: Number(site) }),
      ...(autoRenew !== undefined && { autoRenew: autoRenew === 'true' }),
    };
  }

  /**
   * With an Idempotency-Key, the order's ID is made from the key, and so are its runs' keys: a
   * client that sends the order again (a retry after a timeout, two at once) gets the same order
   * and the same runs, never a second line; the same key with another order is refused (409).
   */
  async create(ctx: Ctx, h: Hrefs, body: ProductOrderInput, idempotencyKey?: string): Promise<Entity> {
    const id = idempotencyKey ? orderIdOf(idempotencyKey) : randomUUID();
    if (idempotencyKey) {
      const done = await this.sameOrder(id, body);
      if (done) return this.get(h, id);
    }
    try {
      return await this.place(ctx, h, id, body);
    } catch (e) {
      // The same order sent twice at once: the other attempt started its runs (the runs' keys are
      // the order's) or wrote the order first. It is that order: wait for it to be written.
      const code = (e as { code?: string }).code;
      if (!idempotencyKey || (code !== '23505' && code !== 'IDEMPOTENCY_KEY_REUSED')) throw e;
      for (let waited = 0; waited < 15_000; waited += 100) {
        if (await this.sameOrder(id, body)) return this.get(h, id);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new AppError('CONFLICT', 'An order with this Idempotency-Key is being placed by another request.', 'Send it again in a few seconds to get it.');
    }
  }

  /** Whether the order with this ID exists with this request (true), or does not exist (false); with another request, 409. */
  private async sameOrder(id: string, body: ProductOrderInput): Promise<boolean> {
    const row = await this.db.selectFrom('tmfProductOrders').select(['request']).where('id', '=', id).executeTakeFirst();
    if (!row) return false;
    if (canonical(row.request) !== canonical(body)) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was sent before with another order.', 'Send a new key for a new order; send the same order again to get it back.');
    }
    return true;
  }

  private async place(ctx: Ctx, h: Hrefs, id: string, body: ProductOrderInput): Promise<Entity> {
    const adds = body.productOrderItem.filter((i) => i.action === 'add');
    const other = body.productOrderItem.find((i) => i.action !== 'add' && i.action !== 'noChange');
    if (other) {
      throw new AppError('VALIDATION_FAILED', `productOrderItem ${other.id}: Switchboard takes orders that add products; "${other.action}" is not supported here.`, 'Suspend, renew or terminate a service with its lifecycle actions (POST /api/services/{id}/suspend...).', { field: 'productOrderItem.action' });
    }
    const named = adds.filter((i) => i.productOffering?.id);
    if (!named.length) return this.reject(ctx, h, id, body, 'No order item names a productOffering: there is nothing to provision.');
    const unnamed = adds.find((i) => !i.productOffering?.id);
    if (unnamed) throw new AppError('VALIDATION_FAILED', `productOrderItem ${unnamed.id}: name the productOffering to add.`, 'GET productOffering from the product catalog (TMF620) for the IDs.', { field: 'productOrderItem.productOffering' });
    const party = this.customerParty(body);
    const customerId = customerIdOf(party?.id);
    if (!party || customerId === null) throw new AppError('VALIDATION_FAILED', 'relatedParty: name the customer (a TMF629 customer id, role "customer").', 'GET customer from customer management (TMF629) for the IDs.', { field: 'relatedParty' });
    const customer = await this.d.customers.get(customerId);

    const holders: string[] = [];
    // This attempt's own reservations: another attempt at the same order holds its own.
    const attempt = randomUUID().slice(0, 8);
    try {
      const inputs: { item: ItemInput; input: AssignmentInput }[] = [];
      for (const item of named) {
        const offering = item.productOffering!.id;
        const product = /^[0-9]{1,9}$/.test(offering) ? await this.d.catalog.get(offering).catch(() => null) : null;
        if (!product) throw notFound('productOffering', offering, 'GET productOffering from the product catalog (TMF620) for the IDs.');
        const holder = `tmf:${id}:${attempt}:${item.id}`;
        holders.push(holder);
        inputs.push({ item, input: await this.assignment(ctx, customer.id, product, item, holder) });
      }
      // The checks of the review screen, for every item before anything starts: all or none.
      for (const { item, input } of inputs) {
        const result = await this.d.provisioning.preflight(input);
        // What failed (a check "not checked" because another failed first says nothing new).
        const failedChecks = result.checks.filter((c) => !c.ok);
        const said = failedChecks.filter((c) => !c.text?.some((t) => t.key.startsWith('notChecked.')));
        const bad = said.length ? said : failedChecks;
        if (bad.length) {
          throw new AppError('PRECONDITION_FAILED', `productOrderItem ${item.id}: ${bad.map((c) => `${c.label}: ${c.message}`).join(' ')}`, bad[0]?.hint, { item: item.id, checks: result.checks, field: bad[0]?.field });
        }
      }
      const started = await this.d.provisioning.startMany(ctx, inputs.map(({ item, input }) => ({ key: `tmf:${id}:${item.id}`, input })));
      const failed = started.find((s) => !s.ok);
      if (failed && !failed.ok && started.every((s) => !s.ok)) throw failed.error;
      await transaction(this.db, async (trx) => {
        await trx.insertInto('tmfProductOrders').values({ id, state: 'acknowledged', customerId: customer.id, request: json(body), createdBy: ctx.actor.id }).execute();
        await trx
          .insertInto('tmfOrderItems')
          .values(inputs.map(({ item }, i) => ({ orderId: id, itemId: item.id, provisionId: started[i]!.ok ? (started[i] as { progress: { id: string } }).progress.id : null })))
          .execute();
        await recordAudit(trx, ctx, { action: 'tmf.product_order.create', entityType: 'tmf_product_order', entityId: id, after: { customerId: customer.id, items: inputs.map(({ item }, i) => ({ item: item.id, provisionId: started[i]!.ok ? (started[i] as { progress: { id: string } }).progress.id : null })) } });
        await sql`select sb_webhooks_emit('tmf.ProductOrderCreateEvent', ${json({ id, state: 'acknowledged' })}::jsonb)`.execute(trx);
        // A run may have moved before its order was written: the order catches up here.
        await this.follow(trx, id, 'acknowledged');
        if (failed && !failed.ok) await trx.updateTable('tmfProductOrders').set({ stateReason: failed.error.message }).where('id', '=', id).execute();
      });
    } finally {
      // What the order holds now is held by its runs; a refused order lets go of what it reserved.
      await this.d.inventory.releaseHolders(ctx, holders).catch(() => undefined);
    }
    return this.get(h, id);
  }

  /** The runs of orders' items, by provision ID (the provisioning domain's answer). */
  private async runsOf(trx: Executor, orderIds: string[]) {
    const items = orderIds.length ? await trx.selectFrom('tmfOrderItems').selectAll().where('orderId', 'in', orderIds).execute() : [];
    const runs = await this.d.provisioning.statuses(items.map((i) => i.provisionId).filter((p): p is string => p !== null), trx);
    return items.map((i) => ({ ...i, run: i.provisionId ? runs.get(i.provisionId) : undefined }));
  }

  /** Moves an order to the state of its runs (and says so to the hub), as the trigger does. */
  private async follow(trx: Executor, id: string, from: OrderState): Promise<void> {
    // An item that never became a run (its inventory taken between the checks and the start) failed.
    const runs = (await this.runsOf(trx, [id])).map((i) => i.run?.status ?? 'failed');
    const state = orderStateOf(runs);
    if (!state || state === from) return;
    await trx
      .updateTable('tmfProductOrders')
      .set({ state, updatedAt: new Date().toISOString(), ...(['completed', 'failed', 'cancelled'].includes(state) && { completionDate: new Date().toISOString() }) })
      .where('id', '=', id)
      .execute();
    await sql`select sb_webhooks_emit('tmf.ProductOrderStateChangeEvent', ${json({ id, state, previousState: from })}::jsonb)`.execute(trx);
  }

  private async reject(ctx: Ctx, h: Hrefs, id: string, body: ProductOrderInput, reason: string): Promise<Entity> {
    const party = this.customerParty(body);
    const customerId = customerIdOf(party?.id);
    const known = customerId === null ? null : await this.d.customers.get(customerId).catch(() => null);
    await transaction(this.db, async (trx) => {
      await trx.insertInto('tmfProductOrders').values({ id, state: 'rejected', stateReason: reason, customerId: known?.id ?? null, request: json(body), createdBy: ctx.actor.id, completionDate: new Date().toISOString() }).execute();
      await trx.insertInto('tmfOrderItems').values(body.productOrderItem.map((i) => ({ orderId: id, itemId: i.id, provisionId: null }))).execute();
      await recordAudit(trx, ctx, { action: 'tmf.product_order.reject', entityType: 'tmf_product_order', entityId: id, after: { reason } });
      await sql`select sb_webhooks_emit('tmf.ProductOrderCreateEvent', ${json({ id, state: 'rejected' })}::jsonb)`.execute(trx);
    });
    return this.get(h, id);
  }

  private async entities(h: Hrefs, ids?: string[]): Promise<Entity[]> {
    let q = this.db.selectFrom('tmfProductOrders').selectAll().orderBy('orderDate').orderBy('id');
    if (ids) q = q.where('id', 'in', ids.length ? ids : ['00000000-0000-0000-0000-000000000000']);
    const orders = await q.execute();
    if (!orders.length) return [];
    const items = await this.runsOf(this.db, orders.map((o) => o.id));
    const customers = await this.d.customers.statuses(this.db, orders.map((o) => o.customerId).filter((c): c is number => c !== null));
    return orders.map((o) => {
      const req = o.request as ProductOrderInput;
      const c = o.customerId === null ? undefined : customers.get(o.customerId);
      const parties = (req.relatedParty ?? []).map((p) => (c && customerIdOf(p.id) === c.id ? { ...p, ...customerRef(h, c, p.role ?? 'customer') } : p));
      return {
        id: o.id,
        href: h.to('ordering', 'productOrder', o.id),
        ...(req.externalId && { externalId: req.externalId }),
        ...(req.description && { description: req.description }),
        ...(req.category && { category: req.category }),
        ...(req.priority && { priority: req.priority }),
        ...(req.requestedStartDate && { requestedStartDate: req.requestedStartDate }),
        state: o.state,
        ...(o.stateReason && { stateChangeReason: o.stateReason }),
        orderDate: o.orderDate,
        ...(o.completionDate && { completionDate: o.completionDate }),
        relatedParty: parties,
        productOrderItem: req.productOrderItem.map((item) => {
          const run = items.find((r) => r.orderId === o.id && r.itemId === item.id);
          const productId = run?.run?.serviceId ? (run.run.kind === 'addon' ? item.product?.id : String(run.run.serviceId)) : item.product?.id;
          return {
            ...item,
            quantity: item.quantity ?? 1,
            state: o.state === 'rejected' ? 'rejected' : itemStateOf(run?.run?.status),
            ...(item.productOffering && { productOffering: { ...item.productOffering, href: h.to('catalog', 'productOffering', item.productOffering.id) } }),
            ...((item.product || productId) && { product: { ...item.product, ...(productId && { id: productId, href: h.to('productInventory', 'product', productId) }) } }),
            ...(run?.provisionId && { '@provisioningRun': `/api/provisions/${run.provisionId}` }),
            '@type': 'ProductOrderItem',
          };
        }),
        note: req.note ?? [],
        ...typed('ordering', 'ProductOrder'),
      };
    });
  }

  list(h: Hrefs): Promise<Entity[]> {
    return this.entities(h);
  }

  async get(h: Hrefs, id: string): Promise<Entity> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('ProductOrder', id);
    const [e] = await this.entities(h, [id]);
    if (!e) throw notFound('ProductOrder', id);
    return e;
  }

  /** Changes what the client said about its order; its state follows the runs (cancel with cancelProductOrder). */
  async update(ctx: Ctx, h: Hrefs, id: string, patch: z.infer<typeof productOrderUpdate>): Promise<Entity> {
    if (patch.state !== undefined) throw new AppError('CONFLICT', "An order's state follows its provisioning runs: it is not set by hand.", 'To cancel the order, POST cancelProductOrder.', { field: 'state' });
    const allowed = ['externalId', 'description', 'category', 'priority', 'requestedStartDate', 'note'];
    const unsupported = Object.keys(patch).filter((k) => !allowed.includes(k));
    if (unsupported.length) throw new AppError('VALIDATION_FAILED', `Only ${allowed.join(', ')} can be changed on an order, not ${unsupported.join(', ')}.`, 'Order again for other products.', { field: unsupported[0] });
    await this.get(h, id);
    await transaction(this.db, async (trx) => {
      const o = await trx.selectFrom('tmfProductOrders').select('request').where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
      await trx.updateTable('tmfProductOrders').set({ request: json({ ...o.request, ...patch }), updatedAt: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'tmf.product_order.update', entityType: 'tmf_product_order', entityId: id, after: patch });
    });
    return this.get(h, id);
  }

  /**
   * cancelProductOrder: cancels each of the order's runs that has not succeeded, the way the
   * console's Cancel does (its service cancelled, its inventory released, its external effects
   * undone). A run under way cannot be cancelled (409): cancel it once it has failed.
   */
  async cancel(ctx: Ctx, h: Hrefs, body: z.infer<typeof cancelProductOrderInput>): Promise<Entity> {
    const order = await this.get(h, body.productOrder.id);
    if (order.state === 'completed' || order.state === 'rejected') {
      throw new AppError('INVALID_TRANSITION', `The order is ${order.state}; it cannot be cancelled.`, order.state === 'completed' ? 'Terminate the service instead (POST /api/services/{id}/terminate).' : 'Nothing was started for it.');
    }
    const runs = (await this.runsOf(this.db, [body.productOrder.id])).flatMap((i) => (i.run ? [i.run] : []));
    const running = runs.find((r) => r.status === 'running');
    if (running) throw new AppError('INVALID_TRANSITION', 'A run of this order is under way: it cannot be cancelled now.', 'Cancel the order once its run has failed, or let it complete.');
    for (const r of runs) if (r.status !== 'succeeded' && r.status !== 'cancelled') await this.d.provisioning.cancelRun(ctx, r.id);
    const id = randomUUID();
    return {
      id,
      href: h.to('ordering', 'cancelProductOrder', id),
      state: 'done',
      cancellationReason: body.cancellationReason ?? '',
      requestedCancellationDate: body.requestedCancellationDate ?? new Date().toISOString(),
      effectiveCancellationDate: new Date().toISOString(),
      productOrder: { id: order.id, href: order.href, '@referredType': 'ProductOrder' },
      ...typed('ordering', 'CancelProductOrder'),
    };
  }
}

/** An order's ID made from its Idempotency-Key (a UUID of the key's SHA-256, version 4 layout). */
function orderIdOf(key: string): string {
  const hex = createHash('sha256').update(`tmf622:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** JSON with its keys sorted: the same request whatever the order of its keys. */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown => (Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])])) : x);
  return JSON.stringify(sort(v));
}
