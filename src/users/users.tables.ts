import type { Generated } from 'kysely';
import type { NullableJsonColumn } from '../db/schema.js';

export type Role = 'admin' | 'agent' | 'viewer';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  role: Role;
  /** Null for a staff member who signs in only through single sign-on. */
  passwordHash: string | null;
  disabled: Generated<boolean>;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
  totpSecret: Generated<string | null>;
  totpPendingSecret: Generated<string | null>;
  totpEnabledAt: Generated<string | null>;
  totpLastStep: Generated<number | null>;
  oidcIssuer: Generated<string | null>;
  oidcSubject: Generated<string | null>;
}

export type SessionMethod = 'password' | 'password+totp' | 'password+recovery' | 'oidc';

export interface SessionsTable {
  tokenHash: string;
  userId: string;
  createdAt: Generated<string>;
  expiresAt: string;
  method: Generated<SessionMethod>;
  /** The role requires a second factor and the staff member has none yet: the session may only enrol one. */
  enrolmentOnly: Generated<boolean>;
}

export interface RecoveryCodesTable {
  id: Generated<number>;
  userId: string;
  codeHash: string;
  usedAt: string | null;
}

export interface SignInChallengesTable {
  tokenHash: string;
  userId: string;
  expiresAt: string;
  attempts: Generated<number>;
}

export interface OidcLoginsTable {
  stateHash: string;
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  expiresAt: string;
}

export interface RateLimitsTable {
  key: string;
  windowStartedAt: string;
  hits: number;
}

export interface SecuritySettingsTable {
  id: Generated<number>;
  mfaRequiredRoles: Generated<Role[]>;
  sealingKey: string | null;
  updatedAt: Generated<string>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  userId: string;
  name: string;
  tokenHash: string;
  tokenPrefix: string;
  createdAt: Generated<string>;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  occurredAt: Generated<string>;
  actorId: string | null;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  before: NullableJsonColumn<unknown>;
  after: NullableJsonColumn<unknown>;
  requestId: string | null;
}

export interface UsersTables {
  users: UsersTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  auditEvents: AuditEventsTable;
  recoveryCodes: RecoveryCodesTable;
  signInChallenges: SignInChallengesTable;
  oidcLogins: OidcLoginsTable;
  rateLimits: RateLimitsTable;
  securitySettings: SecuritySettingsTable;
}
