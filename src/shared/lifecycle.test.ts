import { describe, expect, it } from 'vitest';
import { itemLifecycle } from '../inventory/inventory.lifecycle.js';
import { provisionLifecycle, taskLifecycle } from '../provisioning/provisioning.lifecycle.js';
import { serviceLifecycle } from '../services/services.lifecycle.js';
import { AppError } from './errors.js';
import { defineLifecycle } from './lifecycle.js';

describe('lifecycle tables', () => {
  it('refuses a table whose transition targets a state that does not exist', () => {
    expect(() => defineLifecycle<'a' | 'b'>('broken', { a: ['b', 'c' as 'b'], b: [] })).toThrow(/c is not a state/);
  });

  it('inventory items: every state is reachable from new, retired is final, reserved returns to stock', () => {
    expect([...itemLifecycle.reachableFrom('new')].sort()).toEqual([...itemLifecycle.states].sort());
    expect(itemLifecycle.transitions.retired).toEqual([]);
    expect(itemLifecycle.sourcesOf('reserved').sort()).toEqual(['in_stock', 'new']);
    expect(itemLifecycle.can('reserved', 'in_stock')).toBe(true);
    expect(itemLifecycle.can('assigned', 'reserved')).toBe(false);
  });

  it('services: every state is reachable from provisioning; terminated and cancelled are final', () => {
    expect([...serviceLifecycle.reachableFrom('provisioning')].sort()).toEqual([...serviceLifecycle.states].sort());
    expect(serviceLifecycle.transitions.terminated).toEqual([]);
    expect(serviceLifecycle.transitions.cancelled).toEqual([]);
    // A failed service keeps its record (R8.2): it is retried or cancelled, never silently active.
    expect(serviceLifecycle.can('failed', 'active')).toBe(false);
    expect(serviceLifecycle.can('failed', 'provisioning')).toBe(true);
  });

  it('provisioning runs: every state reachable from queued; retry goes back to queued; succeeded and cancelled are final', () => {
    expect([...provisionLifecycle.reachableFrom('queued')].sort()).toEqual([...provisionLifecycle.states].sort());
    expect(provisionLifecycle.sourcesOf('queued').sort()).toEqual(['failed', 'timed_out']);
    expect(provisionLifecycle.transitions.succeeded).toEqual([]);
    expect(provisionLifecycle.can('running', 'cancelled')).toBe(false);
  });

  it('tasks: a retry can re-run failed and rolled-back tasks, never a done one (R8.3)', () => {
    expect([...taskLifecycle.reachableFrom('pending')].sort()).toEqual([...taskLifecycle.states].sort());
    expect(taskLifecycle.sourcesOf('pending').sort()).toEqual(['failed', 'rolled_back', 'running']);
    expect(taskLifecycle.can('succeeded', 'running')).toBe(false);
    expect(taskLifecycle.can('succeeded', 'pending')).toBe(false);
    expect(taskLifecycle.transitions.ignored).toEqual([]);
  });

  it('explains a forbidden move as a 409 with where it can go instead', () => {
    let error: unknown;
    try {
      serviceLifecycle.assert('terminated', 'active');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.status).toBe(409);
    expect(e.code).toBe('INVALID_TRANSITION');
    expect(e.message).toBe('The service is terminated; it cannot become active.');
    expect(e.hint).toMatch(/Nothing can change/);
    expect(() => serviceLifecycle.assert('suspended', 'active')).not.toThrow();
  });
});
