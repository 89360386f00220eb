import { type Kysely, type RawBuilder, sql } from 'kysely';
import type pg from 'pg';
import { startsWith, runPrepared } from '../db/prefix.js';
import { customerSearchUnion } from '../customers/customers.service.js';
import type { SearchHit } from '../customers/customers.schemas.js';
import type { DB } from '../db/schema.js';
import type { GlobalSearchResult, RunSearchHit, ServiceSearchHit } from './search.schemas.js';

/** An item's reference as its letters and digits, lower case: the expression migration 0015 indexes. */
const referenceKey = sql`lower(regexp_replace(i.reference, '[^0-9A-Za-z]', '', 'g'))`;

/** What a run's ID typed or pasted looks like: its start, at least 6 of its hex digits and dashes ("94482451" is one). */
const uuidStart = /^[0-9a-f-]{6,36}$/i;
const wholeUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The top bar's search (issue 13): customers by name, ID, e-mail or phone (the customer search,
 * R3.1), services by ID or by the number, ICCID or serial of the stock assigned to them, runs by
 * their provisioning ID. One statement: each kind is a UNION ALL of disjoint branches under its own
 * LIMIT, so a branch runs only while its kind's page is not full, and every branch is an index
 * range scan read in order. The cost stays flat with a million customers and services.
 */
export class SearchService {
  /** `pool`: the search runs as a prepared statement on it (planned once per connection). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly pool?: pg.Pool,
  ) {}

  async search(raw: string, limit = 5): Promise<GlobalSearchResult> {
    const q = raw.trim().replace(/\s+/g, ' ');
    const result: GlobalSearchResult = { customers: [], services: [], runs: [] };
    if (!q) return result;
    const parts: RawBuilder<unknown>[] = [];
    // A run's ID pasted whole names nothing else.
    const customers = wholeUuid.test(q) ? null : customerSearchUnion(q, limit);
    if (customers) {
      parts.push(sql`(select 'customer' as kind, rank, to_jsonb(c) as hit from (select * from (${customers}) u limit ${limit}) c)`);
    }
    const services = wholeUuid.test(q) ? null : serviceUnion(q, limit);
    if (services) {
      // The service, its customer's name and the template's names for the few found, after the LIMIT.
      parts.push(sql`(select 'service' as kind, x.rank, jsonb_build_object(
          'id', s.id, 'name', s.name, 'serviceType', s.service_type, 'status', s.status, 'customerId', s.customer_id,
          'customerName', (select name from customers where id = s.customer_id),
          'matchedOn', x.matched_on, 'reference', x.reference,
          'template', (select name from inventory_templates where id = x.template_id),
          'templateNames', (select names from inventory_templates where id = x.template_id)) as hit
        from (select * from (${services}) u limit ${limit}) x join services s on s.id = x.service_id)`);
    }
    if (uuidStart.test(q)) {
      const id = q.toLowerCase();
      const where = wholeUuid.test(id) ? sql`p.id = ${id}::uuid` : startsWith(sql`((p.id::text) collate "C")`, id);
      parts.push(sql`(select 'run' as kind, 0 as rank, jsonb_build_object(
          'id', p.id, 'kind', p.kind, 'status', p.status, 'productId', p.product_id,
          'productName', (select name from products where id = p.product_id),
          'customerId', p.customer_id, 'customerName', (select name from customers where id = p.customer_id),
          'serviceId', p.service_id, 'createdAt', p.created_at) as hit
        from (select * from provisions p where ${where} order by (p.id::text) collate "C" limit ${limit}) p)`);
    }
    type Row = { kind: 'customer' | 'service' | 'run'; rank: number; hit: Record<string, unknown> };
    const statement = sql<Row>`${sql.join(parts, sql` union all `)}`;
    const rows = this.pool ? await runPrepared<Row>(this.pool, statement.compile(this.db)) : (await statement.execute(this.db)).rows;
    for (const r of rows.sort((a, b) => a.rank - b.rank)) {
      const { rank: _rank, ...hit } = r.hit;
      if (r.kind === 'customer') result.customers.push(hit as unknown as SearchHit);
      else if (r.kind === 'service') result.services.push(hit as unknown as ServiceSearchHit);
      else result.runs.push({ ...(hit as unknown as RunSearchHit), createdAt: new Date(String(hit.createdAt)).toISOString() });
    }
    return result;
  }
}

/**
 * The branches of the service search: by its ID ("700", "#700"), by the start of an assigned
 * item's reference as letters and digits ("+44 7700 9001", "8944 1000", "zte-f6"), or by a
 * number's end (its last digits, or typed the national way: "07700 900123").
 */
function serviceUnion(q: string, limit: number): RawBuilder<unknown> | null {
  const branches: RawBuilder<unknown>[] = [];
  const idMatch = /^(?:#|id:?\s*)?([0-9]{1,9})$/i.exec(q);
  const id = idMatch ? Number(idMatch[1]) : null;
  if (id !== null && id <= 2_147_483_647) {
    branches.push(sql`(select id as service_id, null::text as reference, null::int as template_id, 'id'::text as matched_on, 0 as rank from services where id = ${id})`);
  }
  // Numbers, ICCIDs, serials and MAC addresses all carry digits; a name does not.
  const key = q.replace(/[^0-9A-Za-z]/g, '').toLowerCase();
  if (key.length < 3 || !/[0-9]/.test(key)) return branches.length ? sql.join(branches, sql` union all `) : null;
  // Assigned items only (the partial indexes of migration 0015), read in the index's order.
  const item = (rank: number, where: RawBuilder<boolean>, orderBy: RawBuilder<unknown>) =>
    sql`(select i.service_id, i.reference, i.template_id, 'reference'::text as matched_on, ${rank}::int as rank
      from inventory_items i where i.service_id is not null and ${where}${id !== null ? sql` and i.service_id <> ${id}` : sql``}
      order by ${orderBy} limit ${limit})`;
  const starts = startsWith(sql`(${referenceKey} collate "C")`, key);
  branches.push(item(1, starts, sql`${referenceKey} collate "C"`));
  const national = /^[+0-9 ().-]+$/.test(q) ? key.replace(/^0+/, '') : '';
  if (national.length >= 6) {
    const reversed = [...national].reverse().join('');
    branches.push(item(2, sql<boolean>`${startsWith(sql`(reverse(${referenceKey}) collate "C")`, reversed)} and not (${starts})`, sql`reverse(${referenceKey}) collate "C"`));
  }
  return sql.join(branches, sql` union all `);
}
