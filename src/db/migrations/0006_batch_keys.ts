import { sql, type Kysely } from 'kysely';

/** A commit sent twice (a retried request) gives back the same batch; the report it was given stays with it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
alter table batches add column idempotency_key text;
alter table batches add column report jsonb;
create unique index batches_idempotency_key on batches (idempotency_key) where idempotency_key is not null;
`).execute(db);
}
