import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';
import type { DeliveryStatus } from './webhooks.schemas.js';

export interface WebhookEndpointsTable {
  id: string;
  /** 'webhook' (Standard Webhooks); other kinds of listener are shaped and signed their own way. */
  kind: Generated<string>;
  url: string;
  description: Generated<string>;
  events: string[];
  /** Sealed with SecretBox; never leaves the server but at creation and rotation. */
  secretSealed: string | null;
  previousSecretSealed: Generated<string | null>;
  previousSecretUntil: Generated<string | null>;
  enabled: Generated<boolean>;
  createdBy: string | null;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface WebhookEventsTable {
  id: string;
  type: string;
  occurredAt: Generated<string>;
  data: JsonColumn<Record<string, unknown>>;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  eventId: string;
  endpointId: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  nextAttemptAt: string | null;
  leaseOwner: Generated<string | null>;
  leaseUntil: Generated<string | null>;
  lastAttemptAt: Generated<string | null>;
  lastStatus: Generated<number | null>;
  lastResponse: Generated<string | null>;
  lastError: Generated<string | null>;
  lastDurationMs: Generated<number | null>;
  deliveredAt: Generated<string | null>;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface WebhooksTables {
  webhookEndpoints: WebhookEndpointsTable;
  webhookEvents: WebhookEventsTable;
  webhookDeliveries: WebhookDeliveriesTable;
}
