import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';
import type { CustomField, ProductTranslations } from './catalog.schemas.js';

export interface ProductsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  description: Generated<string>;
  category: 'plan' | 'addon';
  serviceType: 'mobile' | 'internet' | 'iptv' | 'voip';
  customerTypes: Array<'individual' | 'business'>;
  enabled: Generated<boolean>;
  billing: 'recurring' | 'one_off';
  setupFee: number;
  recurringPrice: number;
  currency: string;
  contractMonths: Generated<number>;
  /** Terminating mid-period credits the unused days of the period's price (issue 13). */
  prorateOnTermination: Generated<boolean>;
  /** Charged when a service is terminated inside its minimum term (contractMonths from activation), minor units. */
  earlyTerminationFee: Generated<number>;
  features: JsonColumn<string[]>;
  icon: Generated<string>;
  terms: Generated<string>;
  inventoryTemplates: Generated<string[]>;
  playbook: string;
  playbookVars: JsonColumn<Record<string, unknown>>;
  customFields: JsonColumn<CustomField[]>;
  /** The product's text in other languages than the default: `{ fr: { name, description, features, terms } }`. */
  translations: JsonColumn<ProductTranslations>;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface CatalogTables {
  products: ProductsTable;
}
