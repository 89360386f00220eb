import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';
import type { ItemStatus, TemplateAttribute } from './inventory.schemas.js';

export interface InventoryTemplatesTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  attributes: JsonColumn<TemplateAttribute[]>;
  releaseTo: Generated<'in_stock' | 'retired'>;
  createdAt: Generated<string>;
}

export interface InventoryItemsTable {
  id: Generated<number>;
  templateId: number;
  reference: string;
  attributes: JsonColumn<Record<string, string>>;
  status: ItemStatus;
  stockStatus: 'new' | 'in_stock' | null;
  reservationHolder: string | null;
  reservedBy: string | null;
  reservationExpiresAt: string | null;
  provisionId: string | null;
  customerId: number | null;
  serviceId: number | null;
  assignedAt: string | null;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface InventoryTables {
  inventoryTemplates: InventoryTemplatesTable;
  inventoryItems: InventoryItemsTable;
}
