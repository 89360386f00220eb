import { defineLifecycle } from '../shared/lifecycle.js';
import type { ProvisionStatus, TaskStatus } from './provisioning.schemas.js';

/** A provisioning run. A failed or timed-out run is retried (queued again) or cancelled. */
export const provisionLifecycle = defineLifecycle<ProvisionStatus>('provisioning', {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'timed_out'],
  failed: ['queued', 'cancelled'],
  timed_out: ['queued', 'cancelled'],
  succeeded: [],
  cancelled: [],
});

/**
 * A task of a run. A retry puts failed and rolled-back tasks back to pending and leaves done ones
 * (succeeded, ignored, skipped) alone, so nothing that worked runs twice (R8.3).
 */
export const taskLifecycle = defineLifecycle<TaskStatus>('task', {
  pending: ['running', 'skipped'],
  running: ['succeeded', 'failed', 'ignored', 'pending'],
  failed: ['pending', 'rolled_back'],
  succeeded: ['rolled_back'],
  rolled_back: ['pending'],
  ignored: [],
  skipped: [],
});

/** Task statuses a retry does not run again. */
export const doneTaskStatuses: readonly TaskStatus[] = ['succeeded', 'ignored', 'skipped'];
