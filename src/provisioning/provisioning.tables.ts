import type { Generated } from 'kysely';
import type { JsonColumn, NullableJsonColumn } from '../db/schema.js';
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
  action: string;
  status: TaskStatus;
  attempts: Generated<number>;
  output: NullableJsonColumn<Record<string, unknown>>;
  undo: NullableJsonColumn<Record<string, unknown>>;
  log: JsonColumn<LogLine[]>;
  error: string | null;
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

export interface ProvisioningTables {
  provisions: ProvisionsTable;
  provisionTasks: ProvisionTasksTable;
  provisionEvents: ProvisionEventsTable;
}
