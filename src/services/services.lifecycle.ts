import { defineLifecycle } from '../shared/lifecycle.js';
import type { ServiceStatus } from './services.schemas.js';

/**
 * A service's life. It is created `provisioning`; its playbook makes it `active` or leaves it
 * `failed` (the record stays, R8.2); a failed service is retried (back to provisioning) or
 * cancelled, which releases its inventory. A run cancelled before it started (a cancelled
 * batch, R11.4) cancels its service straight from provisioning.
 */
export const serviceLifecycle = defineLifecycle<ServiceStatus>('service', {
  provisioning: ['active', 'failed', 'cancelled'],
  failed: ['provisioning', 'cancelled'],
  active: ['suspended', 'expired', 'terminated'],
  suspended: ['active', 'terminated'],
  expired: ['active', 'terminated'],
  terminated: [],
  cancelled: [],
});
