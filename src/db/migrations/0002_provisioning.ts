import { sql, type Kysely } from 'kysely';

/**
 * Provisioning: runs of playbooks and their tasks, the event log the progress view streams,
 * add-ons on services, installation tickets, the mail outbox, and the tables of the built-in
 * simulators (OCS accounts and balances, network elements, external HTTP calls).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
create table provisions (
  id uuid primary key,
  idempotency_key text not null unique,
  request_hash text not null,
  kind text not null check (kind in ('new_service', 'addon')),
  status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled')),
  customer_id integer not null references customers (id),
  product_id integer not null references products (id),
  service_id integer references services (id),
  playbook text not null,
  playbook_snapshot jsonb not null,
  variables jsonb not null,
  attempt integer not null default 1,
  timeout_seconds integer not null,
  deadline_at timestamptz,
  failed_task integer,
  error_code text,
  error text,
  error_hint text,
  requested_by uuid references users (id) on delete set null,
  requested_by_label text not null,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
create index provisions_recent_idx on provisions (created_at desc);
create index provisions_status_idx on provisions (status, created_at desc);
create index provisions_service_idx on provisions (service_id, created_at desc);
create index provisions_customer_idx on provisions (customer_id, created_at desc);

create table provision_tasks (
  provision_id uuid not null references provisions (id) on delete cascade,
  seq integer not null,
  name text not null,
  action text not null,
  status text not null check (status in ('pending', 'running', 'succeeded', 'failed', 'ignored', 'skipped', 'rolled_back')),
  attempts integer not null default 0,
  output jsonb,
  undo jsonb,
  log jsonb not null default '[]',
  error text,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (provision_id, seq)
);

create table provision_events (
  id bigint generated always as identity primary key,
  provision_id uuid not null references provisions (id) on delete cascade,
  occurred_at timestamptz not null default now(),
  attempt integer not null,
  task_seq integer,
  status text not null,
  message text
);
create index provision_events_feed_idx on provision_events (provision_id, id);

alter table inventory_items add constraint inventory_items_provision_fk foreign key (provision_id) references provisions (id);

create table service_addons (
  id integer generated always as identity primary key,
  service_id integer not null references services (id),
  product_id integer not null references products (id),
  provision_id uuid not null unique references provisions (id),
  billing text not null check (billing in ('recurring', 'one_off')),
  status text not null default 'active' check (status in ('active', 'removed')),
  created_at timestamptz not null default now()
);
create index service_addons_service_idx on service_addons (service_id);

create table tickets (
  id integer generated always as identity (start with 5000) primary key,
  idempotency_key text not null unique,
  service_id integer references services (id),
  customer_id integer references customers (id),
  queue text not null,
  subject text not null,
  due_date date,
  details jsonb not null default '{}',
  status text not null default 'open' check (status in ('open', 'scheduled', 'done', 'cancelled')),
  created_at timestamptz not null default now()
);
create index tickets_service_idx on tickets (service_id);

create table mail_outbox (
  id integer generated always as identity primary key,
  idempotency_key text not null unique,
  to_address text not null,
  subject text not null,
  body text not null,
  template text,
  customer_id integer references customers (id),
  service_id integer references services (id),
  transport text not null,
  status text not null check (status in ('queued', 'sent', 'failed')),
  error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index mail_outbox_customer_idx on mail_outbox (customer_id, id desc);

-- the built-in simulators ------------------------------------------------------------------------
create table simulator_settings (
  system text primary key,
  latency_ms integer not null default 0 check (latency_ms between 0 and 600000),
  failure text check (failure in ('unreachable', 'error', 'timeout')),
  updated_at timestamptz not null default now()
);

create table sim_ocs_accounts (
  account text primary key,
  plan text,
  status text not null default 'active',
  created_at timestamptz not null default now()
);

create table sim_ocs_balances (
  account text not null references sim_ocs_accounts (account) on delete cascade,
  balance_id text not null,
  type text not null,
  unit text not null,
  amount numeric not null,
  created_at timestamptz not null default now(),
  primary key (account, balance_id)
);

create table sim_network_elements (
  kind text not null,
  key text not null,
  data jsonb not null,
  created_at timestamptz not null default now(),
  primary key (kind, key)
);

-- Every call a simulator answered, so tests can count side effects.
create table sim_calls (
  id bigint generated always as identity primary key,
  system text not null,
  operation text not null,
  key text,
  outcome text not null,
  occurred_at timestamptz not null default now()
);
create index sim_calls_idx on sim_calls (system, operation);
`).execute(db);
}
