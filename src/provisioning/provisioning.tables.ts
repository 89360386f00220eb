import type { Generated } from 'kysely';
import type { JsonColumn, NullableJsonColumn } from '../db/schema.js';
import type { KeyedText } from '../integrations/errors.js';
import type { Playbook } from './playbooks/playbook.schema.js';
import type { ProvisionStatus, RunVariables, TaskStatus } from './provisioning.schemas.js';

export interface ProvisionsTable {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  kind: 'new_service' | 'addon' | 'lifecycle';
  status: ProvisionStatus;
  customerId: number;
  productId: number;
  serviceId: number | null;
  playbook: string;
  playbookSnapshot: JsonColumn<Playbook>;
  variables: JsonColumn<RunVariables>;
  attempt: Generated<number>;
  timeoutSeconds: number;
  deadlineAt: string | null;
  failedTask: number | null;
  errorCode: string | null;
  error: string | null;
  errorHint: string | null;
  requestedBy: string | null;
  requestedByLabel: string;
  batchId: Generated<string | null>;
  /** The group running it (a running run), or that ran its last attempt. */
  groupId: Generated<string | null>;
  /** Runs of one playbook as it was confirmed share a key, and so can share a group. */
  playbookKey: string;
  /** Cancelled: what it did outside is still to be undone (an undo group takes it). */
  undoPending: Generated<boolean>;
  undoGroupId: Generated<string | null>;
  /** The W3C traceparent of the request that confirmed or last retried it (issue 12). */
  traceParent: Generated<string | null>;
  createdAt: Generated<string>;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: Generated<string>;
}

export interface LogLine {
  at: string;
  line: string;
}

export interface ProvisionTasksTable {
  provisionId: string;
  seq: number;
  name: string;
  /** The name rendered in each other language the playbook gives (`{ fr: '...' }`); null when it gives none. */
  names: NullableJsonColumn<Record<string, string>>;
  action: string;
  status: TaskStatus;
  attempts: Generated<number>;
  output: NullableJsonColumn<Record<string, unknown>>;
  undo: NullableJsonColumn<Record<string, unknown>>;
  log: JsonColumn<LogLine[]>;
  error: string | null;
  /** The failure as keyed clauses, for the reader's language; null when only English. */
  errorText: NullableJsonColumn<{ text: KeyedText; hintText?: KeyedText; hint?: string }>;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ProvisionEventsTable {
  id: Generated<number>;
  provisionId: string;
  occurredAt: Generated<string>;
  attempt: number;
  taskSeq: number | null;
  status: string;
  message: string | null;
}

export interface ProvisionGroupsTable {
  id: string;
  kind: 'run' | 'undo';
  owner: string;
  leaseUntil: string;
  createdAt: Generated<string>;
  finishedAt: string | null;
}

export interface WorkersTable {
  id: string;
  pid: number | null;
  host: string | null;
  concurrency: number;
  startedAt: Generated<string>;
  heartbeatAt: Generated<string>;
  draining: Generated<boolean>;
}

export interface SystemSlotsTable {
  system: string;
  holder: string;
  slots: number;
  until: string;
}

export interface SystemRatesTable {
  system: string;
  tokens: number;
  refilledAt: string;
}

export interface ProvisioningTables {
  provisionGroups: ProvisionGroupsTable;
  workers: WorkersTable;
  systemSlots: SystemSlotsTable;
  systemRates: SystemRatesTable;
  provisions: ProvisionsTable;
  provisionTasks: ProvisionTasksTable;
  provisionEvents: ProvisionEventsTable;
}
