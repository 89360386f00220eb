import { z } from 'zod';
import { liquid } from '../playbooks/templating.js';
import { mailTemplates } from './mail-templates.js';
import { defineAction } from './action.js';

/** Sends an e-mail (the welcome e-mail of R13.3), once per task whatever the retries. */
export const mailSend = defineAction({
  name: 'mail.send',
  summary: 'Send an e-mail to the customer, once',
  args: z.object({
    to: z.email(),
    subject: z.string().min(1).max(300),
    template: z.enum(Object.keys(mailTemplates) as [string, ...string[]]).optional(),
    body: z.string().optional(),
  }),
  async run(ctx, args) {
    const body = args.body ?? liquid.parseAndRenderSync(mailTemplates[args.template ?? 'plain']!, ctx.vars);
    const res = await ctx.deps.mail.send(
      { idempotencyKey: ctx.idempotencyKey, to: args.to, subject: args.subject, body, template: args.template, customerId: ctx.vars.customer.id, serviceId: ctx.vars.service.id },
      ctx.signal,
    );
    ctx.log(res.sent ? `E-mail "${args.subject}" sent to ${args.to} (${res.transport}).` : `E-mail "${args.subject}" had already been sent; not sent again.`);
    return { output: { mailId: res.id, to: args.to, subject: args.subject, transport: res.transport } };
  },
});
