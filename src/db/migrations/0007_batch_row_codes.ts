import { sql, type Kysely } from 'kysely';

/** A row that could not start keeps its error's code beside the message, for a console in another language. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`alter table batch_rows add column error_code text;`).execute(db);
}
