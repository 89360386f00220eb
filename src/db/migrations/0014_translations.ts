import { sql, type Kysely } from 'kysely';

/**
 * Text in the reader's language (R13, issue 13): products and inventory templates carry their
 * names (and a product its description, features and terms) per language beside the default;
 * a run's task keeps its name rendered in each language its playbook gives.
 *   products.translations      {"fr": {"name": "...", "description": "...", "features": [...], "terms": "..."}}
 *   inventory_templates.names  {"fr": "Carte SIM"}
 *   provision_tasks.names      {"fr": "Attribution de la carte SIM (ICCID : 8944...)"}, null when the playbook gives none
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table products add column translations jsonb not null default '{}'::jsonb`.execute(db);
  await sql`alter table inventory_templates add column names jsonb not null default '{}'::jsonb`.execute(db);
  await sql`alter table provision_tasks add column names jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table provision_tasks drop column names`.execute(db);
  await sql`alter table inventory_templates drop column names`.execute(db);
  await sql`alter table products drop column translations`.execute(db);
}
