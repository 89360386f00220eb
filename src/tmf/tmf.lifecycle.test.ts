import { describe, expect, it } from 'vitest';
import { orderLifecycle, orderStateOf } from './tmf.lifecycle.js';

describe('TMF622 order lifecycle', () => {
  it('reaches every state from acknowledged or at creation, and final states stay final', () => {
    const reached = orderLifecycle.reachableFrom('acknowledged');
    for (const s of orderLifecycle.states) if (s !== 'rejected') expect(reached.has(s), s).toBe(true);
    for (const s of ['completed', 'cancelled', 'rejected'] as const) expect(orderLifecycle.transitions[s]).toEqual([]);
  });

  it('follows the runs (the same table as sb_tmf_order_state in migration 0017)', () => {
    expect(orderStateOf([])).toBeNull();
    expect(orderStateOf(['queued', 'queued'])).toBe('acknowledged');
    expect(orderStateOf(['running', 'queued'])).toBe('inProgress');
    expect(orderStateOf(['succeeded', 'running'])).toBe('inProgress');
    expect(orderStateOf(['succeeded', 'timed_out'])).toBe('failed');
    expect(orderStateOf(['succeeded', 'succeeded'])).toBe('completed');
    expect(orderStateOf(['succeeded', 'cancelled'])).toBe('completed');
    expect(orderStateOf(['cancelled'])).toBe('cancelled');
  });
});
