import { z } from 'zod';
import { customerType, messageLanguage, patchOf, timestamp } from '../shared/schemas.js';

export const customerStatus = z.enum(['active', 'suspended', 'closed']);
export const paymentType = z.enum(['card', 'direct_debit', 'invoice', 'prepaid']);

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ().-]{4,24}$/, 'use digits, spaces and an optional leading +, e.g. +44 7700 900123');

export const customer = z
  .object({
    id: z.number().int(),
    type: customerType,
    name: z.string(),
    status: customerStatus,
    email: z.string().nullable(),
    phone: z.string().nullable(),
    paymentType,
    companyNumber: z.string().nullable(),
    paymentCustomerRef: z.string().nullable().describe("The payment provider's customer (Stripe cus_...)"),
    language: messageLanguage.nullable().describe("The language the customer's e-mails are written in; null for the operator's default (English)"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Customer' });
export type Customer = z.infer<typeof customer>;

export const customerInput = z
  .object({
    type: customerType,
    name: z.string().trim().min(1).max(200),
    status: customerStatus.default('active'),
    email: z.email().max(200).nullable().optional(),
    phone: phone.nullable().optional(),
    paymentType: paymentType.default('card'),
    companyNumber: z.string().trim().max(50).nullable().optional(),
    paymentCustomerRef: z.string().trim().max(100).nullable().optional().describe("The payment provider's customer, e.g. Stripe cus_..."),
    language: messageLanguage.nullable().optional().describe("The language of the customer's e-mails (en, fr); null or absent for the operator's default"),
  })
  .meta({ id: 'CustomerCreate' });
export type CustomerInput = z.infer<typeof customerInput>;

export const customerUpdate = patchOf(customerInput).meta({ id: 'CustomerUpdate' });
export type CustomerUpdate = z.infer<typeof customerUpdate>;

export const contactRole = z.enum(['billing', 'technical', 'other']);
export const contact = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    role: contactRole,
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'Contact' });
export const contactInput = z
  .object({
    role: contactRole,
    name: z.string().trim().min(1).max(200),
    email: z.email().max(200).nullable().optional(),
    phone: phone.nullable().optional(),
  })
  .meta({ id: 'ContactCreate' });

export const site = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    name: z.string(),
    addressLine1: z.string(),
    addressLine2: z.string().nullable(),
    city: z.string(),
    postcode: z.string(),
    country: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'Site' });
export const siteInput = z
  .object({
    name: z.string().trim().min(1).max(200).describe('e.g. "London office"'),
    addressLine1: z.string().trim().min(1).max(200),
    addressLine2: z.string().trim().max(200).nullable().optional(),
    city: z.string().trim().min(1).max(100),
    postcode: z.string().trim().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter code such as GB').default('GB'),
  })
  .meta({ id: 'SiteCreate' });

export const paymentMethod = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    brand: z.string(),
    last4: z.string(),
    expMonth: z.number().int(),
    expYear: z.number().int(),
    holderName: z.string().nullable(),
    gatewayRef: z.string().nullable(),
    isDefault: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: 'PaymentMethod' });
export type PaymentMethod = z.infer<typeof paymentMethod>;

/** Strict: a card number sent by mistake is refused, never stored. */
export const paymentMethodInput = z
  .strictObject(
    {
      brand: z.string().trim().min(1).max(30).describe('visa, mastercard, amex...'),
      last4: z.string().regex(/^[0-9]{4}$/, 'the last four digits only, never the card number'),
      expMonth: z.number().int().min(1).max(12),
      expYear: z.number().int().min(2000).max(2100),
      holderName: z.string().trim().max(200).nullable().optional(),
      gatewayRef: z.string().trim().max(200).nullable().optional().describe("The payment gateway's reference for the saved card"),
      isDefault: z.boolean().default(false),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys.join(', ')}: send only the brand, the last four digits and the expiry, never a card number` : undefined) },
  )
  .meta({ id: 'PaymentMethodCreate' });

export const customerDetail = customer
  .extend({
    contacts: z.array(contact),
    sites: z.array(site),
    paymentMethods: z.array(paymentMethod),
  })
  .meta({ id: 'CustomerDetail' });
export type CustomerDetail = z.infer<typeof customerDetail>;
export type Contact = z.infer<typeof contact>;
export type Site = z.infer<typeof site>;

export const searchHit = z
  .object({
    id: z.number().int(),
    type: customerType,
    name: z.string(),
    status: customerStatus,
    email: z.string().nullable(),
    phone: z.string().nullable(),
    matchedOn: z.enum(['id', 'name', 'email', 'phone']),
  })
  .meta({ id: 'CustomerSearchHit' });
export type SearchHit = z.infer<typeof searchHit>;

export const searchQuery = z.object({
  q: z.string().max(200).describe('Name, customer ID, e-mail address or phone number (R3.1)'),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  type: customerType.optional(),
});

export const customerListQuery = z.object({
  type: customerType.optional(),
  status: customerStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
