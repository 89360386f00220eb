import { sql, type Kysely } from 'kysely';

/**
 * Outbound webhooks (issue 12): endpoints an admin registers, the events (an outbox written in the
 * transaction of the change that causes them) and one delivery per event and endpoint, leased by
 * the sender that posts it. Inventory templates get a low-stock threshold and the state that makes
 * `stock.low` fire once per crossing.
 *
 * The events are written by row triggers, so that every code path that moves a status (the
 * provisioning ledger, the services domain, billing, bulk) emits them without knowing of webhooks.
 * Each trigger's WHEN clause lets through only the moves that are events; its function then asks
 * first whether an enabled endpoint wants that type (one look-up in a table of a few rows), and
 * writes nothing when none does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `
alter table inventory_templates add column low_stock_threshold integer check (low_stock_threshold between 0 and 1000000);
-- Set when the available stock went below the threshold (null: not low), with the count then;
-- moved back to null when it is at or above the threshold again (re-armed).
alter table inventory_templates add column low_stock_since timestamptz;
alter table inventory_templates add column low_stock_available integer;

create table webhook_endpoints (
  id uuid primary key,
  -- 'webhook': signed per Standard Webhooks. Other kinds (a TM Forum hub's listeners) shape and
  -- sign their bodies their own way; the sender is the same.
  kind text not null default 'webhook',
  url text not null check (url ~* '^https?://'),
  description text not null default '',
  events text[] not null,
  -- Sealed with SecretBox (AES-256-GCM): Switchboard must read the secret back to sign.
  secret_sealed text,
  -- After a rotation the previous secret signs too, until this time (receivers switch at leisure).
  previous_secret_sealed text,
  previous_secret_until timestamptz,
  enabled boolean not null default true,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (kind <> 'webhook' or secret_sealed is not null)
);

create table webhook_events (
  -- The receiver deduplicates by it (webhook-id): every attempt of every delivery carries it.
  id text primary key,
  type text not null,
  occurred_at timestamptz not null default clock_timestamp(),
  data jsonb not null
);
create index webhook_events_occurred_idx on webhook_events (occurred_at);

create table webhook_deliveries (
  id bigint generated always as identity primary key,
  event_id text not null references webhook_events (id) on delete cascade,
  endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'sending', 'delivered', 'failed')),
  attempts integer not null default 0,
  -- pending: when it is due; sending: when its lease ends (another sender may take it then).
  next_attempt_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status integer,
  last_response text,
  last_error text,
  last_duration_ms integer,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (event_id, endpoint_id),
  check (status not in ('pending', 'sending') or next_attempt_at is not null),
  check (status <> 'sending' or (lease_owner is not null and lease_until is not null))
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status in ('pending', 'sending');
create index webhook_deliveries_endpoint_due_idx on webhook_deliveries (endpoint_id, next_attempt_at) where status in ('pending', 'sending');
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id desc);

-- Whether an enabled endpoint wants events of this type: what every trigger asks first.
create function sb_webhooks_wanted(p_type text) returns boolean
language sql stable as $fn$
  select exists (select 1 from webhook_endpoints where enabled and p_type = any(events))
$fn$;

-- Writes an event and one delivery per enabled endpoint that wants it, and wakes the senders
-- (at the commit; never if the change rolls back). Returns the event's ID, or null when no
-- endpoint wants it (nothing is written).
create function sb_webhooks_emit(p_type text, p_data jsonb) returns text
language plpgsql volatile as $fn$
declare
  v_id text := 'evt_' || replace(gen_random_uuid()::text, '-', '');
begin
  insert into webhook_events (id, type, data)
  select v_id, p_type, p_data where sb_webhooks_wanted(p_type);
  if not found then
    return null;
  end if;
  -- FOR KEY SHARE: an endpoint being deleted meanwhile is waited for, then skipped, rather than
  -- failing the delivery's foreign key (and with it the provisioning statement that fired this).
  insert into webhook_deliveries (event_id, endpoint_id, next_attempt_at)
  select v_id, e.id, now() from webhook_endpoints e where e.enabled and p_type = any(e.events) for key share;
  perform pg_notify('switchboard_webhooks', '');
  return v_id;
end
$fn$;

-- provision.succeeded / provision.failed (failed or timed out: the status says which).
create function sb_webhooks_provision_ended() returns trigger
language plpgsql as $fn$
declare
  v_type text := case when new.status = 'succeeded' then 'provision.succeeded' else 'provision.failed' end;
begin
  if sb_webhooks_wanted(v_type) then
    perform sb_webhooks_emit(v_type, jsonb_build_object(
      'provisionId', new.id,
      'kind', new.kind,
      'status', new.status,
      'attempt', new.attempt,
      'customerId', new.customer_id,
      'product', (select slug from products where id = new.product_id),
      'serviceId', new.service_id,
      'batchId', new.batch_id,
      'failedTask', (select name from provision_tasks where provision_id = new.id and seq = new.failed_task),
      'errorCode', new.error_code,
      'error', new.error,
      'finishedAt', new.finished_at));
  end if;
  return null;
end
$fn$;
create trigger webhooks_provision_ended after update of status on provisions for each row
when (old.status is distinct from new.status and new.status in ('succeeded', 'failed', 'timed_out'))
execute function sb_webhooks_provision_ended();

-- service.status_changed: every move of a service's status (from, to, the reason).
create function sb_webhooks_service_status() returns trigger
language plpgsql as $fn$
begin
  if sb_webhooks_wanted('service.status_changed') then
    perform sb_webhooks_emit('service.status_changed', jsonb_build_object(
      'serviceId', new.id,
      'customerId', new.customer_id,
      'product', (select slug from products where id = new.product_id),
      'serviceType', new.service_type,
      'name', new.name,
      'from', old.status,
      'to', new.status,
      'reason', new.status_reason));
  end if;
  return null;
end
$fn$;
create trigger webhooks_service_status after update of status on services for each row
when (old.status is distinct from new.status)
execute function sb_webhooks_service_status();

-- payment.failed: a payment attempt declined, or the gateway failed (the status says which).
-- The card is not sent (not even its last digits).
create function sb_webhooks_payment_failed() returns trigger
language plpgsql as $fn$
begin
  if sb_webhooks_wanted('payment.failed') then
    perform sb_webhooks_emit('payment.failed', jsonb_build_object(
      'paymentId', new.id,
      'chargeId', new.charge_id,
      'customerId', new.customer_id,
      'serviceId', (select service_id from charges where id = new.charge_id),
      'amount', new.amount,
      'currency', new.currency,
      'status', new.status,
      'declineCode', new.decline_code,
      'message', new.message,
      'gateway', new.gateway));
  end if;
  return null;
end
$fn$;
create trigger webhooks_payment_failed_insert after insert on payments for each row
when (new.status in ('declined', 'error'))
execute function sb_webhooks_payment_failed();
create trigger webhooks_payment_failed_update after update of status on payments for each row
when (old.status is distinct from new.status and new.status in ('declined', 'error'))
execute function sb_webhooks_payment_failed();

-- batch.completed: a bulk batch with nothing left to do, with what became of its rows.
create function sb_webhooks_batch_completed() returns trigger
language plpgsql as $fn$
declare
  v_counts jsonb;
begin
  if sb_webhooks_wanted('batch.completed') then
    select jsonb_build_object(
             'succeeded', count(*) filter (where r.status = 'started' and p.status = 'succeeded'),
             'failed', count(*) filter (where r.status = 'failed' or (r.status = 'started' and p.status in ('failed', 'timed_out'))),
             'cancelled', count(*) filter (where r.status = 'cancelled' or (r.status = 'started' and p.status = 'cancelled')),
             'invalid', count(*) filter (where r.status = 'invalid'))
      into v_counts
      from batch_rows r left join provisions p on p.id = r.provision_id
     where r.batch_id = new.id;
    perform sb_webhooks_emit('batch.completed', jsonb_build_object(
      'batchId', new.id,
      'name', new.name,
      'product', new.params->>'product',
      'totalRows', new.total_rows,
      'goodRows', new.good_rows,
      'badRows', new.bad_rows,
      'rows', v_counts,
      'finishedAt', new.finished_at));
  end if;
  return null;
end
$fn$;
create trigger webhooks_batch_completed after update of status on batches for each row
when (old.status is distinct from new.status and new.status = 'completed')
execute function sb_webhooks_batch_completed();

-- stock.low: a template's available stock went below its threshold (once per crossing).
create function sb_webhooks_stock_low() returns trigger
language plpgsql as $fn$
begin
  if sb_webhooks_wanted('stock.low') then
    perform sb_webhooks_emit('stock.low', jsonb_build_object(
      'templateId', new.id,
      'template', new.name,
      'available', new.low_stock_available,
      'threshold', new.low_stock_threshold));
  end if;
  return null;
end
$fn$;
create trigger webhooks_stock_low after update of low_stock_since on inventory_templates for each row
when (old.low_stock_since is null and new.low_stock_since is not null)
execute function sb_webhooks_stock_low();
`,
    )
    .execute(db);
}
