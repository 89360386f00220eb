import { z } from 'zod';
import { charge } from '../billing/billing.schemas.js';
import { contact, site } from '../customers/customers.schemas.js';
import { item } from '../inventory/inventory.schemas.js';
import { provisionSummary } from '../provisioning/provisioning.schemas.js';
import { serviceType, timestamp } from '../shared/schemas.js';

export const serviceStatus = z
  .enum(['provisioning', 'active', 'failed', 'suspended', 'expired', 'terminated', 'cancelled'])
  .describe('provisioning until its playbook succeeds; failed if it did not (the record stays, R8.2)');
export type ServiceStatus = z.infer<typeof serviceStatus>;

export const service = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    productId: z.number().int(),
    productName: z.string(),
    serviceType,
    siteId: z.number().int().nullable(),
    billingContactId: z.number().int().nullable(),
    technicalContactId: z.number().int().nullable(),
    name: z.string().describe('e.g. "Mobile - +44 7700 900123"'),
    status: serviceStatus,
    autoRenew: z.boolean(),
    contractEnd: z.string().nullable(),
    customFields: z.record(z.string(), z.string()),
    ocsAccount: z.string().nullable(),
    createdAt: timestamp,
    activatedAt: timestamp.nullable(),
    updatedAt: timestamp,
    currentPeriodStart: z.string().nullable().describe('The billing period being served (YYYY-MM-DD)'),
    currentPeriodEnd: z.string().nullable().describe('When it renews (auto-renew) or expires'),
    statusReason: z.string().nullable().describe('Why it is suspended or ended: non_payment, staff, contract_end...'),
    endedAt: timestamp.nullable(),
  })
  .meta({ id: 'Service' });
export type Service = z.infer<typeof service>;

export const customerServicesQuery = z.object({
  serviceType: serviceType.optional().describe('Only services of this type (R9.1: a mobile add-on goes on a mobile service)'),
  status: serviceStatus.optional(),
});

export const serviceListQuery = z.object({
  status: serviceStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const serviceAddon = z
  .object({
    id: z.number().int(),
    serviceId: z.number().int(),
    productId: z.number().int(),
    productName: z.string(),
    provisionId: z.string(),
    billing: z.enum(['recurring', 'one_off']),
    status: z.enum(['active', 'removed']),
    createdAt: timestamp,
  })
  .meta({ id: 'ServiceAddon' });
export type ServiceAddon = z.infer<typeof serviceAddon>;

export const balanceBody = z
  .object({
    serviceId: z.number().int(),
    ocsAccount: z.string().nullable(),
    exists: z.boolean().describe('Whether the OCS has the account'),
    balances: z.array(z.object({ id: z.string(), type: z.string(), unit: z.string(), amount: z.number() })),
    totals: z.record(z.string(), z.number()).describe('Sums by "type:unit", e.g. { "data:MB": 25600 }'),
  })
  .meta({ id: 'ServiceBalance' });
export type ServiceBalance = z.infer<typeof balanceBody>;

export const ticket = z
  .object({
    id: z.number().int(),
    serviceId: z.number().int().nullable(),
    customerId: z.number().int().nullable(),
    queue: z.string(),
    subject: z.string(),
    dueDate: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    status: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'Ticket' });
export type Ticket = z.infer<typeof ticket>;

/**
 * Everything the service page shows that Switchboard itself holds, in one answer (issue 13): the
 * balance (the OCS) and the tickets (the ticketing system) are asked of their systems apart, so
 * that a slow outside system never holds the page back.
 */
export const servicePage = z
  .object({
    service,
    customer: z.object({ id: z.number().int(), name: z.string(), type: z.enum(['individual', 'business']), status: z.string() }),
    site: site.nullable(),
    billingContact: contact.nullable(),
    technicalContact: contact.nullable(),
    inventory: z.array(item),
    addons: z.array(serviceAddon),
    charges: z.array(charge),
    history: z.array(provisionSummary),
  })
  .meta({ id: 'ServicePage' });
export type ServicePage = z.infer<typeof servicePage>;
