import type { Kysely, Selectable } from 'kysely';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { DB, Executor } from '../db/schema.js';
import { notFound } from '../shared/errors.js';
import type { Service, ServiceStatus } from './services.schemas.js';
import type { ServicesTable } from './services.tables.js';

type ServiceRow = Selectable<ServicesTable>;

export class ServicesService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly catalog: CatalogService,
  ) {}

  /** Adds the product name to service rows, through the catalog (one query for the lot). */
  private async present(rows: ServiceRow[]): Promise<Service[]> {
    const names = await this.catalog.names([...new Set(rows.map((r) => r.productId))]);
    return rows.map((r) => ({ ...r, productName: names.get(r.productId) ?? `Product ${r.productId}` }));
  }

  async get(id: number, db: Executor = this.db): Promise<Service> {
    const row = await db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Service', id);
    return (await this.present([row]))[0]!;
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
}
