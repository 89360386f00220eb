import { transaction } from '../db/transaction.js';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type pg from 'pg';
import { escapeLike } from '../catalog/catalog.service.js';
import { runPrepared, startsWith } from '../db/prefix.js';
import type { DB, Executor } from '../db/schema.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { Contact, Customer, CustomerInput, CustomerUpdate, PaymentMethod, SearchHit, Site } from './customers.schemas.js';

type Match = SearchHit['matchedOn'];

/**
 * The branches of the customer search for what was typed, as one UNION ALL (columns: id, type,
 * name, status, email, phone, "matchedOn", rank), or null when nothing was typed. Put it under a
 * LIMIT: the branches are disjoint and in rank order. The global search builds on it.
 */
export function customerSearchUnion(raw: string, limit: number, type?: Customer['type']): RawBuilder<unknown> | null {
  const q = raw.trim().replace(/\s+/g, ' ');
  if (!q) return null;
  const branches: RawBuilder<unknown>[] = [];
  const branch = (matchedOn: Match, where: RawBuilder<boolean>, orderBy?: RawBuilder<unknown>) => {
    const rank = branches.length;
    branches.push(sql`(select id, type, name, status, email, phone, ${matchedOn}::text as "matchedOn", ${rank}::int as rank
      from customers where ${where}${type ? sql` and type = ${type}` : sql``}${orderBy ? sql` order by ${orderBy}` : sql``} limit ${limit})`);
  };
  const lower = q.toLowerCase();
  const nameStarts = startsWith(sql`lower(name) collate "C"`, lower);
  const emailStarts = startsWith(sql`lower(email) collate "C"`, lower);

  const idMatch = /^(?:#|id:?\s*)?([0-9]{1,9})$/i.exec(q);
  const id = idMatch ? Number(idMatch[1]) : null;
  if (id !== null) branch('id', sql<boolean>`id = ${id}`);
  const notId = id === null ? sql<boolean>`true` : sql<boolean>`id <> ${id}`;

  const digits = q.replace(/[^0-9]/g, '');
  if (/^[+0-9 ().-]+$/.test(q) && digits.length >= 3) {
    // As typed with its country code ("+44 7700 900123")...
    const typedStart = startsWith(sql`phone_digits collate "C"`, digits);
    branch('phone', sql<boolean>`${typedStart} and ${notId}`, sql`phone_digits collate "C"`);
    // ...or the national way ("07700 900123"), or its last digits: match the end of the number.
    const national = digits.replace(/^0+/, '');
    if (national.length >= 6) {
      const reversed = [...national].reverse().join('');
      branch('phone', sql<boolean>`${startsWith(sql`phone_digits_rev collate "C"`, reversed)} and not (${typedStart}) and ${notId}`, sql`phone_digits_rev collate "C"`);
    }
  } else if (q.includes('@') || (/[._]/.test(q) && !q.includes(' '))) {
    // "john.smith@exa", or "john.smith" (no space, a dot): the start of an e-mail address.
    branch('email', sql<boolean>`${emailStarts} and ${notId}`, sql`lower(email) collate "C"`);
  } else {
    branch('name', sql<boolean>`${nameStarts} and ${notId}`, sql`lower(name) collate "C"`);
    // From the second word on: a surname, "Consulting". Read in order, it stops at the page.
    const rest = sql`substr(lower(name), strpos(name, ' ') + 1) collate "C"`;
    const restStarts = sql<boolean>`strpos(name, ' ') > 0 and ${startsWith(rest, lower)}`;
    branch('name', sql<boolean>`${restStarts} and not (${nameStarts}) and ${notId}`, rest);
    // Anywhere in the name (a trigram scan, which reads every match): only while the page is not
    // full, and not for what looks like a code (digits in one word: a run's ID, a reference).
    if (lower.length >= 3) {
      const contains = /[0-9]/.test(lower) && !lower.includes(' ') ? null : sql<boolean>`lower(name) like ${`%${escapeLike(lower)}%`}`;
      if (contains) branch('name', sql<boolean>`${contains} and not (${nameStarts}) and not (${restStarts}) and ${notId}`);
      const notName = contains ?? sql<boolean>`(${nameStarts}) or (${restStarts})`;
      branch('email', sql<boolean>`${emailStarts} and not (${notName}) and ${notId}`, sql`lower(email) collate "C"`);
    }
  }
  return sql.join(branches, sql` union all `);
}

export class CustomersService {
  /** `pool`: the searches run as prepared statements on it (planned once per connection). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly pool?: pg.Pool,
  ) {}

  async get(id: number, db: Executor = this.db): Promise<Customer> {
    const row = await db
      .selectFrom('customers')
      .select(['id', 'type', 'name', 'status', 'email', 'phone', 'paymentType', 'companyNumber', 'paymentCustomerRef', 'language', 'createdAt', 'updatedAt'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Customer', id, 'Search for the customer by name, e-mail or phone; create the customer if they are new.');
    return row;
  }

  /** Customer names by ID, for other domains that show them (a batch's rows). */
  async names(ids: number[]): Promise<Map<number, string>> {
    const wanted = [...new Set(ids)].filter((id) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647);
    if (!wanted.length) return new Map();
    const rows = await this.db.selectFrom('customers').select(['id', 'name']).where('id', 'in', wanted).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /**
   * Many customers with their contacts, sites and payment methods (the checks of many
   * assignments): one statement, the lists aggregated as JSON beside each customer.
   */
  async detailMany(ids: number[]): Promise<Map<number, Awaited<ReturnType<CustomersService['detail']>>>> {
    const wanted = [...new Set(ids)].filter((id) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647);
    if (!wanted.length) return new Map();
    const iso = (v: string) => new Date(v).toISOString();
    const { rows } = await sql<Customer & { contacts: Record<string, unknown>[]; sites: Record<string, unknown>[]; paymentMethods: Record<string, unknown>[] }>`
      select c.id, c.type, c.name, c.status, c.email, c.phone, c.payment_type, c.company_number, c.payment_customer_ref, c.language, c.created_at, c.updated_at,
        coalesce((select json_agg(json_build_object('id', x.id, 'customerId', x.customer_id, 'role', x.role, 'name', x.name, 'email', x.email, 'phone', x.phone, 'createdAt', x.created_at) order by x.id)
                  from contacts x where x.customer_id = c.id), '[]') as contacts,
        coalesce((select json_agg(json_build_object('id', s.id, 'customerId', s.customer_id, 'name', s.name, 'addressLine1', s.address_line1, 'addressLine2', s.address_line2,
                                                    'city', s.city, 'postcode', s.postcode, 'country', s.country, 'createdAt', s.created_at) order by s.id)
                  from sites s where s.customer_id = c.id), '[]') as sites,
        coalesce((select json_agg(json_build_object('id', m.id, 'customerId', m.customer_id, 'brand', m.brand, 'last4', m.last4, 'expMonth', m.exp_month, 'expYear', m.exp_year,
                                                    'holderName', m.holder_name, 'gatewayRef', m.gateway_ref, 'isDefault', m.is_default, 'createdAt', m.created_at) order by m.is_default desc, m.id)
                  from payment_methods m where m.customer_id = c.id), '[]') as payment_methods
      from customers c where c.id = any(${wanted}::int[])`.execute(this.db);
    return new Map(
      rows.map((c) => [
        c.id,
        {
          ...c,
          contacts: c.contacts.map((x) => ({ ...x, createdAt: iso(x.createdAt as string) })) as unknown as Contact[],
          sites: c.sites.map((x) => ({ ...x, createdAt: iso(x.createdAt as string) })) as unknown as Site[],
          paymentMethods: c.paymentMethods.map((x) => ({ ...x, createdAt: iso(x.createdAt as string) })) as unknown as PaymentMethod[],
        },
      ]),
    );
  }

  /** Many customers' names and statuses at once (a group's runs). */
  async statuses(db: Executor | undefined, ids: number[]): Promise<Map<number, { id: number; name: string; status: Customer['status'] }>> {
    if (!ids.length) return new Map();
    const rows = await (db ?? this.db).selectFrom('customers').select(['id', 'name', 'status']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  async detail(id: number) {
    const customer = await this.get(id);
    const [contacts, sites, paymentMethods] = await Promise.all([
      this.db.selectFrom('contacts').selectAll().where('customerId', '=', id).orderBy('id').execute(),
      this.db.selectFrom('sites').selectAll().where('customerId', '=', id).orderBy('id').execute(),
      this.db.selectFrom('paymentMethods').selectAll().where('customerId', '=', id).orderBy('isDefault', 'desc').orderBy('id').execute(),
    ]);
    return { ...customer, contacts, sites, paymentMethods };
  }

  async list(q: { type?: Customer['type'] | undefined; status?: Customer['status'] | undefined; limit: number; offset: number }) {
    let query = this.db.selectFrom('customers').select(['id', 'type', 'name', 'status', 'email', 'phone', 'paymentType', 'companyNumber', 'paymentCustomerRef', 'language', 'createdAt', 'updatedAt']);
    if (q.type) query = query.where('type', '=', q.type);
    if (q.status) query = query.where('status', '=', q.status);
    return query.orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
  }

  /**
   * Type-ahead search (R3.1) by customer ID, phone, e-mail or name, in one statement: the kinds of
   * match are the branches of a UNION ALL under one LIMIT, tried in rank order, each excluding what
   * an earlier one finds, so a later branch runs only when the earlier ones did not fill the page
   * (PostgreSQL's Append pulls its branches in turn and the LIMIT stops pulling). Prefix matches are
   * btree range scans read in index order ("C" collation, so ORDER BY ... LIMIT stops after `limit`
   * rows), a phone number's end is a prefix scan of its reversed digits, a name containing the
   * words is a trigram index scan. The cost stays flat as the customer base grows.
   */
  async search(raw: string, limit = 10, type?: Customer['type']): Promise<SearchHit[]> {
    const union = customerSearchUnion(raw, limit, type);
    if (!union) return [];
    const statement = sql<SearchHit & { rank: number }>`select * from (${union}) hits limit ${limit}`;
    const rows = this.pool ? await runPrepared<SearchHit & { rank: number }>(this.pool, statement.compile(this.db)) : (await statement.execute(this.db)).rows;
    return rows.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...hit }) => hit);
  }

  async create(ctx: Ctx, input: CustomerInput): Promise<Customer> {
    return transaction(this.db, async (trx) => {
      const row = await trx
        .insertInto('customers')
        .values({
          type: input.type,
          name: input.name,
          status: input.status,
          email: input.email ?? null,
          phone: input.phone ?? null,
          paymentType: input.paymentType,
          companyNumber: input.companyNumber ?? null,
          paymentCustomerRef: input.paymentCustomerRef ?? null,
          language: input.language ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const after = await this.get(row.id, trx);
      await recordAudit(trx, ctx, { action: 'customer.create', entityType: 'customer', entityId: row.id, after });
      return after;
    });
  }

  async update(ctx: Ctx, id: number, patch: CustomerUpdate): Promise<Customer> {
    return transaction(this.db, async (trx) => {
      await trx.selectFrom('customers').select('id').where('id', '=', id).forUpdate().execute();
      const before = await this.get(id, trx);
      await trx
        .updateTable('customers')
        .set({
          ...(patch.type !== undefined && { type: patch.type }),
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.email !== undefined && { email: patch.email }),
          ...(patch.phone !== undefined && { phone: patch.phone }),
          ...(patch.paymentType !== undefined && { paymentType: patch.paymentType }),
          ...(patch.companyNumber !== undefined && { companyNumber: patch.companyNumber }),
          ...(patch.paymentCustomerRef !== undefined && { paymentCustomerRef: patch.paymentCustomerRef }),
          ...(patch.language !== undefined && { language: patch.language }),
          updatedAt: new Date().toISOString(),
        })
        .where('id', '=', id)
        .execute();
      const after = await this.get(id, trx);
      await recordAudit(trx, ctx, { action: 'customer.update', entityType: 'customer', entityId: id, before, after });
      return after;
    });
  }

  async addContact(ctx: Ctx, customerId: number, input: { role: 'billing' | 'technical' | 'other'; name: string; email?: string | null | undefined; phone?: string | null | undefined }) {
    return transaction(this.db, async (trx) => {
      await this.get(customerId, trx);
      const row = await trx
        .insertInto('contacts')
        .values({ customerId, role: input.role, name: input.name, email: input.email ?? null, phone: input.phone ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'contact.create', entityType: 'customer', entityId: customerId, after: row });
      return row;
    });
  }

  async removeContact(ctx: Ctx, customerId: number, contactId: number) {
    await transaction(this.db, async (trx) => {
      const row = await trx.selectFrom('contacts').selectAll().where('id', '=', contactId).where('customerId', '=', customerId).executeTakeFirst();
      if (!row) throw notFound('Contact', contactId);
      await stillUsed(
        trx.deleteFrom('contacts').where('id', '=', contactId).execute(),
        new AppError('CONFLICT', 'This contact is named on one of the customer\'s services.', 'Name another contact on that service first.'),
      );
      await recordAudit(trx, ctx, { action: 'contact.delete', entityType: 'customer', entityId: customerId, before: row });
    });
  }

  async addSite(ctx: Ctx, customerId: number, input: { name: string; addressLine1: string; addressLine2?: string | null | undefined; city: string; postcode: string; country: string }) {
    return transaction(this.db, async (trx) => {
      await this.get(customerId, trx);
      const row = await trx
        .insertInto('sites')
        .values({ customerId, ...input, addressLine2: input.addressLine2 ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'site.create', entityType: 'customer', entityId: customerId, after: row });
      return row;
    });
  }

  async removeSite(ctx: Ctx, customerId: number, siteId: number) {
    await transaction(this.db, async (trx) => {
      const row = await trx.selectFrom('sites').selectAll().where('id', '=', siteId).where('customerId', '=', customerId).executeTakeFirst();
      if (!row) throw notFound('Site', siteId);
      await stillUsed(
        trx.deleteFrom('sites').where('id', '=', siteId).execute(),
        new AppError('CONFLICT', 'A service of this customer is installed at this site.', 'Terminate or move that service first.'),
      );
      await recordAudit(trx, ctx, { action: 'site.delete', entityType: 'customer', entityId: customerId, before: row });
    });
  }

  async addPaymentMethod(
    ctx: Ctx,
    customerId: number,
    input: { brand: string; last4: string; expMonth: number; expYear: number; holderName?: string | null | undefined; gatewayRef?: string | null | undefined; isDefault: boolean },
    now = new Date(),
  ): Promise<PaymentMethod> {
    if (input.expYear < now.getUTCFullYear() || (input.expYear === now.getUTCFullYear() && input.expMonth < now.getUTCMonth() + 1)) {
      throw new AppError('VALIDATION_FAILED', `expYear: the card expired in ${input.expMonth}/${input.expYear}.`, 'Ask the customer for a card that is still valid.', { field: 'expYear' });
    }
    return transaction(this.db, async (trx) => {
      await trx.selectFrom('customers').select('id').where('id', '=', customerId).forUpdate().execute();
      await this.get(customerId, trx);
      const hasDefault = await trx.selectFrom('paymentMethods').select('id').where('customerId', '=', customerId).where('isDefault', '=', true).executeTakeFirst();
      const makeDefault = input.isDefault || !hasDefault;
      if (makeDefault && hasDefault) await trx.updateTable('paymentMethods').set({ isDefault: false }).where('id', '=', hasDefault.id).execute();
      const row = await trx
        .insertInto('paymentMethods')
        .values({ customerId, ...input, holderName: input.holderName ?? null, gatewayRef: input.gatewayRef ?? null, isDefault: makeDefault })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'payment_method.create', entityType: 'customer', entityId: customerId, after: row });
      return row;
    });
  }

  async setDefaultPaymentMethod(ctx: Ctx, customerId: number, paymentMethodId: number): Promise<PaymentMethod> {
    return transaction(this.db, async (trx) => {
      await trx.selectFrom('customers').select('id').where('id', '=', customerId).forUpdate().execute();
      const pm = await trx.selectFrom('paymentMethods').selectAll().where('id', '=', paymentMethodId).where('customerId', '=', customerId).executeTakeFirst();
      if (!pm) throw notFound('Payment method', paymentMethodId);
      await trx.updateTable('paymentMethods').set({ isDefault: false }).where('customerId', '=', customerId).where('isDefault', '=', true).execute();
      const row = await trx.updateTable('paymentMethods').set({ isDefault: true }).where('id', '=', paymentMethodId).returningAll().executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'payment_method.set_default', entityType: 'customer', entityId: customerId, after: { paymentMethodId } });
      return row;
    });
  }

  async removePaymentMethod(ctx: Ctx, customerId: number, paymentMethodId: number): Promise<void> {
    await transaction(this.db, async (trx) => {
      const pm = await trx.selectFrom('paymentMethods').selectAll().where('id', '=', paymentMethodId).where('customerId', '=', customerId).executeTakeFirst();
      if (!pm) throw notFound('Payment method', paymentMethodId);
      await trx.deleteFrom('paymentMethods').where('id', '=', paymentMethodId).execute();
      await recordAudit(trx, ctx, { action: 'payment_method.delete', entityType: 'customer', entityId: customerId, before: pm });
    });
  }

  /**
   * Finds many customers at once by ID, e-mail or phone digits (bulk assignment, R11): one query
   * per kind. Each reference maps to the customers it matches (none, one, or several).
   */
  async resolveMany(refs: { ids: number[]; emails: string[]; phones: string[] }) {
    const cols = ['id', 'type', 'name', 'status', 'email', 'phoneDigits'] as const;
    const [byId, byEmail, byPhone] = await Promise.all([
      refs.ids.length ? this.db.selectFrom('customers').select(cols).where('id', 'in', refs.ids).execute() : [],
      refs.emails.length ? this.db.selectFrom('customers').select(cols).where((eb) => eb(eb.fn('lower', ['email']), 'in', refs.emails)).execute() : [],
      refs.phones.length ? this.db.selectFrom('customers').select(cols).where('phoneDigits', 'in', refs.phones).execute() : [],
    ]);
    return { byId, byEmail, byPhone };
  }

  /** Default payment methods, sites and contacts of many customers, for bulk checks. */
  async accountsOf(customerIds: number[]) {
    if (customerIds.length === 0) return { paymentMethods: [], sites: [], contacts: [] };
    const [paymentMethods, sites, contacts] = await Promise.all([
      this.db.selectFrom('paymentMethods').selectAll().where('customerId', 'in', customerIds).where('isDefault', '=', true).execute(),
      this.db.selectFrom('sites').selectAll().where('customerId', 'in', customerIds).orderBy('id').execute(),
      this.db.selectFrom('contacts').selectAll().where('customerId', 'in', customerIds).orderBy('id').execute(),
    ]);
    return { paymentMethods, sites, contacts };
  }

  /** The default payment method, or null: what a charged product needs (R6.3). */
  async defaultPaymentMethod(customerId: number, db: Executor = this.db): Promise<PaymentMethod | null> {
    return (await db.selectFrom('paymentMethods').selectAll().where('customerId', '=', customerId).where('isDefault', '=', true).executeTakeFirst()) ?? null;
  }
}

/** A delete refused by a foreign key (a service still refers to the row) becomes a clear 409. */
async function stillUsed<T>(work: Promise<T>, error: AppError): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if ((e as { code?: string }).code === '23503') throw error;
    throw e;
  }
}
