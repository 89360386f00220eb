import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';
import type { OrderState } from './tmf.lifecycle.js';

export interface TmfProductOrdersTable {
  id: string;
  state: OrderState;
  stateReason: string | null;
  customerId: number | null;
  request: JsonColumn<Record<string, unknown>>;
  orderDate: Generated<string>;
  completionDate: string | null;
  createdBy: string | null;
  updatedAt: Generated<string>;
}

export interface TmfOrderItemsTable {
  orderId: string;
  itemId: string;
  provisionId: string | null;
}

export interface TmfCatalogDraftsTable {
  id: string;
  kind: 'productSpecification' | 'productOffering' | 'productOfferingPrice';
  name: string;
  lifecycleStatus: Generated<string>;
  body: JsonColumn<Record<string, unknown>>;
  createdBy: string | null;
  lastUpdate: Generated<string>;
}

export interface TmfTables {
  tmfProductOrders: TmfProductOrdersTable;
  tmfOrderItems: TmfOrderItemsTable;
  tmfCatalogDrafts: TmfCatalogDraftsTable;
}
