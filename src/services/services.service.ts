import { transaction } from '../db/transaction.js';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { CatalogService } from '../catalog/catalog.service.js';
import { type DB, type Executor, json } from '../db/schema.js';
import { type Clock, isoNow } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import { serviceLifecycle } from './services.lifecycle.js';
import type { Service, ServiceStatus } from './services.schemas.js';
import type { ServicesTable } from './services.tables.js';

type ServiceRow = Selectable<ServicesTable>;

export interface NewService {
  customerId: number;
  productId: number;
  serviceType: Service['serviceType'];
  siteId: number | null;
  billingContactId: number | null;
  technicalContactId: number | null;
  autoRenew: boolean;
  customFields: Record<string, string>;
}

export class ServicesService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly catalog: CatalogService,
    private readonly clock: Clock,
  ) {}

  /** Adds the product name to service rows, through the catalog (one query for the lot). */
  private async present(rows: ServiceRow[], db: Executor = this.db): Promise<Service[]> {
    const names = await this.catalog.names([...new Set(rows.map((r) => r.productId))], db);
    return rows.map((r) => ({ ...r, productName: names.get(r.productId) ?? `Product ${r.productId}` }));
  }

  async get(id: number, db: Executor = this.db): Promise<Service> {
    const row = await db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Service', id);
    return (await this.present([row], db))[0]!;
  }

  /** Many services at once (the add-ons of many assignments). */
  async getMany(ids: number[], db: Executor = this.db): Promise<Map<number, Service>> {
    const wanted = [...new Set(ids)];
    if (!wanted.length) return new Map();
    const rows = await db.selectFrom('services').selectAll().where('id', 'in', wanted).execute();
    return new Map((await this.present(rows, db)).map((s) => [s.id, s]));
  }

  /** A customer's services, newest first; by service type for add-ons (R9.1). */
  async forCustomer(customerId: number, filter: { serviceType?: Service['serviceType'] | undefined; status?: ServiceStatus | undefined } = {}) {
    let q = this.db.selectFrom('services').selectAll().where('customerId', '=', customerId);
    if (filter.serviceType) q = q.where('serviceType', '=', filter.serviceType);
    if (filter.status) q = q.where('status', '=', filter.status);
    return this.present(await q.orderBy('id', 'desc').execute());
  }

  async list(filter: { status?: ServiceStatus | undefined; limit: number; offset: number }) {
    let q = this.db.selectFrom('services').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    return this.present(await q.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute());
  }

  /**
   * The record of a service being provisioned, in the caller's transaction. Its OCS account is
   * named after its ID; its name is set when it is known (the playbook renders it).
   */
  async createProvisioning(trx: Executor, s: NewService): Promise<{ id: number; ocsAccount: string }> {
    const row = await trx
      .insertInto('services')
      .values({ ...s, customFields: json(s.customFields), name: 'New service', status: 'provisioning', contractEnd: null, ocsAccount: null, activatedAt: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ocsAccount = `SB${String(row.id).padStart(8, '0')}`;
    await trx.updateTable('services').set({ ocsAccount }).where('id', '=', row.id).execute();
    return { id: row.id, ocsAccount };
  }

  /**
   * The records of many services being provisioned, in the caller's transaction, with the IDs
   * drawn for them beforehand (so their runs' variables and names were complete first): one statement.
   */
  async createMany(trx: Executor, rows: (NewService & { id: number; name: string; ocsAccount: string })[]): Promise<void> {
    if (!rows.length) return;
    const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
    await sql`
      insert into services (id, customer_id, product_id, service_type, site_id, billing_contact_id, technical_contact_id, auto_renew, custom_fields, name, status, ocs_account)
      overriding system value
      select r.id, r.customer_id, r.product_id, r.service_type, r.site_id, r.billing_contact_id, r.technical_contact_id, r.auto_renew, r.custom_fields, r.name, 'provisioning', r.ocs_account
      from unnest(${col((r) => r.id)}::int[], ${col((r) => r.customerId)}::int[], ${col((r) => r.productId)}::int[], ${col((r) => r.serviceType)}::text[],
                  ${col((r) => r.siteId)}::int[], ${col((r) => r.billingContactId)}::int[], ${col((r) => r.technicalContactId)}::int[], ${col((r) => r.autoRenew)}::bool[],
                  ${col((r) => json(r.customFields))}::jsonb[], ${col((r) => r.name)}::text[], ${col((r) => r.ocsAccount)}::text[])
        as r(id, customer_id, product_id, service_type, site_id, billing_contact_id, technical_contact_id, auto_renew, custom_fields, name, ocs_account)`.execute(trx);
  }

  async rename(trx: Executor, id: number, name: string): Promise<void> {
    await trx.updateTable('services').set({ name }).where('id', '=', id).execute();
  }

  /**
   * Moves a service to another status through its lifecycle table; a move the table forbids is a
   * 409 saying why. Moving to the status it already has changes nothing (a repeated step).
   */
  async transition(
    db: Executor,
    id: number,
    to: ServiceStatus,
    extra: Partial<Pick<ServicesTable, 'activatedAt' | 'contractEnd' | 'name' | 'statusReason' | 'endedAt' | 'currentPeriodStart' | 'currentPeriodEnd'>> = {},
  ): Promise<Service> {
    const current = await db.selectFrom('services').select(['status']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw notFound('Service', id);
    if (current.status !== to) serviceLifecycle.assert(current.status, to);
    await db
      .updateTable('services')
      .set({ status: to, updatedAt: isoNow(this.clock), ...(extra as object) })
      .where('id', '=', id)
      .execute();
    return this.get(id, db);
  }

  /**
   * Moves many services to `to` at once where their lifecycle allows it from where they are (a
   * group's runs failing, retried, cancelled); the others are left as they are. Returns the moved.
   */
  async moveMany(db: Executor, ids: number[], to: ServiceStatus): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .updateTable('services')
      .set({ status: to, updatedAt: isoNow(this.clock) })
      .where('id', 'in', ids)
      .where('status', 'in', serviceLifecycle.sourcesOf(to))
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Many new services become active at once (a group's runs), each named, with its contract end
   * (R8.1): one statement. A service already active is left as it is (a repeat); one that cannot
   * become active is said so.
   */
  async activateMany(rows: { id: number; name: string; contractMonths: number }[]): Promise<Map<number, Pick<ServiceRow, 'id' | 'name' | 'status' | 'contractEnd'> | AppError>> {
    const out = new Map<number, Pick<ServiceRow, 'id' | 'name' | 'status' | 'contractEnd'> | AppError>();
    if (!rows.length) return out;
    const now = this.clock.now();
    const { rows: moved } = await sql<Pick<ServiceRow, 'id' | 'name' | 'status' | 'contractEnd'>>`
      update services s set status = 'active', name = r.name, activated_at = ${now.toISOString()}, contract_end = r.contract_end::date, updated_at = ${isoNow(this.clock)}
      from unnest(${rows.map((r) => r.id)}::int[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => (r.contractMonths > 0 ? addMonths(now, r.contractMonths) : null))}::text[]) as r(id, name, contract_end)
      where s.id = r.id and s.status = any(${serviceLifecycle.sourcesOf('active')}::text[])
      returning s.id, s.name, s.status, s.contract_end`.execute(this.db);
    const after = new Map(moved.map((m) => [m.id, m]));
    const others = rows.filter((r) => !after.has(r.id)).map((r) => r.id);
    if (others.length) for (const s of await this.db.selectFrom('services').select(['id', 'name', 'status', 'contractEnd']).where('id', 'in', others).execute()) after.set(s.id, s);
    for (const r of rows) {
      const s = after.get(r.id);
      if (!s) out.set(r.id, notFound('Service', r.id));
      else if (s.status !== 'active') out.set(r.id, new AppError('INVALID_TRANSITION', `Service ${s.id} is ${s.status}; it cannot become active.`, 'Look at the service page.'));
      else out.set(r.id, s);
    }
    return out;
  }

  /** The playbook's last word on a new service: active, named, with its contract end (R8.1). */
  async activate(id: number, name: string): Promise<Service> {
    return transaction(this.db, async (trx) => {
      const service = await this.get(id, trx);
      if (service.status === 'active') return service;
      const product = await this.catalog.get(service.productId, trx);
      const now = this.clock.now();
      const contractEnd = product.contractMonths > 0 ? addMonths(now, product.contractMonths) : null;
      return this.transition(trx, id, 'active', { name, activatedAt: now.toISOString(), contractEnd });
    });
  }

  /**
   * The status change a lifecycle playbook ends with (suspend, unsuspend, expire, renew,
   * terminate), through the lifecycle table. Coming back from expired starts a new period (and a
   * new contract term). `alongside` runs in the same transaction when the status moves (what
   * belongs with it: termination's final bill), not when it had moved already. Repeating it
   * changes nothing.
   */
  async changeStatus(id: number, to: 'active' | 'suspended' | 'expired' | 'terminated', reason: string | null, alongside?: (trx: Executor, before: Service) => Promise<void>): Promise<Service> {
    return transaction(this.db, async (trx) => {
      const s = await this.get(id, trx);
      if (s.status === to) return s;
      const now = this.clock.now();
      const extra: Record<string, unknown> = { statusReason: to === 'active' ? null : reason };
      if (to === 'expired' || to === 'terminated') extra.endedAt = now.toISOString();
      if (to === 'active' && s.status === 'expired') {
        const product = await this.catalog.get(s.productId, trx);
        const today = now.toISOString().slice(0, 10);
        Object.assign(extra, {
          endedAt: null,
          currentPeriodStart: today,
          currentPeriodEnd: addMonths(now, 1),
          contractEnd: product.contractMonths > 0 ? addMonths(now, product.contractMonths) : null,
        });
      }
      const moved = await this.transition(trx, id, to, extra as Parameters<ServicesService['transition']>[3]);
      if (alongside) await alongside(trx, s);
      return moved;
    });
  }

  /** Auto-renew on or off (R5.1), audited. */
  async setAutoRenew(ctx: Ctx, id: number, autoRenew: boolean): Promise<Service> {
    return transaction(this.db, async (trx) => {
      const before = await this.get(id, trx);
      if (before.status === 'terminated' || before.status === 'cancelled') {
        throw new AppError('INVALID_TRANSITION', `${before.name} is ${before.status}; its auto-renew cannot change.`, 'Only a live service renews: assign the product again for a new one.');
      }
      await trx.updateTable('services').set({ autoRenew, updatedAt: isoNow(this.clock) }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'service.auto_renew', entityType: 'service', entityId: id, before: { autoRenew: before.autoRenew }, after: { autoRenew } });
      return this.get(id, trx);
    });
  }

  /** Records an add-on on a service, once per provision (R9.2). */
  async addAddon(input: { serviceId: number; productId: number; provisionId: string; billing: 'recurring' | 'one_off' }) {
    await this.db.insertInto('serviceAddons').values(input).onConflict((oc) => oc.column('provisionId').doNothing()).execute();
    return this.db.selectFrom('serviceAddons').selectAll().where('provisionId', '=', input.provisionId).executeTakeFirstOrThrow();
  }

  /** The add-ons of many services at once (the TMF inventories, issue 14), oldest first. */
  async addonsOf(serviceIds: number[]) {
    if (!serviceIds.length) return [];
    return this.db.selectFrom('serviceAddons').selectAll().where('serviceId', 'in', [...new Set(serviceIds)]).orderBy('id').execute();
  }

  /** The service an add-on is on, or null. */
  async serviceOfAddon(addonId: number): Promise<number | null> {
    const row = await this.db.selectFrom('serviceAddons').select('serviceId').where('id', '=', addonId).executeTakeFirst();
    return row?.serviceId ?? null;
  }

  /** Every service, oldest first, or the ones asked for (the TMF inventories, issue 14). */
  async all(ids?: number[]) {
    let q = this.db.selectFrom('services').selectAll().orderBy('id');
    if (ids) q = q.where('id', 'in', ids.length ? ids : [0]);
    return q.execute();
  }

  async addons(serviceId: number) {
    const rows = await this.db.selectFrom('serviceAddons').selectAll().where('serviceId', '=', serviceId).orderBy('id').execute();
    const names = await this.catalog.names([...new Set(rows.map((r) => r.productId))]);
    return rows.map((r) => ({ ...r, productName: names.get(r.productId) ?? `Product ${r.productId}` }));
  }
}

/** The same day `months` later (the last day of the month when that day does not exist), as YYYY-MM-DD. */
export function addMonths(from: Date, months: number): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return d.toISOString().slice(0, 10);
}
