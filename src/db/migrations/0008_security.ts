import { sql, type Kysely } from 'kysely';

/**
 * Staff sign-in, hardened: two-factor sign-in (TOTP) with recovery codes, single sign-on (OpenID
 * Connect), sign-in limits that hold across processes, and the security settings an admin sets.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `
-- A staff member who signs in only through the company's identity provider has no password.
alter table users alter column password_hash drop not null;
alter table users add column totp_secret text;             -- sealed (src/users/secret-box.ts)
alter table users add column totp_pending_secret text;     -- sealed, while enrolling
alter table users add column totp_enabled_at timestamptz;
alter table users add column totp_last_step bigint;        -- a code is accepted once
alter table users add column oidc_issuer text;
alter table users add column oidc_subject text;
create unique index users_oidc_key on users (oidc_issuer, oidc_subject) where oidc_subject is not null;

-- How the session was opened, and whether it may only enrol a second factor (the role requires
-- one and the staff member has none yet).
alter table sessions add column method text not null default 'password' check (method in ('password', 'password+totp', 'password+recovery', 'oidc'));
alter table sessions add column enrolment_only boolean not null default false;

create table recovery_codes (
  id bigserial primary key,
  user_id uuid not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz
);
create index recovery_codes_user_idx on recovery_codes (user_id);

-- The password was right; the second factor is still to come.
create table sign_in_challenges (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  attempts int not null default 0
);

-- An OpenID Connect sign-in on its way through the identity provider.
create table oidc_logins (
  state_hash text primary key,
  code_verifier text not null,
  nonce text not null,
  return_to text not null,
  expires_at timestamptz not null
);

-- Fixed-window request counters shared by every process (sign-in limits).
create table rate_limits (
  key text primary key,
  window_started_at timestamptz not null,
  hits int not null
);

create table security_settings (
  id int primary key default 1 check (id = 1),
  mfa_required_roles text[] not null default '{}',
  -- Seals two-factor secrets when SECRET_KEY is not set (a demo); a deployment sets SECRET_KEY.
  sealing_key text,
  updated_at timestamptz not null default now()
);
insert into security_settings (id) values (1);
`,
    )
    .execute(db);
}
