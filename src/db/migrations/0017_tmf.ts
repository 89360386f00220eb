import { sql, type Kysely } from 'kysely';

/**
 * The TM Forum Open API facade (issue 14, src/tmf/).
 *
 *   tmf_product_orders    a TMF622 productOrder: its state follows the runs it started
 *   tmf_order_items       each order item and the provisioning run it became (null: nothing to run)
 *   tmf_catalog_drafts    TMF620 entities written through the facade that name no Switchboard
 *                         product (a specification, offering or price "In design"); the console's
 *                         catalog is untouched by them
 *
 * Notifications reuse the webhook delivery (migration 0011): a hub listener is a
 * webhook_endpoints row of kind 'tmf', and these triggers write its events with sb_webhooks_emit,
 * in the same transaction as the change:
 *   tmf.ProductOrderStateChangeEvent  an order's state moved (the trigger on provisions moves it)
 *   tmf.ServiceStateChangeEvent       a service's status moved (TMF638)
 *   tmf.ProductStateChangeEvent       the same, for the product it is (TMF637)
 *   tmf.ResourceStateChangeEvent      an inventory item's status moved
 * (tmf.ProductOrderCreateEvent is written by the facade when it writes the order.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table tmf_product_orders (
  id uuid primary key,
  state text not null check (state in ('acknowledged', 'rejected', 'inProgress', 'completed', 'failed', 'cancelled')),
  state_reason text,
  customer_id integer references customers (id),
  -- What the client sent (description, externalId, relatedParty, items...), given back as it was.
  request jsonb not null,
  order_date timestamptz not null default now(),
  completion_date timestamptz,
  created_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now()
);
create index tmf_product_orders_customer_idx on tmf_product_orders (customer_id);

create table tmf_order_items (
  order_id uuid not null references tmf_product_orders (id) on delete cascade,
  item_id text not null,
  provision_id uuid references provisions (id),
  primary key (order_id, item_id)
);
create index tmf_order_items_provision_idx on tmf_order_items (provision_id) where provision_id is not null;

create table tmf_catalog_drafts (
  id uuid primary key,
  kind text not null check (kind in ('productSpecification', 'productOffering', 'productOfferingPrice')),
  name text not null,
  lifecycle_status text not null default 'In design',
  body jsonb not null default '{}'::jsonb,
  created_by uuid references users (id) on delete set null,
  last_update timestamptz not null default now()
);
create index tmf_catalog_drafts_kind_idx on tmf_catalog_drafts (kind, id);

-- An order's state from its runs' statuses: any failed (or never started) -> failed; all cancelled -> cancelled;
-- all succeeded (or cancelled, at least one succeeded) -> completed; any started -> inProgress;
-- else acknowledged. The same table is src/tmf/tmf.lifecycle.ts (orderStateOf), unit-tested.
create function sb_tmf_order_state(p_order uuid) returns text
language sql stable as $fn$
  select case
    when count(*) = 0 then null
    -- an item that never became a run (its inventory taken between the checks and the start) failed
    when bool_or(p.id is null) or bool_or(p.status in ('failed', 'timed_out')) then 'failed'
    when bool_and(p.status = 'cancelled') then 'cancelled'
    when bool_and(p.status in ('succeeded', 'cancelled')) then 'completed'
    when bool_or(p.status <> 'queued') then 'inProgress'
    else 'acknowledged' end
  from tmf_order_items i left join provisions p on p.id = i.provision_id
  where i.order_id = p_order
$fn$;

create function sb_tmf_order_follow() returns trigger
language plpgsql as $fn$
declare
  o record;
  v_state text;
begin
  for o in select r.id, r.state from tmf_product_orders r
           where r.id in (select i.order_id from tmf_order_items i where i.provision_id = new.id) and r.state <> 'rejected'
           for update loop
    v_state := sb_tmf_order_state(o.id);
    if v_state is not null and v_state is distinct from o.state then
      update tmf_product_orders set state = v_state, updated_at = now(),
        state_reason = case when v_state = 'failed' then new.error else state_reason end,
        completion_date = case when v_state in ('completed', 'failed', 'cancelled') then now() else null end
      where id = o.id;
      perform sb_webhooks_emit('tmf.ProductOrderStateChangeEvent', jsonb_build_object('id', o.id, 'state', v_state, 'previousState', o.state));
    end if;
  end loop;
  return null;
end
$fn$;
create trigger tmf_order_follow after update of status on provisions for each row
when (old.status is distinct from new.status)
execute function sb_tmf_order_follow();

create function sb_tmf_service_state() returns trigger
language plpgsql as $fn$
begin
  if sb_webhooks_wanted('tmf.ServiceStateChangeEvent') then
    perform sb_webhooks_emit('tmf.ServiceStateChangeEvent', jsonb_build_object('id', new.id::text, 'status', new.status, 'previousStatus', old.status, 'name', new.name));
  end if;
  if sb_webhooks_wanted('tmf.ProductStateChangeEvent') then
    perform sb_webhooks_emit('tmf.ProductStateChangeEvent', jsonb_build_object('id', new.id::text, 'status', new.status, 'previousStatus', old.status, 'name', new.name));
  end if;
  return null;
end
$fn$;
create trigger tmf_service_state after update of status on services for each row
when (old.status is distinct from new.status)
execute function sb_tmf_service_state();

create function sb_tmf_resource_state() returns trigger
language plpgsql as $fn$
begin
  if sb_webhooks_wanted('tmf.ResourceStateChangeEvent') then
    perform sb_webhooks_emit('tmf.ResourceStateChangeEvent', jsonb_build_object('id', new.id::text, 'status', new.status, 'previousStatus', old.status, 'name', new.reference));
  end if;
  return null;
end
$fn$;
create trigger tmf_resource_state after update of status on inventory_items for each row
when (old.status is distinct from new.status)
execute function sb_tmf_resource_state();
`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
drop trigger tmf_resource_state on inventory_items;
drop function sb_tmf_resource_state();
drop trigger tmf_service_state on services;
drop function sb_tmf_service_state();
drop trigger tmf_order_follow on provisions;
drop function sb_tmf_order_follow();
drop function sb_tmf_order_state(uuid);
drop table tmf_catalog_drafts;
drop table tmf_order_items;
drop table tmf_product_orders;
`.execute(db);
}
