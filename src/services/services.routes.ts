import { z } from 'zod';
import type { CustomersService } from '../customers/customers.service.js';
import { anyStaff } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { idParams } from '../shared/schemas.js';
import { customerServicesQuery, service, serviceListQuery } from './services.schemas.js';
import type { ServicesService } from './services.service.js';

export function servicesRoutes(app: ZodApp, services: ServicesService, customers: CustomersService): void {
  const tags = ['services'];

  app.get('/api/customers/:id/services', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: "A customer's services, optionally of one service type (R9.1)",
      params: idParams,
      querystring: customerServicesQuery,
      response: { 200: z.object({ items: z.array(service) }), ...errors },
    },
    handler: async (req) => {
      await customers.get(req.params.id);
      return { items: await services.forCustomer(req.params.id, req.query) };
    },
  });

  app.get('/api/services', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Services, newest first', querystring: serviceListQuery, response: { 200: z.object({ items: z.array(service) }), ...errors } },
    handler: async (req) => ({ items: await services.list(req.query) }),
  });

  app.get('/api/services/:id', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'One service', params: idParams, response: { 200: service, ...errors } },
    handler: async (req) => services.get(req.params.id),
  });
}
