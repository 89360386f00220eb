import { sql, type Kysely } from 'kysely';

/**
 * The language a customer is written to in (R13, issue 13): their e-mails' subject and body come
 * in it when the playbook and the template give it; null is the operator's default (English).
 * A task's failure keeps, beside its English message, the keyed clauses it is made of
 * ({"text": {"key": "diagnostic.simUnknown", "params": {...}}, "hintText": {...}}), so that the
 * console says it in the reader's language (the checks of Test service).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers add column language text check (language in ('en', 'fr'))`.execute(db);
  await sql`alter table provision_tasks add column error_text jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table provision_tasks drop column error_text`.execute(db);
  await sql`alter table customers drop column language`.execute(db);
}
