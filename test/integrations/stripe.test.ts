import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/integrations/errors.js';
import { StripeGateway } from '../../src/integrations/payments/stripe-gateway.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';
import { startStripeStub } from '../helpers/stripe-stub.js';

let stub: Awaited<ReturnType<typeof startStripeStub>>;
beforeAll(async () => {
  stub = await startStripeStub();
});
afterAll(() => stub?.close());

const request = (over: Partial<Parameters<StripeGateway['charge']>[0]> = {}) => ({
  idempotencyKey: `key-${Math.random()}`,
  amount: 1500,
  currency: 'GBP',
  description: 'Mobile - 20GB plan',
  card: { brand: 'visa', last4: '4242', gatewayRef: 'pm_card_visa' },
  customerRef: 'cus_123',
  metadata: { switchboard_charge: '1' },
  ...over,
});

describe('Stripe adapter (official stripe package, against a local stand-in)', () => {
  it('confirms a PaymentIntent off-session on the saved card, with the idempotency key', async () => {
    const gw = new StripeGateway('sk_test_local', stub.url);
    const r = await gw.charge(request({ idempotencyKey: 'charge-1#1' }));
    expect(r).toMatchObject({ status: 'succeeded' });
    const call = stub.calls.at(-1)!;
    expect(call.headers['idempotency-key']).toBe('charge-1#1');
    expect(call.body).toMatchObject({ amount: '1500', currency: 'gbp', customer: 'cus_123', payment_method: 'pm_card_visa', off_session: 'true', confirm: 'true' });
    expect(call.body['metadata[switchboard_charge]']).toBe('1');
  });

  it('charges once for one key, however often it is asked', async () => {
    const gw = new StripeGateway('sk_test_local', stub.url);
    const before = stub.created();
    const a = await gw.charge(request({ idempotencyKey: 'charge-2#1' }));
    const b = await gw.charge(request({ idempotencyKey: 'charge-2#1' }));
    expect(stub.created()).toBe(before + 1);
    expect(a).toEqual(b);
  });

  it('turns a card error into a decline with its code, and an outage into a retryable error', async () => {
    const gw = new StripeGateway('sk_test_local', stub.url);
    const declined = await gw.charge(request({ card: { brand: 'visa', last4: '9995', gatewayRef: 'pm_card_chargeDeclinedInsufficientFunds' } }));
    expect(declined).toMatchObject({ status: 'declined', declineCode: 'insufficient_funds', message: 'Your card was declined.' });

    const down = new StripeGateway('sk_test_local', 'http://127.0.0.1:9');
    const err = await down.charge(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toMatchObject({ code: 'PAYMENT_GATEWAY_UNREACHABLE', retryable: true });

    const notSaved = await gw.charge(request({ card: { brand: 'visa', last4: '4242', gatewayRef: null } })).catch((e: unknown) => e);
    expect(notSaved).toMatchObject({ code: 'PAYMENT_METHOD_NOT_IN_GATEWAY' });
  });
});

describe('Switchboard with PAYMENT_GATEWAY=stripe', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PAYMENT_GATEWAY: 'stripe', STRIPE_SECRET_KEY: 'sk_test_local', STRIPE_API_BASE: stub.url, RETRY_DELAY_SCALE: '0.01', BILLING_SCHEDULE: 'off' } });
  });
  afterAll(() => t?.close());

  it('charges the first period of a new line and an add-on through Stripe, each once', async () => {
    const agent = await t.as('agent');
    const c = body(await agent.post('/api/customers', { type: 'individual', name: 'Stripe Customer', email: 'stripe@example.com', paymentCustomerRef: 'cus_switchboard_1' }));
    await agent.post(`/api/customers/${c.id}/payment-methods`, { brand: 'visa', last4: '4242', expMonth: 1, expYear: 2032, gatewayRef: 'pm_card_visa', isDefault: true });
    const before = stub.calls.length;
    const { res } = await assign(agent, { customerId: c.id, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const p = await waitForEnd(agent, body(res).id);
    expect(p.status).toBe('succeeded');
    const boost = await assign(agent, { customerId: c.id, product: 'data-boost-5gb', serviceId: p.service.id });
    expect((await waitForEnd(agent, body(boost.res).id)).status).toBe('succeeded');
    const billing = body(await agent.get(`/api/customers/${c.id}/billing`));
    expect(billing.charges.map((x: any) => [x.kind, x.amount, x.status]).sort()).toEqual([
      ['addon_one_off', 500, 'paid'],
      ['recurring', 1500, 'paid'],
    ]);
    expect(billing.payments.every((x: any) => x.gateway === 'stripe' && x.gatewayRef.startsWith('pi_stub_'))).toBe(true);
    const sent = stub.calls.slice(before).map((x) => x.body.amount);
    expect(sent.sort()).toEqual(['1500', '500']);
  });
});
