import { defineLifecycle } from '../shared/lifecycle.js';
import type { ProvisionStatus } from '../provisioning/provisioning.schemas.js';
import type { ServiceStatus } from '../services/services.schemas.js';
import type { ItemStatus } from '../inventory/inventory.schemas.js';

/**
 * A TMF622 productOrder's states (the v4 subset Switchboard reaches). An order is written
 * `acknowledged` once the checks passed and its runs are queued (or `rejected` at once when it
 * names nothing Switchboard can provision); it then follows its runs (migration 0017's trigger,
 * `sb_tmf_order_state`, is `orderStateOf` in SQL); cancelProductOrder cancels its failed runs.
 */
export const orderStates = ['acknowledged', 'rejected', 'inProgress', 'completed', 'failed', 'cancelled'] as const;
export type OrderState = (typeof orderStates)[number];

export const orderLifecycle = defineLifecycle<OrderState>('product order', {
  acknowledged: ['inProgress', 'completed', 'failed', 'cancelled'],
  rejected: [],
  inProgress: ['completed', 'failed', 'cancelled'],
  failed: ['inProgress', 'completed', 'cancelled'],
  completed: [],
  cancelled: [],
});

/** The state of an order from its runs' statuses; null when it has none. */
export function orderStateOf(runs: readonly ProvisionStatus[]): OrderState | null {
  if (!runs.length) return null;
  if (runs.some((s) => s === 'failed' || s === 'timed_out')) return 'failed';
  if (runs.every((s) => s === 'cancelled')) return 'cancelled';
  if (runs.every((s) => s === 'succeeded' || s === 'cancelled')) return 'completed';
  if (runs.some((s) => s !== 'queued')) return 'inProgress';
  return 'acknowledged';
}

/** TMF638 service state for a Switchboard service status, and back (for ?state=). */
export const serviceStateOf: Record<ServiceStatus, string> = {
  provisioning: 'designed',
  active: 'active',
  suspended: 'suspended',
  failed: 'inactive',
  expired: 'inactive',
  terminated: 'terminated',
  cancelled: 'terminated',
};

/** TMF637 product status for a Switchboard service status. */
export const productStatusOf: Record<ServiceStatus, string> = {
  provisioning: 'pendingActive',
  active: 'active',
  suspended: 'suspended',
  failed: 'aborted',
  expired: 'pendingTerminate',
  terminated: 'terminated',
  cancelled: 'cancelled',
};

/** TMF639 resourceStatus for an inventory item status. */
export const resourceStatusOf: Record<ItemStatus, string> = {
  new: 'available',
  in_stock: 'available',
  reserved: 'reserved',
  assigned: 'assigned',
  retired: 'retired',
  // A released number held back (NUMBER_QUARANTINE_DAYS): not available, not in use.
  quarantined: 'suspended',
};
