import { z } from 'zod';
import { defineAction } from './action.js';

/** Gives back the service's inventory, as each template says: numbers back in stock (in quarantine first, NUMBER_QUARANTINE_DAYS), SIM cards retired. */
export const inventoryRelease = defineAction({
  name: 'inventory.release',
  summary: "Release the service's inventory as each template says (back in stock, or retired)",
  kinds: ['lifecycle'],
  args: z.object({}),
  async run(ctx) {
    const released = await ctx.deps.inventory.releaseForService(ctx.vars.service.id);
    for (const r of released) ctx.log(`${r.template} ${r.reference}: ${r.to === 'retired' ? 'retired' : r.quarantinedUntil ? `in quarantine until ${r.quarantinedUntil.slice(0, 10)}, then back in stock` : 'back in stock'}.`);
    if (released.length === 0) ctx.log('Nothing to release.');
    return { output: { released } };
  },
});
