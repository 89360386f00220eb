import type { Generated } from 'kysely';
import type { JsonColumn } from '../db/schema.js';

export interface TicketsTable {
  id: Generated<number>;
  idempotencyKey: string;
  serviceId: number | null;
  customerId: number | null;
  queue: string;
  subject: string;
  dueDate: string | null;
  details: JsonColumn<Record<string, unknown>>;
  status: Generated<'open' | 'scheduled' | 'done' | 'cancelled'>;
  createdAt: Generated<string>;
}

export interface MailOutboxTable {
  id: Generated<number>;
  idempotencyKey: string;
  toAddress: string;
  subject: string;
  body: string;
  template: string | null;
  customerId: number | null;
  serviceId: number | null;
  transport: string;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  error: string | null;
  createdAt: Generated<string>;
  sentAt: string | null;
  claimedUntil: Generated<string | null>;
}

export interface SimulatorSettingsTable {
  system: string;
  latencyMs: number;
  failure: 'unreachable' | 'error' | 'timeout' | null;
  updatedAt: Generated<string>;
}

export interface SimOcsAccountsTable {
  account: string;
  plan: string | null;
  status: Generated<string>;
  createdAt: Generated<string>;
}

export interface SimOcsBalancesTable {
  account: string;
  balanceId: string;
  type: string;
  unit: string;
  amount: string | number;
  createdAt: Generated<string>;
}

export interface SimNetworkElementsTable {
  kind: string;
  key: string;
  data: JsonColumn<Record<string, unknown>>;
  createdAt: Generated<string>;
}

export interface SimCallsTable {
  id: Generated<number>;
  system: string;
  operation: string;
  key: string | null;
  outcome: string;
  occurredAt: Generated<string>;
  startedAt: string | null;
  /** When the simulated system answered (the end of the call's latency). */
  endedAt: string | null;
}

export interface TestGatewayChargesTable {
  idempotencyKey: string;
  card: string;
  amount: number;
  currency: string;
  outcome: string;
  reference: string;
  createdAt: Generated<string>;
}

export interface TestClockTable {
  id: Generated<boolean>;
  offsetMs: number;
  updatedAt: Generated<string>;
}

export interface IntegrationsTables {
  testGatewayCharges: TestGatewayChargesTable;
  testClock: TestClockTable;
  tickets: TicketsTable;
  mailOutbox: MailOutboxTable;
  simulatorSettings: SimulatorSettingsTable;
  simOcsAccounts: SimOcsAccountsTable;
  simOcsBalances: SimOcsBalancesTable;
  simNetworkElements: SimNetworkElementsTable;
  simCalls: SimCallsTable;
}
