import { sql, type Kysely } from 'kysely';

/**
 * Billing and the rest of a service's life: billing periods on services, charges and payment
 * attempts (dunning), the test gateway's own record, lifecycle runs (suspend, terminate...) as
 * provisions of kind 'lifecycle', and a test clock that every process can share.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
alter table customers add column payment_customer_ref text;

alter table services add column current_period_start date;
alter table services add column current_period_end date;
alter table services add column status_reason text;
alter table services add column ended_at timestamptz;
create index services_renewal_idx on services (current_period_end) where status = 'active';

alter table provisions drop constraint provisions_kind_check;
alter table provisions add constraint provisions_kind_check check (kind in ('new_service', 'addon', 'lifecycle'));

create table charges (
  id integer generated always as identity (start with 10000) primary key,
  idempotency_key text not null unique,
  customer_id integer not null references customers (id),
  service_id integer references services (id),
  product_id integer references products (id),
  kind text not null check (kind in ('setup', 'recurring', 'addon_one_off', 'addon_recurring', 'one_off')),
  description text not null,
  amount integer not null check (amount >= 0),
  currency char(3) not null,
  period_start date,
  period_end date,
  status text not null check (status in ('pending', 'paid', 'failed', 'void')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  paid_at timestamptz
);
create index charges_customer_idx on charges (customer_id, created_at desc);
create index charges_service_idx on charges (service_id, created_at desc);
create index charges_retry_idx on charges (next_attempt_at) where status = 'failed' and next_attempt_at is not null;

create table payments (
  id integer generated always as identity (start with 50000) primary key,
  idempotency_key text not null unique,
  charge_id integer not null references charges (id),
  customer_id integer not null references customers (id),
  payment_method_id integer references payment_methods (id) on delete set null,
  card text not null,
  gateway text not null,
  gateway_ref text,
  amount integer not null,
  currency char(3) not null,
  status text not null check (status in ('pending', 'succeeded', 'declined', 'error')),
  decline_code text,
  message text,
  created_at timestamptz not null default now(),
  completed_at timestamptz
);
create index payments_charge_idx on payments (charge_id, id);
create index payments_customer_idx on payments (customer_id, created_at desc);

-- The built-in test gateway remembers what it answered to each idempotency key, as Stripe does.
create table test_gateway_charges (
  idempotency_key text primary key,
  card text not null,
  amount integer not null,
  currency char(3) not null,
  outcome text not null,
  reference text not null,
  created_at timestamptz not null default now()
);

create table test_clock (
  id boolean primary key default true check (id),
  offset_ms bigint not null default 0,
  updated_at timestamptz not null default now()
);
`).execute(db);
}
