import { z } from 'zod';
import { searchHit } from '../customers/customers.schemas.js';

/** The console's global search (issue 13): customers, services and runs for one box in the top bar. */
export const globalSearchQuery = z.object({
  q: z.string().max(200).describe('A name, customer or service ID, e-mail, phone, mobile number, ICCID, serial, or a provisioning ID (or its start)'),
  limit: z.coerce.number().int().min(1).max(20).default(5).describe('At most this many of each kind'),
});

export const serviceSearchHit = z
  .object({
    id: z.number().int(),
    name: z.string(),
    serviceType: z.enum(['mobile', 'internet', 'iptv', 'voip']),
    status: z.string(),
    customerId: z.number().int(),
    customerName: z.string(),
    matchedOn: z.enum(['id', 'reference']),
    reference: z.string().nullable().describe('The number, ICCID or serial that matched'),
    template: z.string().nullable().describe('What the reference is: the inventory template'),
    templateNames: z.record(z.string(), z.string()).nullable().describe("The template's name per language"),
  })
  .meta({ id: 'ServiceSearchHit' });
export type ServiceSearchHit = z.infer<typeof serviceSearchHit>;

export const runSearchHit = z
  .object({
    id: z.uuid(),
    kind: z.enum(['new_service', 'addon']),
    status: z.string(),
    productId: z.number().int(),
    productName: z.string(),
    customerId: z.number().int(),
    customerName: z.string(),
    serviceId: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'RunSearchHit' });
export type RunSearchHit = z.infer<typeof runSearchHit>;

export const globalSearchResult = z
  .object({
    customers: z.array(searchHit),
    services: z.array(serviceSearchHit),
    runs: z.array(runSearchHit),
  })
  .meta({ id: 'GlobalSearchResult' });
export type GlobalSearchResult = z.infer<typeof globalSearchResult>;
