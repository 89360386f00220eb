import { z } from 'zod';
import { defineAction } from './action.js';

/** Opens the installation ticket of an engineer visit (R12.2). */
export const ticketCreate = defineAction({
  name: 'ticket.create',
  summary: 'Open a ticket (the installation visit of R12.2)',
  args: z
    .object({
      queue: z.string().min(1),
      subject: z.string().min(1).max(300),
      due_date: z.iso.date().nullable().optional(),
    })
    .catchall(z.unknown()),
  async run(ctx, args) {
    const { queue, subject, due_date, ...details } = args;
    const { ticket, created } = await ctx.deps.tickets.create(
      { idempotencyKey: ctx.idempotencyKey, serviceId: ctx.vars.service.id, customerId: ctx.vars.customer.id, queue, subject, dueDate: due_date ?? null, details },
      ctx.signal,
    );
    ctx.log(created ? `Ticket ${ticket.id} opened in ${queue}${ticket.dueDate ? ` for ${ticket.dueDate}` : ''}.` : `Ticket ${ticket.id} was already open.`);
    return { output: { ticketId: ticket.id, queue, dueDate: ticket.dueDate, subject }, undo: { ticketId: ticket.id } };
  },
  async undo(ctx, undo) {
    await ctx.deps.tickets.cancel(Number(undo.ticketId));
    ctx.log(`Ticket ${String(undo.ticketId)} cancelled.`);
  },
});
