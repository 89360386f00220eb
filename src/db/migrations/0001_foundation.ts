import { sql, type Kysely } from 'kysely';

/** The foundation: staff accounts and audit, catalog, customers, inventory, services. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
create extension if not exists pg_trgm;

-- users: staff accounts, sessions, API tokens, audit ------------------------------------------
create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  name text not null,
  role text not null check (role in ('admin', 'agent', 'viewer')),
  password_hash text not null,
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table sessions (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user_idx on sessions (user_id);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  token_prefix text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user_idx on api_tokens (user_id);

create table audit_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_id uuid references users (id) on delete set null,
  actor_label text not null,
  action text not null,
  entity_type text not null,
  entity_id text not null,
  before jsonb,
  after jsonb,
  request_id text
);
create index audit_events_entity_idx on audit_events (entity_type, entity_id, id desc);
create index audit_events_recent_idx on audit_events (id desc);

-- catalog ------------------------------------------------------------------------------------
create table products (
  id integer generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and slug !~ '^[0-9]+$'),
  name text not null,
  description text not null default '',
  category text not null check (category in ('plan', 'addon')),
  service_type text not null check (service_type in ('mobile', 'internet', 'iptv', 'voip')),
  customer_types text[] not null check (cardinality(customer_types) > 0 and customer_types <@ array['individual', 'business']),
  enabled boolean not null default true,
  billing text not null check (billing in ('recurring', 'one_off')),
  setup_fee integer not null check (setup_fee >= 0),
  recurring_price integer not null check (recurring_price >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  contract_months integer not null default 0 check (contract_months between 0 and 120),
  features jsonb not null default '[]',
  icon text not null default '',
  terms text not null default '',
  inventory_templates text[] not null default '{}',
  playbook text not null,
  playbook_vars jsonb not null default '{}',
  custom_fields jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index products_listing_idx on products (category, service_type, enabled);

-- customers ----------------------------------------------------------------------------------
create table customers (
  id integer generated always as identity (start with 100) primary key,
  type text not null check (type in ('individual', 'business')),
  name text not null check (length(btrim(name)) > 0),
  status text not null default 'active' check (status in ('active', 'suspended', 'closed')),
  email text,
  phone text,
  phone_digits text generated always as (regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) stored,
  -- the digits backwards: "ends with 7700 900123" becomes an index prefix scan
  phone_digits_rev text generated always as (reverse(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'))) stored,
  payment_type text not null default 'card' check (payment_type in ('card', 'direct_debit', 'invoice', 'prepaid')),
  company_number text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Type-ahead search (R3.1). Prefix matches read btree indexes in "C" order, so LIKE 'abc%' and
-- ORDER BY ... LIMIT are both served by one index range scan; "contains" uses a trigram index.
create index customers_name_prefix_idx on customers ((lower(name) collate "C"));
create index customers_email_prefix_idx on customers ((lower(email) collate "C"));
create index customers_phone_prefix_idx on customers ((phone_digits collate "C"));
create index customers_phone_suffix_idx on customers ((phone_digits_rev collate "C"));
create index customers_name_trgm_idx on customers using gin (lower(name) gin_trgm_ops);

create table contacts (
  id integer generated always as identity primary key,
  customer_id integer not null references customers (id) on delete cascade,
  role text not null check (role in ('billing', 'technical', 'other')),
  name text not null,
  email text,
  phone text,
  created_at timestamptz not null default now()
);
create index contacts_customer_idx on contacts (customer_id);

create table sites (
  id integer generated always as identity primary key,
  customer_id integer not null references customers (id) on delete cascade,
  name text not null,
  address_line1 text not null,
  address_line2 text,
  city text not null,
  postcode text not null,
  country char(2) not null default 'GB',
  created_at timestamptz not null default now()
);
create index sites_customer_idx on sites (customer_id);

create table payment_methods (
  id integer generated always as identity primary key,
  customer_id integer not null references customers (id) on delete cascade,
  brand text not null,
  last4 char(4) not null check (last4 ~ '^[0-9]{4}$'),
  exp_month integer not null check (exp_month between 1 and 12),
  exp_year integer not null check (exp_year between 2000 and 2100),
  holder_name text,
  gateway_ref text,
  is_default boolean not null default false,
  created_at timestamptz not null default now()
);
create index payment_methods_customer_idx on payment_methods (customer_id);
create unique index payment_methods_one_default on payment_methods (customer_id) where is_default;

-- inventory ----------------------------------------------------------------------------------
create table inventory_templates (
  id integer generated always as identity primary key,
  name text not null,
  description text not null default '',
  attributes jsonb not null default '[]',
  release_to text not null default 'in_stock' check (release_to in ('in_stock', 'retired')),
  created_at timestamptz not null default now()
);
create unique index inventory_templates_name_key on inventory_templates (lower(name));

create table inventory_items (
  id integer generated always as identity primary key,
  template_id integer not null references inventory_templates (id),
  reference text not null,
  attributes jsonb not null default '{}',
  status text not null check (status in ('new', 'in_stock', 'reserved', 'assigned', 'retired')),
  -- where a reserved item goes back to when its reservation ends
  stock_status text check (stock_status in ('new', 'in_stock')),
  reservation_holder text,
  reserved_by uuid references users (id) on delete set null,
  reservation_expires_at timestamptz,
  provision_id uuid,
  customer_id integer references customers (id),
  service_id integer,
  assigned_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (template_id, reference),
  check (status <> 'reserved' or (stock_status is not null and (reservation_holder is not null or provision_id is not null))),
  check (status <> 'assigned' or customer_id is not null)
);
create index inventory_items_available_idx on inventory_items (template_id, status, reference);
create index inventory_items_reservation_idx on inventory_items (reservation_holder) where reservation_holder is not null;
create index inventory_items_provision_idx on inventory_items (provision_id) where provision_id is not null;
create index inventory_items_service_idx on inventory_items (service_id) where service_id is not null;
create index inventory_items_reference_trgm_idx on inventory_items using gin (lower(reference) gin_trgm_ops);

-- services -----------------------------------------------------------------------------------
create table services (
  id integer generated always as identity (start with 700) primary key,
  customer_id integer not null references customers (id),
  product_id integer not null references products (id),
  service_type text not null check (service_type in ('mobile', 'internet', 'iptv', 'voip')),
  site_id integer references sites (id),
  billing_contact_id integer references contacts (id),
  technical_contact_id integer references contacts (id),
  name text not null,
  status text not null check (status in ('provisioning', 'active', 'failed', 'suspended', 'expired', 'terminated', 'cancelled')),
  auto_renew boolean not null,
  contract_end date,
  custom_fields jsonb not null default '{}',
  ocs_account text,
  created_at timestamptz not null default now(),
  activated_at timestamptz,
  updated_at timestamptz not null default now()
);
create index services_customer_idx on services (customer_id, service_type, id);
create index services_status_idx on services (status, id);
alter table inventory_items add constraint inventory_items_service_fk foreign key (service_id) references services (id);
`).execute(db);
}
