import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction } from './action.js';

/** The item held for this provision becomes assigned to the customer and the service (R4.4). */
export const inventoryAssign = defineAction({
  name: 'inventory.assign',
  summary: 'Assign the held item of one inventory template to the customer and the service',
  args: z.object({ template: z.string().min(1).describe('The inventory template name, e.g. SIM Card') }),
  async run(ctx, args) {
    const item = ctx.vars.inventory[args.template];
    if (!item) throw new TaskError('INVENTORY_MISSING', `No ${args.template} was chosen for this assignment.`, 'Cancel and start the assignment again with the item.');
    const assigned = await ctx.deps.inventory.assignHeld({
      provisionId: ctx.provisionId,
      itemId: item.id,
      customerId: ctx.vars.customer.id,
      serviceId: ctx.vars.service.id,
    });
    ctx.log(`${args.template} ${assigned.reference} is assigned to customer ${ctx.vars.customer.id}, service ${ctx.vars.service.id}.`);
    return { output: { itemId: assigned.id, reference: assigned.reference, status: assigned.status, attributes: assigned.attributes } };
  },
});
