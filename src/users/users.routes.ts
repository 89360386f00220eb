import { z } from 'zod';
import { admins, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { okBody } from '../shared/schemas.js';
import { listAudit } from './audit.service.js';
import { apiToken, apiTokenCreated, apiTokenInput, auditEvent, auditQuery, user, userInput, userUpdate } from './users.schemas.js';
import type { UsersService } from './users.service.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export function usersRoutes(app: ZodApp, users: UsersService, db: Kysely<DB>): void {
  const tags = ['staff'];

  app.get('/api/users', {
    config: { auth: admins },
    schema: { tags, summary: 'Staff accounts', response: { 200: z.object({ items: z.array(user) }), ...errors } },
    handler: async () => ({ items: await users.list() }),
  });

  app.post('/api/users', {
    config: { auth: admins },
    schema: { tags, summary: 'Create a staff account', body: userInput, response: { 201: user, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await users.create(ctxOf(req), req.body)),
  });

  app.patch('/api/users/:id', {
    config: { auth: admins },
    schema: { tags, summary: 'Change a role, disable an account, reset a password', params: z.object({ id: z.uuid() }), body: userUpdate, response: { 200: user, ...errors } },
    handler: async (req) => users.update(ctxOf(req), req.params.id, req.body),
  });

  app.get('/api/tokens', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'API tokens (yours; all of them for admins)', response: { 200: z.object({ items: z.array(apiToken) }), ...errors } },
    handler: async (req) => ({ items: await users.listTokens(ctxOf(req)) }),
  });

  app.post('/api/tokens', {
    config: { auth: admins },
    schema: { tags, summary: 'Create an API token for a machine; the secret is shown once', body: apiTokenInput, response: { 201: apiTokenCreated, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await users.createToken(ctxOf(req), req.body)),
  });

  app.delete('/api/tokens/:id', {
    config: { auth: admins },
    schema: { tags, summary: 'Revoke an API token', params: z.object({ id: z.uuid() }), response: { 200: okBody, ...errors } },
    handler: async (req) => {
      await users.revokeToken(ctxOf(req), req.params.id);
      return { ok: true as const };
    },
  });

  app.get('/api/audit', {
    config: { auth: admins },
    schema: { tags: ['audit'], summary: 'The audit log: who changed what, when, before and after', querystring: auditQuery, response: { 200: z.object({ items: z.array(auditEvent) }), ...errors } },
    handler: async (req) => ({ items: await listAudit(db, req.query) }),
  });
}
