import { sql, type Kysely } from 'kysely';

/**
 * Stock and termination (issue 13, points 15 and 16).
 *   inventory_items.quarantined_until   a number released by a terminated service is held back
 *                                       until then (NUMBER_QUARANTINE_DAYS): not available while
 *                                       it is in the future, available again after, with no job
 *   products.prorate_on_termination     credit the unused days of the current period (default)
 *   products.early_termination_fee      charged when a service ends inside its minimum term
 *                                       (contract_months from activation), minor units
 *   charges.kind 'credit'               a negative amount: what the customer is owed back
 *   charges.kind 'early_termination'
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table inventory_items add column quarantined_until timestamptz`.execute(db);
  await sql`create index inventory_items_quarantine_idx on inventory_items (template_id, quarantined_until) where quarantined_until is not null`.execute(db);
  await sql`alter table products add column prorate_on_termination boolean not null default true`.execute(db);
  await sql`alter table products add column early_termination_fee integer not null default 0 check (early_termination_fee >= 0)`.execute(db);
  await sql`alter table charges drop constraint charges_kind_check`.execute(db);
  await sql`alter table charges add constraint charges_kind_check check (kind in ('setup', 'recurring', 'addon_one_off', 'addon_recurring', 'one_off', 'credit', 'early_termination'))`.execute(db);
  await sql`alter table charges drop constraint charges_amount_check`.execute(db);
  await sql`alter table charges add constraint charges_amount_check check (amount >= 0 or kind = 'credit')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from charges where kind in ('credit', 'early_termination')`.execute(db);
  await sql`alter table charges drop constraint charges_amount_check`.execute(db);
  await sql`alter table charges add constraint charges_amount_check check (amount >= 0)`.execute(db);
  await sql`alter table charges drop constraint charges_kind_check`.execute(db);
  await sql`alter table charges add constraint charges_kind_check check (kind in ('setup', 'recurring', 'addon_one_off', 'addon_recurring', 'one_off'))`.execute(db);
  await sql`alter table products drop column early_termination_fee`.execute(db);
  await sql`alter table products drop column prorate_on_termination`.execute(db);
  await sql`drop index inventory_items_quarantine_idx`.execute(db);
  await sql`alter table inventory_items drop column quarantined_until`.execute(db);
}
