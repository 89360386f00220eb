import { z } from 'zod';
import type { Integrations } from '../app.js';
import { charge, terminationQuote } from '../billing/billing.schemas.js';
import type { BillingService } from '../billing/billing.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import { agents, anyStaff, ctxOf } from '../http/auth.js';
import { type LifecycleAction, lifecycleActions, type LifecycleService } from '../provisioning/lifecycle.service.js';
import { progress } from '../provisioning/provisioning.schemas.js';
import { errors, type ZodApp } from '../http/types.js';
import { item } from '../inventory/inventory.schemas.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { TaskError } from '../integrations/errors.js';
import { AppError } from '../shared/errors.js';
import { idParams, timestamp } from '../shared/schemas.js';
import { balanceBody, customerServicesQuery, service, serviceAddon, serviceListQuery, servicePage, ticket } from './services.schemas.js';
import type { ProvisioningService } from '../provisioning/provisioning.service.js';
import type { ServicesService } from './services.service.js';

export interface ServicesRouteDeps {
  services: ServicesService;
  customers: CustomersService;
  inventory: InventoryService;
  integrations: Pick<Integrations, 'ocs' | 'tickets' | 'mail'>;
  lifecycle: LifecycleService;
  billing: BillingService;
  provisioning: Pick<ProvisioningService, 'list'>;
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

  app.get('/api/services/:id/page', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: "The service page's data in one answer: the service, its customer, site and contacts, inventory, add-ons, charges and runs (the balance and tickets come from their own systems: /balance, /tickets)",
      params: idParams,
      response: { 200: servicePage, ...errors },
    },
    handler: async (req) => {
      const s = await d.services.get(req.params.id);
      const [customer, inventory, addons, charges, history] = await Promise.all([
        d.customers.detail(s.customerId),
        d.inventory.forService(s.id),
        d.services.addons(s.id),
        d.billing.forService(s.id),
        d.provisioning.list({ serviceId: s.id, limit: 50 }),
      ]);
      const contact = (id: number | null) => customer.contacts.find((c) => c.id === id) ?? null;
      return {
        service: s,
        customer: { id: customer.id, name: customer.name, type: customer.type, status: customer.status },
        site: customer.sites.find((x) => x.id === s.siteId) ?? null,
        billingContact: contact(s.billingContactId),
        technicalContact: contact(s.technicalContactId),
        inventory,
        addons,
        charges,
        history,
      };
    },
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
      let account: Awaited<ReturnType<typeof d.integrations.ocs.getAccount>> = null;
      try {
        account = s.ocsAccount ? await d.integrations.ocs.getAccount(s.ocsAccount) : null;
      } catch (e) {
        // The OCS down is the OCS's failure, said as such (503), not the console's (500).
        if (e instanceof TaskError) throw new AppError('UPSTREAM_UNAVAILABLE', e.message, e.hint ?? 'Try again in a moment.', { system: 'ocs', code: e.code });
        throw e;
      }
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

  app.patch('/api/services/:id', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Switch auto-renew (R5.1): Yes renews and charges each period; No expires at the end of the contract',
      params: idParams,
      body: z.strictObject({ autoRenew: z.boolean() }),
      response: { 200: service, ...errors },
    },
    handler: async (req) => d.services.setAutoRenew(ctxOf(req), req.params.id, req.body.autoRenew),
  });

  const summaries: Record<LifecycleAction, string> = {
    suspend: 'Suspend: the OCS account is disabled, the service stops working until unsuspended',
    unsuspend: 'Unsuspend: the OCS account is enabled again',
    renew: 'Renew by hand an expired service: its price is charged, a new period starts, the OCS account is enabled',
    expire: 'Expire now: the OCS account is disabled; the service can be renewed by hand',
    terminate: 'Terminate: the OCS account is removed, the inventory released (numbers back in stock after their quarantine, SIM cards retired), and the final bill settled (GET /api/services/:id/termination-quote)',
  };
  for (const action of Object.keys(lifecycleActions) as LifecycleAction[]) {
    app.post(`/api/services/:id/${action}`, {
      config: { auth: agents },
      schema: {
        tags,
        summary: `${summaries[action]}. Runs the playbook ${lifecycleActions[action].playbook}; 409 when the service's status does not allow it`,
        params: idParams,
        headers: z.object({ 'idempotency-key': z.string().min(8, 'send one key per confirmation, e.g. a UUID').max(200).optional().describe('The same key gives the same run back (a double click)') }),
        body: z.object({ reason: z.string().trim().min(1).max(100).optional() }).optional(),
        response: { 200: progress, ...errors },
      },
      handler: async (req) => d.lifecycle.start(ctxOf(req), req.params.id, action, req.body?.reason ?? 'staff', req.headers['idempotency-key']),
    });
  }

  app.post('/api/services/:id/test', {
    config: { auth: agents },
    schema: {
      tags,
      summary: "Test the service (the seed's last check): its type's diagnostic playbook runs read-only checks (mobile: the SIM on the HLR/HSS, attached, the OCS account and balance; internet: the RADIUS user, the modem seen; IPTV, VoIP: their systems know the subscriber); each check's result is in the run's tasks and stays on the service's history. 409 for a service that is not active or suspended",
      params: idParams,
      headers: z.object({ 'idempotency-key': z.string().min(8, 'send one key per click, e.g. a UUID').max(200).optional() }),
      body: z.object({}).optional(),
      response: { 200: progress, ...errors },
    },
    handler: async (req) => d.lifecycle.test(ctxOf(req), req.params.id, req.headers['idempotency-key']),
  });

  app.get('/api/services/:id/termination-quote', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: "What terminating the service today credits (the current period's unused days, pro rata by day, unless the product says not) and charges (the early termination fee inside the minimum term): what the terminate run then writes. 409 for a service that cannot be terminated",
      params: idParams,
      response: { 200: terminationQuote, ...errors },
    },
    handler: async (req) => d.billing.terminationQuote(req.params.id),
  });

  app.get('/api/services/:id/charges', {
    config: { auth: anyStaff },
    schema: { tags, summary: "A service's charges", params: idParams, response: { 200: z.object({ items: z.array(charge) }), ...errors } },
    handler: async (req) => {
      const s = await d.services.get(req.params.id);
      return { items: (await d.billing.forCustomer(s.customerId)).charges.filter((c) => c.serviceId === s.id) };
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
