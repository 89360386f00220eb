import { defineLifecycle } from '../shared/lifecycle.js';
import type { StoredItemStatus as ItemStatus } from './inventory.schemas.js';

/**
 * An inventory item's life. `reserved` covers both a wizard's timed hold (R4.3) and a provision's
 * hold; a reservation that ends returns the item to the status it had (new or in stock).
 */
export const itemLifecycle = defineLifecycle<ItemStatus>('inventory item', {
  new: ['in_stock', 'reserved', 'retired'],
  in_stock: ['reserved', 'retired'],
  reserved: ['new', 'in_stock', 'assigned'],
  assigned: ['in_stock', 'retired'],
  retired: [],
});

export const availableStatuses = ['new', 'in_stock'] as const satisfies readonly ItemStatus[];

/**
 * Numbers (items of a template with an `msisdn` attribute) freed by a terminated service are
 * quarantined (issue 13): back in stock, but not available until `quarantined_until`. SIM cards
 * and CPE are released as before.
 */
export const isNumberTemplate = (attributes: readonly { name: string }[]) => attributes.some((a) => a.name === 'msisdn');
