import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';

export const role = z.enum(['admin', 'agent', 'viewer']).describe('admin: everything; agent: assigns plans; viewer: reads only');

export const user = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role,
    disabled: z.boolean(),
    createdAt: timestamp,
    twoFactor: z.boolean().describe('Signs in with a second factor (TOTP)'),
    singleSignOn: z.boolean().describe("Linked to an account at the company's identity provider"),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof user>;

export const userInput = z
  .object({
    email: z.email().max(200),
    name: z.string().trim().min(1).max(120),
    role,
    password: z.string().min(10, 'must be at least 10 characters').max(200),
  })
  .meta({ id: 'UserCreate' });

export const userUpdate = z
  .object({
    name: z.string().trim().min(1).max(120),
    role,
    disabled: z.boolean(),
    password: z.string().min(10, 'must be at least 10 characters').max(200),
  })
  .partial()
  .meta({ id: 'UserUpdate' });

export const signInInput = z
  .object({ email: z.string().min(1).max(200), password: z.string().min(1).max(200) })
  .meta({ id: 'SignIn' });


export const apiTokenInput = z
  .object({
    name: z.string().trim().min(1).max(100).describe('What the token is for, e.g. "billing sync"'),
    userId: z.uuid().optional().describe('Whose rights the token carries; yourself if left out (admins only for others)'),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: 'ApiTokenCreate' });

export const apiToken = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    name: z.string(),
    tokenPrefix: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const apiTokenCreated = apiToken
  .extend({ token: z.string().describe('Shown once: send it as "Authorization: Bearer <token>"') })
  .meta({ id: 'ApiTokenCreated' });

export const auditEvent = z
  .object({
    id: z.number().int(),
    occurredAt: timestamp,
    actorId: z.string().nullable(),
    actorLabel: z.string(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const auditQuery = z.object({
  entityType: z.string().max(50).optional(),
  entityId: z.string().max(100).optional(),
  actorId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('Page backwards: events older than this ID'),
});
