import { z } from 'zod';
import type { Integrations } from '../app.js';
import type { CustomersService } from '../customers/customers.service.js';
import { anyStaff } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { item } from '../inventory/inventory.schemas.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { idParams, timestamp } from '../shared/schemas.js';
import { balanceBody, customerServicesQuery, service, serviceAddon, serviceListQuery, ticket } from './services.schemas.js';
import type { ServicesService } from './services.service.js';

export interface ServicesRouteDeps {
  services: ServicesService;
  customers: CustomersService;
  inventory: InventoryService;
  integrations: Pick<Integrations, 'ocs' | 'tickets' | 'mail'>;
}

export function servicesRoutes(app: ZodApp, d: ServicesRouteDeps): void {
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
      await d.customers.get(req.params.id);
      return { items: await d.services.forCustomer(req.params.id, req.query) };
    },
  });

  app.get('/api/services', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Services, newest first', querystring: serviceListQuery, response: { 200: z.object({ items: z.array(service) }), ...errors } },
    handler: async (req) => ({ items: await d.services.list(req.query) }),
  });

  app.get('/api/services/:id', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'One service', params: idParams, response: { 200: service, ...errors } },
    handler: async (req) => d.services.get(req.params.id),
  });

  app.get('/api/services/:id/inventory', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'The inventory assigned to a service (R13.3)', params: idParams, response: { 200: z.object({ items: z.array(item) }), ...errors } },
    handler: async (req) => {
      await d.services.get(req.params.id);
      return { items: await d.inventory.forService(req.params.id) };
    },
  });

  app.get('/api/services/:id/addons', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'The add-ons on a service, one-off and recurring (R9.3)', params: idParams, response: { 200: z.object({ items: z.array(serviceAddon) }), ...errors } },
    handler: async (req) => {
      await d.services.get(req.params.id);
      return { items: await d.services.addons(req.params.id) };
    },
  });

  app.get('/api/services/:id/balance', {
    config: { auth: anyStaff },
    schema: { tags, summary: "The service's OCS account and balances (R9.3)", params: idParams, response: { 200: balanceBody, ...errors } },
    handler: async (req) => {
      const s = await d.services.get(req.params.id);
      const account = s.ocsAccount ? await d.integrations.ocs.getAccount(s.ocsAccount) : null;
      return { serviceId: s.id, ocsAccount: s.ocsAccount, exists: Boolean(account), balances: account?.balances ?? [], totals: account?.totals ?? {} };
    },
  });

  app.get('/api/services/:id/tickets', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Tickets of a service: the installation visit (R12.2)', params: idParams, response: { 200: z.object({ items: z.array(ticket) }), ...errors } },
    handler: async (req) => {
      await d.services.get(req.params.id);
      return { items: await d.integrations.tickets.forService(req.params.id) };
    },
  });

  app.get('/api/customers/:id/mail', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'E-mails sent to a customer (the welcome e-mail of R13.3)',
      params: idParams,
      response: {
        200: z.object({
          items: z.array(z.object({ id: z.number().int(), toAddress: z.string(), subject: z.string(), body: z.string(), template: z.string().nullable(), serviceId: z.number().int().nullable(), transport: z.string(), status: z.string(), error: z.string().nullable(), createdAt: timestamp, sentAt: timestamp.nullable() })),
        }),
        ...errors,
      },
    },
    handler: async (req) => {
      await d.customers.get(req.params.id);
      return { items: await d.integrations.mail.forCustomer(req.params.id) };
    },
  });
}
