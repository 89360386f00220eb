import { z } from 'zod';
import { groupSignal } from '../../shared/signals.js';
import { liquid } from '../playbooks/templating.js';
import { mailTemplates } from './mail-templates.js';
import type { ActionRow } from './action.js';
import { defineAction, type RowOutcome } from './action.js';

type MailArgs = { to: string; subject: string; template?: string | undefined; body?: string | undefined };
const said = (args: MailArgs, res: { sent: boolean; transport: string }) => (res.sent ? `E-mail "${args.subject}" sent to ${args.to} (${res.transport}).` : `E-mail "${args.subject}" had already been sent; not sent again.`);
const message = (r: ActionRow<MailArgs>) => ({
  idempotencyKey: r.idempotencyKey,
  to: r.args.to,
  subject: r.args.subject,
  body: r.args.body ?? liquid.parseAndRenderSync(mailTemplates[r.args.template ?? 'plain']!, r.vars),
  template: r.args.template,
  customerId: r.vars.customer.id,
  serviceId: r.vars.service.id,
});

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
    ctx.log(said(args, res));
    return { output: { mailId: res.id, to: args.to, subject: args.subject, transport: res.transport } };
  },
  // A group's messages written (and, into the outbox, delivered) together.
  async runMany(ctx, rows) {
    let results: Awaited<ReturnType<typeof ctx.deps.mail.sendMany>>;
    try {
      results = await ctx.deps.mail.sendMany(rows.map(message), groupSignal(rows));
    } catch (error) {
      return rows.map((): RowOutcome => ({ ok: false, error }));
    }
    return rows.map((r, i): RowOutcome => {
      const res = results[i]!;
      if (res instanceof Error) return { ok: false, error: res };
      r.log(said(r.args, res));
      return { ok: true, result: { output: { mailId: res.id, to: r.args.to, subject: r.args.subject, transport: res.transport } } };
    });
  },
});
