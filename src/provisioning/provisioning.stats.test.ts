import { describe, expect, it } from 'vitest';
import { systemCodes, systemOf, windowOf } from './provisioning.stats.js';

/** Issue 12: which outside system a failure is due to, and the windows' buckets. */
describe('the outside system behind a failure', () => {
  const codes = systemCodes(['iptv-middleware', 'sip-registrar']);
  it('is the one the error code names, the way adapters make their codes', () => {
    expect(systemOf('ocs.create_account', null, 'OCS_UNREACHABLE', codes)).toBe('ocs');
    expect(systemOf('network.activate_sim', null, 'HLR_ERROR', codes)).toBe('hlr');
    expect(systemOf('network.create_radius_user', null, 'RADIUS_REFUSED', codes)).toBe('radius');
    expect(systemOf('mail.send', null, 'MAIL_UNREACHABLE', codes)).toBe('mail');
    expect(systemOf('ticket.create', null, 'TICKETS_ERROR', codes)).toBe('tickets');
    // Billing starts in service.activate: a declined card is the payment gateway's answer.
    expect(systemOf('service.activate', null, 'PAYMENT_DECLINED', codes)).toBe('payments');
    expect(systemOf('payment.charge', null, 'PAYMENTS_UNREACHABLE', codes)).toBe('payments');
    expect(systemOf('payment.charge', null, 'PAYMENT_GATEWAY_UNREACHABLE', codes)).toBe('payments');
    // An HTTP system by its name, the longest prefix first.
    expect(systemOf('http.request', 'iptv-middleware', 'IPTV_MIDDLEWARE_UNREACHABLE', codes)).toBe('iptv-middleware');
    expect(systemOf('http.request', 'sip-registrar', 'HTTP_ERROR', codes)).toBe('sip-registrar');
  });
  it('else the one the task calls, else Switchboard itself', () => {
    expect(systemOf('ocs.create_account', null, 'ABORTED', codes)).toBe('ocs');
    expect(systemOf('ocs.add_balance', null, 'PROVISIONING_TIMED_OUT', codes)).toBe('ocs');
    expect(systemOf('network.activate_sim', null, null, codes)).toBe('hlr');
    expect(systemOf('network.update_radius_user', null, 'TASK_TIMED_OUT', codes)).toBe('radius');
    expect(systemOf('http.request', 'iptv-middleware', 'TASK_TIMED_OUT', codes)).toBe('iptv-middleware');
    expect(systemOf('customer.validate', null, 'CUSTOMER_NOT_ACTIVE', codes)).toBe('switchboard');
    expect(systemOf('inventory.assign', null, 'INVENTORY_MISSING', codes)).toBe('switchboard');
    expect(systemOf(null, null, 'ENGINE_ERROR', codes)).toBe('switchboard');
  });
});

describe('a window of buckets', () => {
  it('ends with the bucket that holds now, aligned to its size', () => {
    const w = windowOf(new Date('2026-12-02T14:05:30.500Z'), 60, 60);
    expect(w).toEqual({ from: '2026-12-02T13:06:00.000Z', to: '2026-12-02T14:06:00.000Z', bucketSeconds: 60, buckets: 60 });
    const day = windowOf(new Date('2026-12-02T14:05:30.500Z'), 900, 96);
    expect(day).toEqual({ from: '2026-12-01T14:15:00.000Z', to: '2026-12-02T14:15:00.000Z', bucketSeconds: 900, buckets: 96 });
  });
});
