import { sql, type Kysely } from 'kysely';

/**
 * A message being sent is claimed for a while (`sending` until `claimed_until`), so that a task
 * repeated while the first attempt is still talking to the mail server does not send it twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
alter table mail_outbox drop constraint mail_outbox_status_check;
alter table mail_outbox add constraint mail_outbox_status_check check (status in ('queued', 'sending', 'sent', 'failed'));
alter table mail_outbox add column claimed_until timestamptz;
`).execute(db);
}
