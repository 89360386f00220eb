import { z } from 'zod';
import { intId, language, regexSource, timestamp } from '../shared/schemas.js';

/** The statuses an item row holds. */
export type StoredItemStatus = 'new' | 'in_stock' | 'reserved' | 'assigned' | 'retired';

export const itemStatus = z
  .enum(['new', 'in_stock', 'reserved', 'assigned', 'retired', 'quarantined'])
  .describe('new and in_stock are available (R4.2); reserved is held by an assignment; assigned belongs to a service; quarantined: a number freed by a terminated service, held back until quarantinedUntil');
export type ItemStatus = z.infer<typeof itemStatus>;

export const templateAttribute = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _ (e.g. iccid)'),
    label: z.string().min(1).max(60).describe('e.g. ICCID'),
    required: z.boolean().default(true),
    pattern: regexSource.optional().describe('A regular expression the whole value must match'),
  })
  .meta({ id: 'TemplateAttribute' });
export type TemplateAttribute = z.infer<typeof templateAttribute>;

/** A template's name in other languages than the default (R13): `{"fr": "Carte SIM"}`. */
const templateNames = z.record(language, z.string().trim().min(1).max(100)).describe('The name per language other than the default, e.g. {"fr": "Carte SIM"}');

export const template = z
  .object({
    id: z.number().int(),
    name: z.string(),
    names: templateNames,
    description: z.string(),
    attributes: z.array(templateAttribute),
    releaseTo: z.enum(['in_stock', 'retired']).describe('Where an item goes when its service ends: numbers back in stock, SIM cards retired'),
    lowStockThreshold: z.number().int().nullable().describe('Fewer available items than this is low stock (the stock.low webhook); null: never low'),
    lowStockSince: timestamp.nullable().describe('Since when the available stock is below the threshold; null: it is not'),
    createdAt: timestamp,
  })
  .meta({ id: 'InventoryTemplate' });
export type Template = z.infer<typeof template>;

const lowStockThreshold = z.number().int().min(0).max(1_000_000).nullable().describe('Fewer available items than this is low stock (stock.low); null: never low');

export const templateInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    names: templateNames.default({}),
    description: z.string().max(500).default(''),
    attributes: z.array(templateAttribute).max(20).default([]),
    releaseTo: z.enum(['in_stock', 'retired']).default('in_stock'),
    lowStockThreshold: lowStockThreshold.default(null),
  })
  .meta({ id: 'InventoryTemplateCreate' });

export const templateUpdate = z
  .object({ description: z.string().max(500), names: templateNames, lowStockThreshold })
  .partial()
  .meta({ id: 'InventoryTemplateUpdate' });

export const reservation = z
  .object({
    holder: z.string().nullable().describe('The assignment holding the item'),
    expiresAt: timestamp.nullable().describe('null once a provision holds the item'),
    provisionId: z.string().nullable(),
  })
  .meta({ id: 'Reservation' });

export const item = z
  .object({
    id: z.number().int(),
    templateId: z.number().int(),
    templateName: z.string(),
    reference: z.string(),
    attributes: z.record(z.string(), z.string()),
    status: itemStatus.describe('The status now: a reservation past its expiry counts as available again'),
    label: z.string().describe('How the item is shown in a selector, e.g. "SIM-00123 - ICCID 8944...0001 (New)"'),
    reservation: reservation.nullable(),
    customerId: z.number().int().nullable(),
    serviceId: z.number().int().nullable(),
    assignedAt: timestamp.nullable(),
    quarantinedUntil: timestamp.nullable().describe('A quarantined number is available again from then (NUMBER_QUARANTINE_DAYS after its service was terminated); null otherwise'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'InventoryItem' });
export type Item = z.infer<typeof item>;

export const availableQuery = z.object({
  template: z.string().min(1).max(100).describe('The inventory template name the product requires, e.g. "SIM Card"'),
  q: z.string().max(100).optional().describe('Part of the reference or an attribute (ICCID, MSISDN, serial)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const stockSummary = z
  .object({ new: z.number().int(), in_stock: z.number().int(), reserved: z.number().int(), assigned: z.number().int(), retired: z.number().int(), quarantined: z.number().int() })
  .meta({ id: 'StockSummary' });

export const templateSummary = z
  .object({
    template,
    available: z.number().int().describe('Items that can be picked now: new, in stock, or a lapsed hold (not quarantined)'),
    counts: stockSummary,
    nextReturn: timestamp.nullable().describe('When the first quarantined number becomes available again'),
  })
  .meta({ id: 'InventoryTemplateSummary' });
export type TemplateSummary = z.infer<typeof templateSummary>;

export const availableBody = z
  .object({
    template,
    items: z.array(item),
    available: z.number().int().describe('How many items can be picked in all'),
    summary: stockSummary.describe('Items of this template by status: says why nothing is available (R4.5)'),
  })
  .meta({ id: 'AvailableInventory' });
export type AvailableInventory = z.infer<typeof availableBody>;

export const itemListQuery = z.object({
  template: z.string().max(100).optional().describe('A template name, e.g. "Mobile Number"'),
  status: itemStatus.optional().describe('The status now (a lapsed hold counts as available, a quarantined number as quarantined)'),
  q: z.string().max(100).optional().describe('Part of the reference or an attribute (ICCID, number, serial)'),
  serviceId: intId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

export const itemPage = z
  .object({
    items: z.array(item),
    total: z.number().int().describe('How many items match the filters in all'),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'InventoryItemPage' });
export type ItemPage = z.infer<typeof itemPage>;

export const itemsInput = z
  .object({
    template: z.string().min(1).max(100).describe('Template name'),
    items: z
      .array(
        z.object({
          reference: z.string().trim().min(1).max(100),
          attributes: z.record(z.string(), z.string().max(200)).default({}),
          status: z.enum(['new', 'in_stock']).default('new'),
        }),
      )
      .min(1)
      .max(10_000),
  })
  .meta({ id: 'InventoryItemsCreate' });
export type ItemsInput = z.infer<typeof itemsInput>;

export const reserveInput = z
  .object({
    holder: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{8,100}$/, '8 to 100 letters, digits, dashes (use one UUID per assignment)')
      .describe('Identifies the assignment (wizard) holding the item; reuse it for every item and for POST /api/provisions'),
    ttlSeconds: z.number().int().min(10).max(86_400).optional().describe('How long the hold lasts; the server default otherwise'),
  })
  .meta({ id: 'ReserveRequest' });

export const holderParams = z.object({ holder: reserveInput.shape.holder });
