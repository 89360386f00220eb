import type { Generated } from 'kysely';
import type { NullableJsonColumn } from '../db/schema.js';

export type Role = 'admin' | 'agent' | 'viewer';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  disabled: Generated<boolean>;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface SessionsTable {
  tokenHash: string;
  userId: string;
  createdAt: Generated<string>;
  expiresAt: string;
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
}
