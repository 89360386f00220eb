import { sql } from 'kysely';
import type { Executor } from '../db/schema.js';
import { availableStatuses } from './inventory.lifecycle.js';

export interface StockLevel {
  template: string;
  /** Items that can be picked now: new or in stock, or held by a wizard whose hold ran out (R4.3). */
  available: number;
  /** Reserved now: held by a wizard or by a run. */
  reserved: number;
  /** Fewer available than this is low stock (the template's `low_stock_threshold`); null: never low. */
  threshold: number | null;
  low: boolean;
}

/**
 * Stock per inventory template now, for the operations page (issue 12): one statement, two index
 * range counts per template (`inventory_items (template_id, status, ...)`), never a scan of items.
 */
export async function stockLevels(db: Executor, now: string): Promise<StockLevel[]> {
  const { rows } = await sql<{ template: string; available: number; lapsed: number; reserved: number; threshold: number | null }>`
    select t.name as template, t.low_stock_threshold as threshold,
           (select count(*) from inventory_items i where i.template_id = t.id and i.status = any(${[...availableStatuses]}::text[]) and (i.quarantined_until is null or i.quarantined_until <= ${now}::timestamptz))::int as available,
           (select count(*) from inventory_items i where i.template_id = t.id and i.status = 'reserved' and i.provision_id is null and i.reservation_expires_at <= ${now}::timestamptz)::int as lapsed,
           (select count(*) from inventory_items i where i.template_id = t.id and i.status = 'reserved')::int as reserved
    from inventory_templates t
    order by t.name`.execute(db);
  return rows.map((r) => {
    const available = r.available + r.lapsed;
    return { template: r.template, available, reserved: r.reserved - r.lapsed, threshold: r.threshold, low: r.threshold !== null && available < r.threshold };
  });
}
