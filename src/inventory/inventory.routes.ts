import { z } from 'zod';
import { admins, agents, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { idParams, intId } from '../shared/schemas.js';
import { availableBody, availableQuery, holderParams, item, itemListQuery, itemPage, itemsInput, reserveInput, template, templateInput, templateSummary, templateUpdate } from './inventory.schemas.js';
import type { InventoryService } from './inventory.service.js';

export function inventoryRoutes(app: ZodApp, inventory: InventoryService): void {
  const tags = ['inventory'];

  app.get('/api/inventory/templates', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Inventory templates (SIM Card, Mobile Number, CPE Modem...)', response: { 200: z.object({ items: z.array(template) }), ...errors } },
    handler: async () => ({ items: await inventory.listTemplates() }),
  });

  app.post('/api/inventory/templates', {
    config: { auth: admins },
    schema: { tags, summary: 'Create an inventory template', body: templateInput, response: { 201: template, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await inventory.createTemplate(ctxOf(req), req.body)),
  });

  app.patch('/api/inventory/templates/:id', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'Change a template: its description, its low-stock threshold (fewer available items than this is low stock: the stock.low webhook, once per crossing)',
      params: idParams,
      body: templateUpdate,
      response: { 200: template, ...errors },
    },
    handler: async (req) => inventory.updateTemplate(ctxOf(req), req.params.id, req.body),
  });

  app.get('/api/inventory/available', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'Items that can be picked for a template: new or in stock only (R4.2), with counts by status that say why none are (R4.5)',
      querystring: availableQuery,
      response: { 200: availableBody, ...errors },
    },
    handler: async (req) => inventory.available(req.query.template, req.query),
  });

  app.get('/api/inventory/items', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'Inventory items by template, status and a search of ICCID, number or serial, a page at a time (offset, limit) with the total',
      querystring: itemListQuery,
      response: { 200: itemPage, ...errors },
    },
    handler: async (req) => inventory.listItems(req.query),
  });

  app.get('/api/inventory/summary', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: "Each template's items by status now (available, reserved, assigned, retired, quarantined) and when the first quarantined number comes back",
      response: { 200: z.object({ templates: z.array(templateSummary) }), ...errors },
    },
    handler: async () => ({ templates: await inventory.summaries() }),
  });

  app.post('/api/inventory/items', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'Add items in bulk (all or none)',
      body: itemsInput,
      response: { 201: z.object({ created: z.number().int(), template }), ...errors },
    },
    bodyLimit: 20 * 1024 * 1024,
    handler: async (req, reply) => reply.status(201).send(await inventory.addItems(ctxOf(req), req.body)),
  });

  app.get('/api/inventory/items/:id', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'One inventory item', params: idParams, response: { 200: item, ...errors } },
    handler: async (req) => inventory.getItem(req.params.id),
  });

  app.post('/api/inventory/items/:id/retire', {
    config: { auth: admins },
    schema: { tags, summary: 'Retire an item that is in stock (lost, faulty)', params: idParams, response: { 200: item, ...errors } },
    handler: async (req) => inventory.retire(ctxOf(req), req.params.id),
  });

  app.post('/api/inventory/items/:id/reservations', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Reserve an item for an assignment until the hold expires (R4.3); 409 INVENTORY_UNAVAILABLE if another holds it',
      params: idParams,
      body: reserveInput,
      response: { 201: item, ...errors },
    },
    handler: async (req, reply) => reply.status(201).send(await inventory.reserve(ctxOf(req), req.params.id, req.body.holder, req.body.ttlSeconds)),
  });

  app.delete('/api/inventory/items/:id/reservations/:holder', {
    config: { auth: agents },
    schema: {
      tags,
      summary: "Release one item an assignment holds (the selection changed)",
      params: z.object({ id: intId, holder: holderParams.shape.holder }),
      response: { 200: z.object({ released: z.boolean() }), ...errors },
    },
    handler: async (req) => inventory.release(ctxOf(req), req.params.id, req.params.holder),
  });

  app.delete('/api/inventory/reservations/:holder', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Release everything an assignment holds (the wizard was cancelled)',
      params: holderParams,
      response: { 200: z.object({ released: z.number().int() }), ...errors },
    },
    handler: async (req) => inventory.releaseHolder(ctxOf(req), req.params.holder),
  });
}
