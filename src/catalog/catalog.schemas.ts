import { z } from 'zod';
import { customerType, intId, language, patchOf, regexSource, serviceType, timestamp } from '../shared/schemas.js';

export const productCategory = z.enum(['plan', 'addon']);
export const billingKind = z
  .enum(['recurring', 'one_off'])
  .describe('recurring: charged every month (auto-renew defaults to Yes); one_off: charged once (defaults to No)');


export const customField = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'use lower-case letters, digits and _ (e.g. po_number)'),
    label: z.string().min(1).max(100),
    type: z.enum(['text', 'date', 'number']).default('text'),
    required: z.boolean().default(false),
    pattern: regexSource.optional().describe('A regular expression the whole value must match'),
    help: z.string().max(300).optional().describe('Shown under the field, e.g. the expected format'),
    customerTypes: z.array(customerType).min(1).optional().describe('Asked only of these customer types (a PO number of businesses); all if left out'),
  })
  .meta({ id: 'CustomField' });
export type CustomField = z.infer<typeof customField>;

/** A product's text in another language (R13): what is left out is shown in the default language. */
export const productTranslation = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().max(2000),
    features: z.array(z.string().min(1).max(200)).max(30),
    terms: z.string().max(5000),
    customFields: z
      .record(z.string(), z.object({ label: z.string().min(1).max(100), help: z.string().max(300) }).partial())
      .describe('Custom fields\' labels and help by field name, e.g. {"po_number": {"label": "Numéro de bon de commande"}}'),
  })
  .partial()
  .meta({ id: 'ProductTranslation' });
export const productTranslations = z
  .record(language, productTranslation)
  .describe('The product\'s text per language other than the default, e.g. {"fr": {"name": "Mobile - forfait 20 Go"}}');
export type ProductTranslations = z.infer<typeof productTranslations>;

const money = z.number().int().min(0).max(100_000_000).describe('Integer minor units (pence, cents)');

export const productInput = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lower-case letters, digits and dashes (e.g. mobile-20gb)')
      .refine((s) => !/^[0-9]+$/.test(s), 'must contain a letter')
      .max(80),
    name: z.string().trim().min(1).max(120),
    description: z.string().max(2000).default(''),
    category: productCategory,
    serviceType,
    customerTypes: z.array(customerType).min(1).transform((a) => [...new Set(a)]),
    enabled: z.boolean().default(true),
    billing: billingKind,
    setupFee: money,
    recurringPrice: money,
    currency: z.string().regex(/^[A-Z]{3}$/, 'use an ISO 4217 code such as GBP'),
    contractMonths: z.number().int().min(0).max(120).default(0).describe('0: no minimum term'),
    prorateOnTermination: z.boolean().default(true).describe('Terminating mid-period credits the unused days of the current period, pro rata by day; false: the period is kept whole'),
    earlyTerminationFee: money.default(0).describe('Charged when the service is terminated inside its minimum term (contractMonths from activation); 0: none'),
    features: z.array(z.string().min(1).max(200)).max(30).default([]),
    icon: z.string().max(64).default(''),
    terms: z.string().max(5000).default(''),
    inventoryTemplates: z
      .array(z.string().min(1).max(100))
      .max(10)
      .default([])
      .describe('Names of the inventory templates the product needs, e.g. ["SIM Card", "Mobile Number"]'),
    playbook: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a playbook name such as mobile-new').max(100),
    playbookVars: z.record(z.string(), z.unknown()).default({}),
    customFields: z.array(customField).max(20).default([]),
    translations: productTranslations.default({}),
  })
  .meta({ id: 'ProductCreate' });
export type ProductInput = z.infer<typeof productInput>;

export const productUpdate = patchOf(productInput).meta({ id: 'ProductUpdate' });
export type ProductUpdate = z.infer<typeof productUpdate>;

export const product = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    category: productCategory,
    serviceType,
    customerTypes: z.array(customerType),
    enabled: z.boolean(),
    billing: billingKind,
    setupFee: z.number().int(),
    recurringPrice: z.number().int(),
    currency: z.string(),
    contractMonths: z.number().int(),
    prorateOnTermination: z.boolean(),
    earlyTerminationFee: z.number().int(),
    features: z.array(z.string()),
    icon: z.string(),
    terms: z.string(),
    inventoryTemplates: z.array(z.string()),
    playbook: z.string(),
    playbookVars: z.record(z.string(), z.unknown()),
    customFields: z.array(customField),
    translations: productTranslations,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof product>;

export const productFilters = z.object({
  category: productCategory.optional(),
  customerType: customerType.optional(),
  serviceType: serviceType.optional(),
  enabled: z.enum(['true', 'false', 'all']).default('true').describe('Only enabled products unless asked otherwise (R2.4)'),
  q: z.string().max(100).optional().describe('Matches the name or slug'),
});
export type ProductFilters = z.infer<typeof productFilters>;

export const productRef = z.object({
  idOrSlug: z.string().min(1).max(80).describe('A product ID (digits) or slug'),
});

export { intId };
