import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { body, type Client } from './app.js';

export const terminal = ['succeeded', 'failed', 'timed_out', 'cancelled'];

/** Reserves the first available item of each template for a new wizard; returns the holder and ids. */
export async function reserve(client: Client, templates: string[], holder = `wizard-${randomUUID()}`) {
  const inventory: Record<string, number> = {};
  const items: Record<string, any> = {};
  for (const template of templates) {
    const list = body(await client.get(`/api/inventory/available?template=${encodeURIComponent(template)}&limit=1`));
    const item = list.items[0];
    expect(item, `an available ${template}`).toBeDefined();
    const res = await client.post(`/api/inventory/items/${item.id}/reservations`, { holder });
    expect(res.statusCode, res.body).toBe(201);
    inventory[template] = item.id;
    items[template] = body(res);
  }
  return { holder, inventory, items };
}

/** Confirm & Provision: reserves what the product needs, then posts the assignment. */
export async function assign(client: Client, input: { customerId: number; product: string; templates?: string[]; key?: string; [k: string]: unknown }) {
  const { templates = [], key = randomUUID(), ...rest } = input;
  const r = await reserve(client, templates);
  const payload = { reservation: r.holder, inventory: r.inventory, ...rest };
  const res = await client.post('/api/provisions', payload, { 'idempotency-key': key });
  return { res, payload, key, items: r.items };
}

/** Polls the progress route (every 0.2 s, as the console does) until the run ends. */
export async function waitForEnd(client: Client, id: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const p = body(await client.get(`/api/provisions/${id}`));
    if (terminal.includes(p.status)) return p;
    if (Date.now() > until) throw new Error(`provisioning ${id} still ${p.status} after ${timeoutMs} ms: ${JSON.stringify(p.tasks)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function setSimulator(admin: Client, system: string, settings: { latencyMs?: number; failure?: string | null }) {
  const res = await admin.request('PUT', `/api/simulators/${system}`, { latencyMs: 0, failure: null, ...settings });
  expect(res.statusCode, res.body).toBe(200);
}
