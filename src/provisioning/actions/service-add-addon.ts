import { z } from 'zod';
import { defineAction } from './action.js';

/** Records the add-on on the service it was provisioned against (R9.2), once per provision. */
export const serviceAddAddon = defineAction({
  name: 'service.add_addon',
  summary: 'Record the add-on on its service',
  kinds: ['addon'],
  args: z.object({}),
  async run(ctx) {
    const addon = await ctx.deps.services.addAddon({
      serviceId: ctx.vars.service.id,
      productId: ctx.vars.product.id,
      provisionId: ctx.provisionId,
      billing: ctx.vars.product.billing === 'recurring' ? 'recurring' : 'one_off',
    });
    ctx.log(`${ctx.vars.product.name} (${addon.billing === 'recurring' ? 'recurring' : 'one-off'}) recorded on service ${ctx.vars.service.id}.`);
    return { output: { addonId: addon.id, billing: addon.billing } };
  },
});
