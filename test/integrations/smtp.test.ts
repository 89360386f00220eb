import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

/** A real SMTP server on localhost that keeps what it receives. */
let received: ParsedMail[] = [];
let server: SMTPServer;
let port: number;
beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          received.push(m);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('mail over SMTP (SMTP_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, RETRY_DELAY_SCALE: '0.01' } });
  });
  afterAll(() => t?.close());

  it('sends the welcome e-mail once, over SMTP, and keeps it in the outbox', async () => {
    received = [];
    const agent = await t.as('agent');
    const { res, items } = await assign(agent, { customerId: 100, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const p = await waitForEnd(agent, body(res).id);
    expect(p.status).toBe('succeeded');
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('john.smith@example.com');
    expect(mail.subject).toBe(`Welcome to your new mobile line ${items['Mobile Number'].reference}`);
    expect(mail.text).toContain(items['SIM Card'].reference);
    expect(mail.headers.get('x-switchboard-key')).toBe(`${p.id}:6`);
    const outbox = body(await agent.get('/api/customers/100/mail')).items.filter((m: any) => m.serviceId === p.service.id);
    expect(outbox).toMatchObject([{ transport: 'smtp', status: 'sent' }]);

    // The same message again (a repeated task) is not sent twice.
    await t.app.integrations.mail.send({ idempotencyKey: `${p.id}:6`, to: 'john.smith@example.com', subject: 'x', body: 'x' });
    expect(received).toHaveLength(1);
  });

  it('says the mail server cannot be reached, and a retry sends it once it is back', async () => {
    const { Mailer } = await import('../../src/integrations/mail/mailer.js');
    const down = new Mailer(t.app.database.db, t.app.integrations.simulators, { smtpUrl: 'smtp://127.0.0.1:9', from: 'x@y.z' });
    const err = await down.send({ idempotencyKey: 'smtp-down-1', to: 'a@b.c', subject: 's', body: 'b' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MAIL_UNREACHABLE', message: 'Unable to connect to the mail server' });
    down.close();
    received = [];
    const up = await t.app.integrations.mail.send({ idempotencyKey: 'smtp-down-1', to: 'a@b.c', subject: 's', body: 'b' });
    expect(up.sent).toBe(true);
    expect(received).toHaveLength(1);
  });
});
