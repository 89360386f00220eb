import { z } from 'zod';
import { admins, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { okBody } from '../shared/schemas.js';
import { deliveriesPage, deliveriesQuery, delivery, deliveryParams, endpoint, endpointInput, endpointParams, endpointUpdate, endpointWithSecret, rotateInput } from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';

/** Outbound webhooks (issue 12): endpoints, their secrets and delivery logs. Administrators only. */
export function webhooksRoutes(app: ZodApp, webhooks: WebhooksService): void {
  const tags = ['webhooks'];

  app.get('/api/webhooks', {
    config: { auth: admins },
    schema: { tags, summary: 'Webhook endpoints, with their newest delivery', response: { 200: z.object({ items: z.array(endpoint) }), ...errors } },
    handler: async () => ({ items: await webhooks.list() }),
  });

  app.post('/api/webhooks', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'Register an endpoint: where to send which events. The secret that signs them (Standard Webhooks) is in this answer only',
      body: endpointInput,
      response: { 201: endpointWithSecret, ...errors },
    },
    handler: async (req, reply) => reply.status(201).send(await webhooks.create(ctxOf(req), req.body)),
  });

  app.get('/api/webhooks/:id', {
    config: { auth: admins },
    schema: { tags, summary: 'One webhook endpoint', params: endpointParams, response: { 200: endpoint, ...errors } },
    handler: async (req) => webhooks.get(req.params.id),
  });

  app.patch('/api/webhooks/:id', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'Change an endpoint: its URL, events, description; enabled: false sends it nothing more (what was waiting fails)',
      params: endpointParams,
      body: endpointUpdate,
      response: { 200: endpoint, ...errors },
    },
    handler: async (req) => webhooks.update(ctxOf(req), req.params.id, req.body),
  });

  app.delete('/api/webhooks/:id', {
    config: { auth: admins },
    schema: { tags, summary: 'Delete an endpoint and its delivery log', params: endpointParams, response: { 200: okBody, ...errors } },
    handler: async (req) => {
      await webhooks.remove(ctxOf(req), req.params.id);
      return { ok: true as const };
    },
  });

  app.post('/api/webhooks/:id/rotate-secret', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'A new signing secret, in this answer only; the previous one keeps signing too for keepPreviousHours (24 by default)',
      params: endpointParams,
      body: rotateInput.optional(),
      response: { 200: endpointWithSecret, ...errors },
    },
    handler: async (req) => webhooks.rotateSecret(ctxOf(req), req.params.id, req.body ?? { keepPreviousHours: 24 }),
  });

  app.get('/api/webhooks/:id/deliveries', {
    config: { auth: admins },
    schema: {
      tags,
      summary: "An endpoint's delivery log, newest first: each event, its status, attempts, the receiver's last answer and the next attempt",
      params: endpointParams,
      querystring: deliveriesQuery,
      response: { 200: deliveriesPage, ...errors },
    },
    handler: async (req) => webhooks.deliveries(req.params.id, req.query),
  });

  app.post('/api/webhooks/:id/deliveries/:deliveryId/resend', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'Send again: a delivered or failed delivery is queued once more, with the same event ID (webhook-id)',
      params: deliveryParams,
      response: { 200: delivery, ...errors },
    },
    handler: async (req) => webhooks.resend(ctxOf(req), req.params.id, req.params.deliveryId),
  });

  app.post('/api/webhooks/:id/test', {
    config: { auth: admins },
    schema: { tags, summary: 'Send the endpoint a webhook.test event (whatever its events), to try the receiver', params: endpointParams, response: { 201: delivery, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await webhooks.sendTest(ctxOf(req), req.params.id)),
  });
}
