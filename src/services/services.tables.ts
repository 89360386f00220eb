import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';
import type { ServiceStatus } from './services.schemas.js';

export interface ServicesTable {
  id: Generated<number>;
  customerId: number;
  productId: number;
  serviceType: 'mobile' | 'internet' | 'iptv' | 'voip';
  siteId: number | null;
  billingContactId: number | null;
  technicalContactId: number | null;
  name: string;
  status: ServiceStatus;
  autoRenew: boolean;
  contractEnd: string | null;
  customFields: JsonColumn<Record<string, string>>;
  ocsAccount: string | null;
  createdAt: Generated<string>;
  activatedAt: string | null;
  updatedAt: Generated<string>;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  statusReason: string | null;
  endedAt: string | null;
}

export interface ServiceAddonsTable {
  id: Generated<number>;
  serviceId: number;
  productId: number;
  provisionId: string;
  billing: 'recurring' | 'one_off';
  status: Generated<'active' | 'removed'>;
  createdAt: Generated<string>;
}

export interface ServicesTables {
  services: ServicesTable;
  serviceAddons: ServiceAddonsTable;
}
