import { z } from 'zod';
import { groupSignal } from '../../shared/signals.js';
import { liquid } from '../playbooks/templating.js';
import type { RunVariables } from '../provisioning.schemas.js';
import { inLanguage } from '../variables.js';
import { mailTemplateIn, mailTemplates } from './mail-templates.js';
import type { ActionRow } from './action.js';
import { defineAction, type RowOutcome } from './action.js';

type MailArgs = { to: string; subject?: string | undefined; template?: string | undefined; body?: string | undefined };
const said = (m: { subject: string; to: string }, res: { sent: boolean; transport: string }) => (res.sent ? `E-mail "${m.subject}" sent to ${m.to} (${res.transport}).` : `E-mail "${m.subject}" had already been sent; not sent again.`);

/**
 * The e-mail in the customer's language (R13): the template's subject and body in it (English when
 * the template has none in it), with the product's name and features in it too. A subject or body
 * the playbook gives is used as it gives it.
 */
function compose(args: MailArgs, vars: RunVariables): { subject: string; body: string } {
  const lang = vars.customer.language;
  const template = mailTemplateIn(args.template ?? 'plain', lang)!;
  const scope = inLanguage(vars, lang);
  return {
    subject: args.subject ?? liquid.parseAndRenderSync(template.subject, scope).trim(),
    body: args.body ?? liquid.parseAndRenderSync(template.body, scope),
  };
}

const message = (idempotencyKey: string, args: MailArgs, vars: RunVariables) => ({
  idempotencyKey,
  to: args.to,
  ...compose(args, vars),
  template: args.template,
  customerId: vars.customer.id,
  serviceId: vars.service.id,
});
const messageOf = (r: ActionRow<MailArgs>) => message(r.idempotencyKey, r.args, r.vars);

/** Sends an e-mail (the welcome e-mail of R13.3), once per task whatever the retries. */
export const mailSend = defineAction({
  name: 'mail.send',
  summary: "Send an e-mail to the customer, once, in the customer's language",
  args: z
    .object({
      to: z.email(),
      subject: z.string().min(1).max(300).optional().describe("The template's, in the customer's language, when not given"),
      template: z.enum(Object.keys(mailTemplates) as [string, ...string[]]).optional(),
      body: z.string().optional(),
    })
    .refine((a) => a.subject !== undefined || a.template !== undefined, { message: 'give a template, or a subject', path: ['subject'] }),
  async run(ctx, args) {
    const m = message(ctx.idempotencyKey, args, ctx.vars);
    const res = await ctx.deps.mail.send(m, ctx.signal);
    ctx.log(said(m, res));
    return { output: { mailId: res.id, to: args.to, subject: m.subject, transport: res.transport } };
  },
  // A group's messages written (and, into the outbox, delivered) together.
  async runMany(ctx, rows) {
    let results: Awaited<ReturnType<typeof ctx.deps.mail.sendMany>>;
    const messages = rows.map(messageOf);
    try {
      results = await ctx.deps.mail.sendMany(messages, groupSignal(rows));
    } catch (error) {
      return rows.map((): RowOutcome => ({ ok: false, error }));
    }
    return rows.map((r, i): RowOutcome => {
      const res = results[i]!;
      if (res instanceof Error) return { ok: false, error: res };
      r.log(said(messages[i]!, res));
      return { ok: true, result: { output: { mailId: res.id, to: r.args.to, subject: messages[i]!.subject, transport: res.transport } } };
    });
  },
});
