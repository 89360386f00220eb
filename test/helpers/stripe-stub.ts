import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the one Stripe route the adapter uses, POST /v1/payment_intents (form
 * encoded, off-session confirmation), with Stripe's behaviours that matter: idempotency keys
 * replay the first answer, test payment methods decline, a card error is HTTP 402.
 */
export async function startStripeStub() {
  const calls: { headers: http.IncomingHttpHeaders; body: Record<string, string> }[] = [];
  const byKey = new Map<string, { status: number; body: unknown }>();
  let created = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = Object.fromEntries(new URLSearchParams(raw));
      calls.push({ headers: req.headers, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${calls.length}` });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || req.url !== '/v1/payment_intents') return reply(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.url})` } });
      if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_test_')) return reply(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      const key = String(req.headers['idempotency-key'] ?? '');
      const earlier = key ? byKey.get(key) : undefined;
      if (earlier) return reply(earlier.status, earlier.body);
      let answer: { status: number; body: unknown };
      const id = `pi_stub_${++created}`;
      if (!body.customer || !body.payment_method) answer = { status: 400, body: { error: { type: 'invalid_request_error', message: 'Missing customer or payment_method' } } };
      else if (body.payment_method === 'pm_card_chargeDeclined' || body.payment_method === 'pm_card_chargeDeclinedInsufficientFunds') {
        const decline = body.payment_method.endsWith('InsufficientFunds') ? 'insufficient_funds' : 'generic_decline';
        answer = { status: 402, body: { error: { type: 'card_error', code: 'card_declined', decline_code: decline, message: 'Your card was declined.', payment_intent: { id, object: 'payment_intent', status: 'requires_payment_method' } } } };
      } else {
        answer = { status: 200, body: { id, object: 'payment_intent', amount: Number(body.amount), currency: body.currency, customer: body.customer, payment_method: body.payment_method, status: 'succeeded' } };
      }
      if (key) byKey.set(key, answer);
      reply(answer.status, answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, created: () => created, close: () => new Promise<void>((r) => server.close(() => r())) };
}
