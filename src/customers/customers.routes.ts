import { z } from 'zod';
import { agents, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { idParams, intId, okBody } from '../shared/schemas.js';
import {
  contact,
  contactInput,
  customer,
  customerDetail,
  customerInput,
  customerListQuery,
  customerUpdate,
  paymentMethod,
  paymentMethodInput,
  searchHit,
  searchQuery,
  site,
  siteInput,
} from './customers.schemas.js';
import type { CustomersService } from './customers.service.js';

export function customersRoutes(app: ZodApp, customers: CustomersService): void {
  const tags = ['customers'];

  app.get('/api/customers/search', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'Type-ahead search by name, customer ID, e-mail or phone (R3.1)',
      querystring: searchQuery,
      response: { 200: z.object({ items: z.array(searchHit) }), ...errors },
    },
    handler: async (req) => ({ items: await customers.search(req.query.q, req.query.limit, req.query.type) }),
  });

  app.get('/api/customers', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'List customers, newest first', querystring: customerListQuery, response: { 200: z.object({ items: z.array(customer) }), ...errors } },
    handler: async (req) => ({ items: await customers.list(req.query) }),
  });

  app.post('/api/customers', {
    config: { auth: agents },
    schema: { tags, summary: 'Create a customer (R3.3)', body: customerInput, response: { 201: customer, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await customers.create(ctxOf(req), req.body)),
  });

  app.get('/api/customers/:id', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'A customer with contacts, sites and payment methods', params: idParams, response: { 200: customerDetail, ...errors } },
    handler: async (req) => customers.detail(req.params.id),
  });

  app.patch('/api/customers/:id', {
    config: { auth: agents },
    schema: { tags, summary: 'Change a customer', params: idParams, body: customerUpdate, response: { 200: customer, ...errors } },
    handler: async (req) => customers.update(ctxOf(req), req.params.id, req.body),
  });

  app.post('/api/customers/:id/contacts', {
    config: { auth: agents },
    schema: { tags, summary: 'Add a billing or technical contact (R10.1)', params: idParams, body: contactInput, response: { 201: contact, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await customers.addContact(ctxOf(req), req.params.id, req.body)),
  });

  app.delete('/api/customers/:id/contacts/:contactId', {
    config: { auth: agents },
    schema: { tags, summary: 'Remove a contact', params: z.object({ id: intId, contactId: intId }), response: { 200: okBody, ...errors } },
    handler: async (req) => {
      await customers.removeContact(ctxOf(req), req.params.id, req.params.contactId);
      return { ok: true as const };
    },
  });

  app.post('/api/customers/:id/sites', {
    config: { auth: agents },
    schema: { tags, summary: 'Add an installation site (R10.1)', params: idParams, body: siteInput, response: { 201: site, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await customers.addSite(ctxOf(req), req.params.id, req.body)),
  });

  app.delete('/api/customers/:id/sites/:siteId', {
    config: { auth: agents },
    schema: { tags, summary: 'Remove a site', params: z.object({ id: intId, siteId: intId }), response: { 200: okBody, ...errors } },
    handler: async (req) => {
      await customers.removeSite(ctxOf(req), req.params.id, req.params.siteId);
      return { ok: true as const };
    },
  });

  app.post('/api/customers/:id/payment-methods', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Record a saved card: brand, last four digits and expiry only, never the card number',
      params: idParams,
      body: paymentMethodInput,
      response: { 201: paymentMethod, ...errors },
    },
    handler: async (req, reply) => reply.status(201).send(await customers.addPaymentMethod(ctxOf(req), req.params.id, req.body)),
  });

  app.post('/api/customers/:id/payment-methods/:paymentMethodId/default', {
    config: { auth: agents },
    schema: { tags, summary: 'Make a payment method the default', params: z.object({ id: intId, paymentMethodId: intId }), response: { 200: paymentMethod, ...errors } },
    handler: async (req) => customers.setDefaultPaymentMethod(ctxOf(req), req.params.id, req.params.paymentMethodId),
  });

  app.delete('/api/customers/:id/payment-methods/:paymentMethodId', {
    config: { auth: agents },
    schema: { tags, summary: 'Remove a payment method', params: z.object({ id: intId, paymentMethodId: intId }), response: { 200: okBody, ...errors } },
    handler: async (req) => {
      await customers.removePaymentMethod(ctxOf(req), req.params.id, req.params.paymentMethodId);
      return { ok: true as const };
    },
  });
}
