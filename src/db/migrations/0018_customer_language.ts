import { sql, type Kysely } from 'kysely';

/**
 * The language a customer is written to in (R13, issue 13): their e-mails' subject and body come
 * in it when the playbook and the template give it; null is the operator's default (English).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers add column language text check (language in ('en', 'fr'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers drop column language`.execute(db);
}
