import { sql, type Kysely } from 'kysely';

/**
 * Limits per outside system, across every process (issue 10, R11.3): taking call slots and
 * tokens is one statement, serialised per system by the lock on its system_rates row; giving
 * slots back tells the waiting processes. A simulated call keeps when it ended, so that how many
 * were under way at once can be told afterwards.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `
alter table sim_calls add column ended_at timestamptz;

-- Takes up to p_want calls of p_system for p_holder (a process): as many as the calls under way
-- (p_at_once) and the calls a second (p_per_second, a bucket of a tenth of a second's calls, at
-- least one) leave. Returns what it took, or when nothing: how long until a token comes back (0:
-- wait for calls to end). Slots of a process that stopped renewing them (until passed) no longer count.
create function sb_take_calls(p_system text, p_holder text, p_want integer, p_at_once integer, p_per_second double precision, p_lease double precision)
returns table (granted integer, wait_ms integer)
language plpgsql volatile as $fn$
declare
  v_burst double precision := greatest(1, coalesce(p_per_second, 0) / 10);
  v_tokens double precision;
  v_refilled timestamptz;
  v_used integer;
  v_now timestamptz;
  v_k integer := p_want;
begin
  insert into system_rates (system, tokens, refilled_at) values (p_system, v_burst, clock_timestamp())
  on conflict (system) do nothing;
  -- One taker of a system at a time, whatever the process.
  select tokens, refilled_at into v_tokens, v_refilled from system_rates where system = p_system for update;
  v_now := clock_timestamp();
  if p_per_second is not null then
    v_tokens := least(v_burst, v_tokens + greatest(0, extract(epoch from v_now - v_refilled)) * p_per_second);
    v_k := least(v_k, floor(v_tokens)::integer);
  end if;
  if p_at_once is not null then
    select coalesce(sum(slots), 0) into v_used from system_slots where system = p_system and until > v_now;
    v_k := least(v_k, p_at_once - v_used);
  end if;
  if v_k <= 0 then
    return query select 0, case when p_per_second is not null and v_tokens < 1
      then ceil((1 - v_tokens) * 1000 / p_per_second)::integer else 0 end;
    return;
  end if;
  if p_per_second is not null then
    update system_rates set tokens = v_tokens - v_k, refilled_at = v_now where system = p_system;
  end if;
  if p_at_once is not null then
    insert into system_slots (system, holder, slots, until)
    values (p_system, p_holder, v_k, v_now + make_interval(secs => p_lease))
    on conflict (system, holder) do update set slots = system_slots.slots + excluded.slots, until = excluded.until;
  end if;
  return query select v_k, 0;
end
$fn$;

-- Gives back p_n slots of p_system held by p_holder, and tells the processes listening on p_channel.
create function sb_give_calls(p_system text, p_holder text, p_n integer, p_channel text)
returns void
language plpgsql volatile as $fn$
begin
  update system_slots set slots = greatest(0, slots - p_n) where system = p_system and holder = p_holder;
  if p_channel is not null then
    perform pg_notify(p_channel, p_system);
  end if;
end
$fn$;
`,
    )
    .execute(db);
}
