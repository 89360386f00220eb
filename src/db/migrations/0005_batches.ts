import { sql, type Kysely } from 'kysely';

/** Bulk assignment (R11): a batch from a CSV file, its rows, and the provisions they became. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
create table batches (
  id uuid primary key,
  name text not null,
  status text not null check (status in ('importing', 'running', 'paused', 'completed', 'cancelled')),
  params jsonb not null,
  concurrency integer not null check (concurrency between 1 and 500),
  total_rows integer not null,
  good_rows integer not null,
  bad_rows integer not null,
  -- which process feeds the batch's rows to its queue, until when (several processes may run)
  pump_owner text,
  pump_lease_until timestamptz,
  created_by uuid references users (id) on delete set null,
  created_by_label text not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index batches_recent_idx on batches (created_at desc);
create index batches_active_idx on batches (status) where status in ('importing', 'running', 'cancelled');

create table batch_rows (
  batch_id uuid not null references batches (id) on delete cascade,
  line integer not null,
  -- a started row's status is its provision's
  status text not null check (status in ('invalid', 'pending', 'started', 'failed', 'cancelled')),
  customer_ref text not null,
  customer_id integer references customers (id),
  input jsonb,
  errors jsonb not null default '[]',
  provision_id uuid references provisions (id),
  service_id integer references services (id),
  error text,
  updated_at timestamptz not null default now(),
  primary key (batch_id, line)
);
create index batch_rows_status_idx on batch_rows (batch_id, status, line);
create index batch_rows_provision_idx on batch_rows (provision_id) where provision_id is not null;

alter table provisions add column batch_id uuid references batches (id);
create index provisions_batch_idx on provisions (batch_id, status) where batch_id is not null;
`).execute(db);
}
