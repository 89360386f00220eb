import { sql, type Kysely } from 'kysely';

/**
 * Provisioning engine v2 (issue 10): runs are claimed by workers in groups that move through
 * their playbook together; the provision and task rows are the only checkpoints. A group is
 * leased by one worker and renewed by its heartbeat; a group whose lease ran out (its worker died)
 * is taken over by another. Per-system limits are shared by every process.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `
create table provision_groups (
  id uuid primary key,
  kind text not null check (kind in ('run', 'undo')),
  owner text not null,
  lease_until timestamptz not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index provision_groups_live_idx on provision_groups (lease_until) where finished_at is null;

-- A queued run waits to be claimed; a running one is run by its group's worker. Runs of one
-- playbook (as it was when they were confirmed) share a key and so can share a group.
alter table provisions add column group_id uuid references provision_groups (id);
alter table provisions add column playbook_key text;
update provisions set playbook_key = playbook || '@' || md5(playbook_snapshot::text);
alter table provisions alter column playbook_key set not null;
-- A cancelled run whose undo (what it did outside) is still to be done, and the group doing it.
alter table provisions add column undo_pending boolean not null default false;
alter table provisions add column undo_group_id uuid references provision_groups (id);
create index provisions_queued_idx on provisions (created_at) where status = 'queued';
create index provisions_group_idx on provisions (group_id) where status = 'running';
create index provisions_undo_idx on provisions (created_at) where undo_pending;

-- Every process that runs work says it is alive; its groups' leases follow its heartbeat.
create table workers (
  id text primary key,
  pid integer,
  host text,
  concurrency integer not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  draining boolean not null default false
);

-- Per outside system, across every process: the calls each worker may make at once (held, with
-- a lease), and a token bucket for the calls a second.
create table system_slots (
  system text not null,
  holder text not null,
  slots integer not null check (slots >= 0),
  until timestamptz not null,
  primary key (system, holder)
);
create table system_rates (
  system text primary key,
  tokens double precision not null,
  refilled_at timestamptz not null
);

-- A simulated call's start, so that how many were under way at once can be told afterwards.
alter table sim_calls add column started_at timestamptz;

-- Runs enqueued on the former workflow engine are now claimed from the provisions table.
do $$ begin
  if exists (select 1 from information_schema.tables where table_schema = 'dbos' and table_name = 'workflow_status') then
    update provisions set undo_pending = true where id::text || ':cancel' in (
      select workflow_uuid from dbos.workflow_status where name = 'provision-cancel' and status in ('ENQUEUED', 'PENDING', 'DELAYED'));
    update dbos.workflow_status set status = 'CANCELLED'
    where name in ('provision', 'provision-cancel') and status in ('ENQUEUED', 'PENDING', 'DELAYED');
  end if;
end $$;
`,
    )
    .execute(db);
}
