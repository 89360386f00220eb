import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { deliveryLifecycle, resendable } from './webhooks.lifecycle.js';
import { endpointInput, webhookSecret } from './webhooks.schemas.js';
import { retryDelay, standardWebhook } from './webhooks.sender.js';
import { newEventId, newSecret } from './webhooks.service.js';

/** Outbound webhooks (issue 12): the delivery lifecycle, the retry schedule, secrets and signing. */
describe('webhook deliveries: lifecycle', () => {
  it('reaches every state from pending; a finished delivery can only be queued again', () => {
    expect([...deliveryLifecycle.reachableFrom('pending')].sort()).toEqual([...deliveryLifecycle.states].sort());
    expect(deliveryLifecycle.transitions.delivered).toEqual(['pending']);
    expect(deliveryLifecycle.transitions.failed).toEqual(['pending']);
    // A sender claims pending ones, and sending ones whose lease ran out (their sender died).
    expect(deliveryLifecycle.sourcesOf('sending').sort()).toEqual(['pending', 'sending']);
    // Only the sender holding it ends an attempt: delivered comes from sending alone.
    expect(deliveryLifecycle.sourcesOf('delivered')).toEqual(['sending']);
    expect(deliveryLifecycle.can('pending', 'delivered')).toBe(false);
    // "Send again" takes what is finished, as the table allows; disabling fails what waits.
    for (const s of resendable) expect(deliveryLifecycle.can(s, 'pending')).toBe(true);
    expect(deliveryLifecycle.can('pending', 'failed')).toBe(true);
  });
});

describe('webhook deliveries: retries', () => {
  const schedule = [5_000, 60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];
  it('waits 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h (17.6 hours in all), then no more', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelay(a, schedule))).toEqual(schedule);
    expect(retryDelay(8, schedule)).toBeNull();
    expect(schedule.reduce((a, b) => a + b) / 3_600_000).toBeCloseTo(17.6, 1);
    expect(retryDelay(1, [])).toBeNull();
  });
});

describe('webhook secrets and signatures (Standard Webhooks)', () => {
  it('makes whsec_ secrets of 24 random bytes, each different, that the schema accepts', () => {
    const a = newSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(newSecret()).not.toBe(a);
    expect(webhookSecret.safeParse(a).success).toBe(true);
    expect(webhookSecret.safeParse('whsec_c2hvcnQ=').success).toBe(false); // 5 bytes
    expect(webhookSecret.safeParse('not-a-secret').success).toBe(false);
    expect(newEventId()).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('signs so that the standardwebhooks library verifies it, with either secret after a rotation', () => {
    const secret = newSecret();
    const previous = newSecret();
    const now = new Date();
    const request = standardWebhook(
      { id: 1, attempt: 1, endpoint: { id: 'e', kind: 'webhook', url: 'https://crm.example.net/hooks', secret, previousSecret: previous }, event: { id: 'evt_1', type: 'provision.succeeded', timestamp: now.toISOString(), data: { provisionId: 'p' } } },
      now,
    );
    expect(request.headers['webhook-id']).toBe('evt_1');
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const s of [secret, previous]) expect(new Webhook(s).verify(request.body, request.headers)).toEqual({ id: 'evt_1', type: 'provision.succeeded', timestamp: now.toISOString(), data: { provisionId: 'p' } });
    expect(() => new Webhook(newSecret()).verify(request.body, request.headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(request.body.replace('"p"', '"q"'), request.headers)).toThrow();
  });
});

describe('webhook endpoints: what is accepted', () => {
  const ok = { url: 'https://crm.example.net/hooks', events: ['provision.succeeded'] };
  it('takes http and https URLs only, without credentials, and known events', () => {
    expect(endpointInput.safeParse(ok).success).toBe(true);
    expect(endpointInput.safeParse({ ...ok, url: 'http://10.0.0.5:8080/in' }).success).toBe(true);
    for (const url of ['ftp://files.example.net/x', 'javascript:alert(1)', 'not a url', 'https://user:pass@crm.example.net/', 'file:///etc/passwd', '']) {
      expect(endpointInput.safeParse({ ...ok, url }).success, url).toBe(false);
    }
    expect(endpointInput.safeParse({ ...ok, events: [] }).success).toBe(false);
    expect(endpointInput.safeParse({ ...ok, events: ['provision.exploded'] }).success).toBe(false);
    expect(endpointInput.parse({ ...ok, events: ['stock.low', 'stock.low'] }).events).toEqual(['stock.low']);
  });
});
