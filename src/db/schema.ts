import type { Kysely, Transaction } from 'kysely';
import type { BillingTables } from '../billing/billing.tables.js';
import type { BulkTables } from '../bulk/bulk.tables.js';
import type { CatalogTables } from '../catalog/catalog.tables.js';
import type { CustomersTables } from '../customers/customers.tables.js';
import type { IntegrationsTables } from '../integrations/integrations.tables.js';
import type { InventoryTables } from '../inventory/inventory.tables.js';
import type { ProvisioningTables } from '../provisioning/provisioning.tables.js';
import type { ServicesTables } from '../services/services.tables.js';
import type { UsersTables } from '../users/users.tables.js';
import type { WebhooksTables } from '../webhooks/webhooks.tables.js';
import type { TmfTables } from '../tmf/tmf.tables.js';

/** The whole schema as Kysely sees it (camelCase; the CamelCasePlugin maps to snake_case). */
export interface DB extends UsersTables, CatalogTables, CustomersTables, InventoryTables, ServicesTables, ProvisioningTables, IntegrationsTables, BillingTables, BulkTables, WebhooksTables, TmfTables {}

/** Anything queries can run on: the database itself or an open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;

/**
 * A jsonb column: read as T, written as a JSON string. `pg` would turn a JS array into a
 * PostgreSQL array literal, so writes always go through `json()`.
 */
export type JsonColumn<T> = import('kysely').ColumnType<T, string | undefined, string>;
export type NullableJsonColumn<T> = import('kysely').ColumnType<T | null, string | null | undefined, string | null>;

export const json = (value: unknown): string => JSON.stringify(value);
