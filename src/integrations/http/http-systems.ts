import type { Kysely } from 'kysely';
import { type DB, json } from '../../db/schema.js';
import { TaskError, unreachable } from '../errors.js';
import { limited, type SystemLimits } from '../limits.js';
import type { Simulators } from '../simulators.js';

/**
 * Any external system a playbook calls with `http.request`, by name. A system with an address in
 * HTTP_SYSTEMS (JSON: {"iptv-middleware": "https://mw.example/api"}) gets a real request, with
 * the task's idempotency key in an Idempotency-Key header; an unknown one is simulated: the call
 * is recorded and answered 200.
 */
export class HttpSystems {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly sim: Simulators,
    private readonly addresses: Record<string, string>,
    private readonly timeoutMs = 30_000,
    private readonly limits?: SystemLimits,
  ) {}

  isReal(system: string): boolean {
    return Boolean(this.addresses[system]);
  }

  async request(
    input: { system: string; method: string; path: string; body?: unknown; headers?: Record<string, string> | undefined; idempotencyKey: string },
    signal?: AbortSignal,
  ): Promise<{ status: number; body: unknown; simulated: boolean }> {
    const base = this.addresses[input.system];
    if (!base) {
      const key = `${input.method} ${input.path}`;
      const call = await this.sim.call(input.system, 'request', key, signal);
      await this.db
        .insertInto('simNetworkElements')
        .values({ kind: `http:${input.system}`, key, data: json({ body: input.body ?? null, idempotencyKey: input.idempotencyKey }) })
        .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ data: json({ body: input.body ?? null, idempotencyKey: input.idempotencyKey }) }))
        .execute();
      await this.rememberResource(input);
      await this.sim.record(input.system, 'request', key, 'done', call);
      return { status: 200, body: { ok: true }, simulated: true };
    }
    return limited(this.limits, input.system, signal, () => this.send(base, input, signal));
  }

  /**
   * Reads a resource (a service test asks whether the system knows the subscriber): its body, or
   * null when the system answers 404. A simulated system answers from what it was sent: a PUT
   * to a path, or a POST to a collection whose body names the item (`subscriber`, `id`,
   * `username`), creates the resource; a DELETE removes it.
   */
  async lookup(input: { system: string; path: string; idempotencyKey: string }, signal?: AbortSignal): Promise<{ found: boolean; body: unknown; simulated: boolean }> {
    const base = this.addresses[input.system];
    if (!base) {
      await this.sim.call(input.system, 'lookup', `GET ${input.path}`, signal);
      const row = await this.db.selectFrom('simNetworkElements').select('data').where('kind', '=', `resource:${input.system}`).where('key', '=', input.path).executeTakeFirst();
      return { found: Boolean(row), body: row?.data ?? null, simulated: true };
    }
    return limited(this.limits, input.system, signal, async () => {
      try {
        const res = await this.send(base, { ...input, method: 'GET' }, signal);
        return { found: true, body: res.body, simulated: false };
      } catch (e) {
        if (e instanceof TaskError && e.code === 'HTTP_REFUSED' && / \(HTTP 404\)$/.test(e.message)) return { found: false, body: null, simulated: false };
        throw e;
      }
    });
  }

  private async rememberResource(input: { system: string; method: string; path: string; body?: unknown }): Promise<void> {
    const kind = `resource:${input.system}`;
    const body = input.body && typeof input.body === 'object' ? (input.body as Record<string, unknown>) : {};
    const named = ['subscriber', 'id', 'username'].map((k) => body[k]).find((v) => typeof v === 'string' || typeof v === 'number');
    const path = input.method === 'PUT' ? input.path : input.method === 'POST' && named !== undefined ? `${input.path.replace(/\/$/, '')}/${encodeURIComponent(String(named))}` : null;
    if (input.method === 'DELETE') await this.db.deleteFrom('simNetworkElements').where('kind', '=', kind).where('key', '=', input.path).execute();
    else if (path) {
      await this.db
        .insertInto('simNetworkElements')
        .values({ kind, key: path, data: json(body) })
        .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ data: json(body) }))
        .execute();
    }
  }

  private async send(
    base: string,
    input: { system: string; method: string; path: string; body?: unknown; headers?: Record<string, string> | undefined; idempotencyKey: string },
    signal?: AbortSignal,
  ): Promise<{ status: number; body: unknown; simulated: boolean }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${base.replace(/\/$/, '')}${input.path}`, {
        method: input.method,
        headers: { 'content-type': 'application/json', 'idempotency-key': input.idempotencyKey, ...input.headers },
        ...(input.body !== undefined && { body: JSON.stringify(input.body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw unreachable(input.system, input.system.toUpperCase().replace(/-/g, '_'));
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    if (res.status >= 500) throw new TaskError('HTTP_ERROR', `${input.system} answered HTTP ${res.status}`, `Look at ${input.system}'s logs, then retry.`, true);
    if (res.status >= 400) throw new TaskError('HTTP_REFUSED', `${input.system} refused ${input.method} ${input.path} (HTTP ${res.status})`, typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body).slice(0, 300));
    return { status: res.status, body, simulated: false };
  }
}
