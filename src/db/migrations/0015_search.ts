import { sql, type Kysely } from 'kysely';

/**
 * The console's global search (issue 13): services by the number, ICCID or serial of the stock
 * assigned to them, and runs by their provisioning ID, each an index range scan read in "C" order
 * so that LIKE 'abc%' with ORDER BY ... LIMIT stops after the rows it needs.
 *   - an item's reference as its letters and digits only ("+44 7700 900123" -> "447700900123"),
 *     forwards (what was typed from the start) and backwards (its last digits, or a number typed
 *     the national way, "07700 900123"), over assigned items only: the search finds services;
 *   - a run's ID as text, for a pasted prefix ("0193f2a1");
 *   - a customer's name from its second word on ("john smith" -> "smith"), so that a surname or
 *     "Consulting" is found by a range scan that stops at the page, not by a trigram scan that
 *     reads every match first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create index inventory_items_service_key_idx on inventory_items
  ((lower(regexp_replace(reference, '[^0-9A-Za-z]', '', 'g')) collate "C")) where service_id is not null;
create index inventory_items_service_key_rev_idx on inventory_items
  ((reverse(lower(regexp_replace(reference, '[^0-9A-Za-z]', '', 'g'))) collate "C")) where service_id is not null;
create index provisions_id_text_idx on provisions (((id::text) collate "C"));
create index customers_name_rest_idx on customers ((substr(lower(name), strpos(name, ' ') + 1) collate "C")) where strpos(name, ' ') > 0;
`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
drop index customers_name_rest_idx;
drop index provisions_id_text_idx;
drop index inventory_items_service_key_rev_idx;
drop index inventory_items_service_key_idx;
`.execute(db);
}
