import type { Generated } from 'kysely';
import type { JsonColumn, NullableJsonColumn } from '../db/schema.js';
import type { BatchParams, DryRunReport, RowError } from './bulk.schemas.js';
import type { AssignmentInput } from '../provisioning/provisioning.schemas.js';

export type BatchStatus = 'importing' | 'running' | 'paused' | 'completed' | 'cancelled';
/** A started row's status is its provision's. */
export type RowStatus = 'invalid' | 'pending' | 'started' | 'failed' | 'cancelled';

export interface BatchesTable {
  id: string;
  name: string;
  status: BatchStatus;
  params: JsonColumn<BatchParams>;
  concurrency: number;
  totalRows: number;
  goodRows: number;
  badRows: number;
  idempotencyKey: string | null;
  report: NullableJsonColumn<DryRunReport>;
  pumpOwner: Generated<string | null>;
  pumpLeaseUntil: Generated<string | null>;
  createdBy: string | null;
  createdByLabel: string;
  createdAt: Generated<string>;
  finishedAt: Generated<string | null>;
}

export interface BatchRowsTable {
  batchId: string;
  line: number;
  status: RowStatus;
  customerRef: string;
  customerId: number | null;
  input: NullableJsonColumn<AssignmentInput>;
  errors: JsonColumn<RowError[]>;
  provisionId: Generated<string | null>;
  serviceId: Generated<number | null>;
  error: Generated<string | null>;
  errorCode: Generated<string | null>;
  updatedAt: Generated<string>;
}

export interface BulkTables {
  batches: BatchesTable;
  batchRows: BatchRowsTable;
}
