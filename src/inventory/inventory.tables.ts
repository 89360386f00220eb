import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';
import type { StoredItemStatus, TemplateAttribute } from './inventory.schemas.js';

export interface InventoryTemplatesTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  /** The template's name in other languages: `{ fr: 'Carte SIM' }`. */
  names: JsonColumn<Record<string, string>>;
  attributes: JsonColumn<TemplateAttribute[]>;
  releaseTo: Generated<'in_stock' | 'retired'>;
  /** Below this many available items the stock is low (stock.low); null: never. */
  lowStockThreshold: Generated<number | null>;
  /** When the available stock went below the threshold (null: it is not low), and the count then. */
  lowStockSince: Generated<string | null>;
  lowStockAvailable: Generated<number | null>;
  createdAt: Generated<string>;
}

export interface InventoryItemsTable {
  id: Generated<number>;
  templateId: number;
  reference: string;
  attributes: JsonColumn<Record<string, string>>;
  status: StoredItemStatus;
  stockStatus: 'new' | 'in_stock' | null;
  reservationHolder: string | null;
  reservedBy: string | null;
  reservationExpiresAt: string | null;
  provisionId: string | null;
  customerId: number | null;
  serviceId: number | null;
  assignedAt: string | null;
  /** A released number is not available before then (NUMBER_QUARANTINE_DAYS); null: never quarantined. */
  quarantinedUntil: Generated<string | null>;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface InventoryTables {
  inventoryTemplates: InventoryTemplatesTable;
  inventoryItems: InventoryItemsTable;
}
