import { defineLifecycle } from '../shared/lifecycle.js';
import type { DeliveryStatus } from './webhooks.schemas.js';

/**
 * A delivery's life (one event to one endpoint). A sender claims a pending one (sending, under a
 * lease); the answer makes it delivered (2xx), pending again for its next attempt, or failed once
 * the retry schedule is spent. A sending delivery whose lease ran out (its sender died) is claimed
 * again by another (sending to sending). A pending one fails when its endpoint is disabled. "Send
 * again" queues a delivered or failed one once more, with the same event ID.
 */
export const deliveryLifecycle = defineLifecycle<DeliveryStatus>('webhook delivery', {
  pending: ['sending', 'failed'],
  sending: ['delivered', 'pending', 'failed', 'sending'],
  delivered: ['pending'],
  failed: ['pending'],
});

/** What "Send again" takes: finished deliveries (a pending or sending one is on its way already). */
export const resendable = ['delivered', 'failed'] as const satisfies readonly DeliveryStatus[];
