import { type Kysely, sql } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { DB } from '../../db/schema.js';
import { TaskError, unreachable } from '../errors.js';
import { limited, type SystemLimits } from '../limits.js';
import type { SimCall, Simulators } from '../simulators.js';

export interface MailMessage {
  /** One message per key: sending the same key again sends nothing. */
  idempotencyKey: string;
  to: string;
  subject: string;
  body: string;
  template?: string | undefined;
  customerId?: number | undefined;
  serviceId?: number | undefined;
}

/**
 * Every message is written to the outbox first (the record staff can read), then delivered:
 * over SMTP when SMTP_URL is set, otherwise the outbox is the destination (the built-in mail
 * simulator). A key already marked sent is not sent again.
 */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sim: Simulators,
    private readonly options: { smtpUrl?: string | undefined; from: string; limits?: SystemLimits | undefined },
  ) {
    this.transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : null;
  }

  get kind(): 'smtp' | 'outbox' {
    return this.transport ? 'smtp' : 'outbox';
  }

  async send(msg: MailMessage, signal?: AbortSignal): Promise<{ id: number; sent: boolean; transport: string }> {
    await this.db
      .insertInto('mailOutbox')
      .values({
        idempotencyKey: msg.idempotencyKey,
        toAddress: msg.to,
        subject: msg.subject,
        body: msg.body,
        template: msg.template ?? null,
        customerId: msg.customerId ?? null,
        serviceId: msg.serviceId ?? null,
        transport: this.kind,
        status: 'queued',
        error: null,
        sentAt: null,
      })
      .onConflict((oc) => oc.column('idempotencyKey').doNothing())
      .execute();
    const row = await this.db.selectFrom('mailOutbox').select(['id', 'status']).where('idempotencyKey', '=', msg.idempotencyKey).executeTakeFirstOrThrow();
    if (row.status === 'sent') return { id: row.id, sent: false, transport: this.kind };
    // Claim the message for two minutes: a repeat of the task while this attempt is still
    // talking to the mail server finds it claimed and fails (to be retried), rather than send twice.
    const now = new Date();
    const claimed = await this.db
      .updateTable('mailOutbox')
      .set({ status: 'sending', claimedUntil: new Date(now.getTime() + 120_000).toISOString() })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('status', 'in', ['queued', 'failed']), eb.and([eb('status', '=', 'sending'), eb('claimedUntil', '<', now.toISOString())])]))
      .returning('id')
      .executeTakeFirst();
    if (!claimed) {
      const again = await this.db.selectFrom('mailOutbox').select('status').where('id', '=', row.id).executeTakeFirstOrThrow();
      if (again.status === 'sent') return { id: row.id, sent: false, transport: this.kind };
      throw new TaskError('MAIL_IN_PROGRESS', 'This e-mail is being sent by an earlier attempt.', 'It is retried in a moment; it will not be sent twice.', true);
    }

    try {
      if (this.transport) {
        await this.deliver(msg, signal);
      } else {
        const call = await this.sim.call('mail', 'send', msg.to, signal);
        await this.sim.record('mail', 'send', msg.to, 'sent', call);
      }
    } catch (e) {
      await this.db.updateTable('mailOutbox').set({ status: 'failed', error: (e as Error).message, claimedUntil: null }).where('id', '=', row.id).execute();
      throw e;
    }
    await this.db.updateTable('mailOutbox').set({ status: 'sent', error: null, sentAt: new Date().toISOString(), transport: this.kind, claimedUntil: null }).where('id', '=', row.id).execute();
    return { id: row.id, sent: true, transport: this.kind };
  }

  /**
   * Many messages at once (a group's welcome e-mails). Over SMTP each is sent as `send` sends it,
   * concurrently; into the outbox (no SMTP) they are written and delivered together: one
   * statement to write them, one simulated call each, one statement to mark them sent. A key
   * already sent is not sent again.
   */
  async sendMany(msgs: MailMessage[], signal?: AbortSignal): Promise<({ id: number; sent: boolean; transport: string } | Error)[]> {
    if (this.transport) return Promise.all(msgs.map((m) => this.send(m, signal).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    if (!msgs.length) return [];
    // The outbox is where they go: the simulated call first, then each written as it ended (one
    // statement); a key already sent keeps its message and is not sent again.
    let failure: Error | null = null;
    let timings: SimCall[] | null = null;
    try {
      timings = await this.sim.callMany('mail', 'send', msgs.map((m) => m.to), signal);
    } catch (e) {
      failure = e as Error;
    }
    const now = new Date().toISOString();
    const rows = await this.db
      .insertInto('mailOutbox')
      .values(
        msgs.map((msg) => ({
          idempotencyKey: msg.idempotencyKey,
          toAddress: msg.to,
          subject: msg.subject,
          body: msg.body,
          template: msg.template ?? null,
          customerId: msg.customerId ?? null,
          serviceId: msg.serviceId ?? null,
          transport: this.kind,
          status: failure ? ('failed' as const) : ('sent' as const),
          error: failure?.message ?? null,
          sentAt: failure ? null : now,
        })),
      )
      .onConflict((oc) =>
        oc.column('idempotencyKey').doUpdateSet((eb) => ({
          status: sql`case when mail_outbox.status = 'sent' then mail_outbox.status else ${eb.ref('excluded.status')} end`,
          error: sql`case when mail_outbox.status = 'sent' then null else ${eb.ref('excluded.error')} end`,
          sentAt: sql`coalesce(mail_outbox.sent_at, ${eb.ref('excluded.sentAt')})`,
        })),
      )
      .returning(['id', 'idempotencyKey', 'status', 'sentAt'])
      .execute();
    if (timings) await this.sim.recordMany('mail', 'send', msgs.map((m) => ({ key: m.to, outcome: 'sent' })), timings);
    const byKey = new Map(rows.map((r) => [r.idempotencyKey, r]));
    return msgs.map((m) => {
      const r = byKey.get(m.idempotencyKey)!;
      if (r.status !== 'sent') return failure ?? new Error('The message was not sent.');
      // Sent now (its sending time is this attempt's), or already before.
      return { id: r.id, sent: Date.parse(r.sentAt ?? '') === Date.parse(now), transport: this.kind };
    });
  }

  private deliver(msg: MailMessage, signal?: AbortSignal) {
    return limited(this.options.limits, 'mail', signal, () => this.deliverNow(msg, signal));
  }

  private async deliverNow(msg: MailMessage, signal?: AbortSignal) {
    const sending = this.transport!.sendMail({
      from: this.options.from,
      to: msg.to,
      subject: msg.subject,
      text: msg.body,
      headers: { 'X-Switchboard-Key': msg.idempotencyKey },
      messageId: `<${msg.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@switchboard>`,
    });
    const aborted = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    try {
      await (signal ? Promise.race([sending, aborted]) : sending);
    } catch (e) {
      if (signal?.aborted) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'ETIMEDOUT' || code === 'EDNS') throw unreachable('the mail server', 'MAIL');
      throw new TaskError('MAIL_REFUSED', `The mail server refused the message: ${(e as Error).message}`, 'Check the address and the mail server.', false);
    }
  }

  async forCustomer(customerId: number, limit = 50) {
    return this.db.selectFrom('mailOutbox').selectAll().where('customerId', '=', customerId).orderBy('id', 'desc').limit(limit).execute();
  }

  async recent(limit = 50) {
    return this.db.selectFrom('mailOutbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
  }

  close(): void {
    this.transport?.close();
  }
}
