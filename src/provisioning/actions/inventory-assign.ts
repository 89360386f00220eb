import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction, type RowOutcome } from './action.js';

const missing = (template: string) => new TaskError('INVENTORY_MISSING', `No ${template} was chosen for this assignment.`, 'Cancel and start the assignment again with the item.');

/** The item held for this provision becomes assigned to the customer and the service (R4.4). */
export const inventoryAssign = defineAction({
  name: 'inventory.assign',
  summary: 'Assign the held item of one inventory template to the customer and the service',
  args: z.object({ template: z.string().min(1).describe('The inventory template name, e.g. SIM Card') }),
  atomic: true,
  async run(ctx, args) {
    const item = ctx.vars.inventory[args.template];
    if (!item) throw missing(args.template);
    const assigned = await ctx.deps.inventory.assignHeld({
      provisionId: ctx.provisionId,
      itemId: item.id,
      customerId: ctx.vars.customer.id,
      serviceId: ctx.vars.service.id,
    });
    ctx.log(`${args.template} ${assigned.reference} is assigned to customer ${ctx.vars.customer.id}, service ${ctx.vars.service.id}.`);
    return { output: { itemId: assigned.id, reference: assigned.reference, status: assigned.status, attributes: assigned.attributes } };
  },
  // A group's items in one statement, in the transaction that records the task.
  async runMany(ctx, rows) {
    const wanted = rows.flatMap((r) => {
      const item = r.vars.inventory[r.args.template];
      return item ? [{ provisionId: r.provisionId, itemId: item.id, customerId: r.vars.customer.id, serviceId: r.vars.service.id }] : [];
    });
    const done = await ctx.deps.inventory.assignHeldMany(ctx.db, wanted);
    return rows.map((r): RowOutcome => {
      const item = r.vars.inventory[r.args.template];
      if (!item) return { ok: false, error: missing(r.args.template) };
      const got = done.get(item.id);
      if (!got || got instanceof Error) return { ok: false, error: got ?? missing(r.args.template) };
      r.log(`${r.args.template} ${got.reference} is assigned to customer ${r.vars.customer.id}, service ${r.vars.service.id}.`);
      return { ok: true, result: { output: { itemId: got.id, reference: got.reference, status: got.status, attributes: got.attributes } } };
    });
  },
});
