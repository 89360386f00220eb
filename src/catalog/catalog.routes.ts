import { z } from 'zod';
import { admins, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { product, productFilters, productInput, productRef, productUpdate } from './catalog.schemas.js';
import type { CatalogService } from './catalog.service.js';

export function catalogRoutes(app: ZodApp, catalog: CatalogService): void {
  const tags = ['catalog'];

  app.get('/api/products', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'List products (R2): enabled ones by default, filtered by category, customer type, service type',
      querystring: productFilters,
      response: { 200: z.object({ items: z.array(product) }), ...errors },
    },
    handler: async (req) => ({ items: await catalog.list(req.query) }),
  });

  app.get('/api/products/:idOrSlug', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Get a product by ID or slug', params: productRef, response: { 200: product, ...errors } },
    handler: async (req) => catalog.get(req.params.idOrSlug),
  });

  app.post('/api/products', {
    config: { auth: admins },
    schema: { tags, summary: 'Create a product', body: productInput, response: { 201: product, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await catalog.create(ctxOf(req), req.body)),
  });

  app.patch('/api/products/:idOrSlug', {
    config: { auth: admins },
    schema: { tags, summary: 'Change a product', params: productRef, body: productUpdate, response: { 200: product, ...errors } },
    handler: async (req) => catalog.update(ctxOf(req), req.params.idOrSlug, req.body),
  });

  app.post('/api/products/:idOrSlug/enable', {
    config: { auth: admins },
    schema: { tags, summary: 'Offer a product again', params: productRef, response: { 200: product, ...errors } },
    handler: async (req) => catalog.setEnabled(ctxOf(req), req.params.idOrSlug, true),
  });

  app.post('/api/products/:idOrSlug/disable', {
    config: { auth: admins },
    schema: { tags, summary: 'Stop offering a product (existing services are not touched)', params: productRef, response: { 200: product, ...errors } },
    handler: async (req) => catalog.setEnabled(ctxOf(req), req.params.idOrSlug, false),
  });
}
