import type { Kysely } from 'kysely';
import { type DB, json } from '../../db/schema.js';
import { TaskError, unreachable } from '../errors.js';
import { limited, type SystemLimits } from '../limits.js';
import type { Simulators } from '../simulators.js';

/**
 * Network elements: the HLR/HSS (SIM activation) and RADIUS (broadband users). Every operation
 * is an upsert or delete by key, so repeating it changes nothing.
 */
export interface NetworkAdapter {
  readonly kind: 'simulator' | 'http';
  activateSim(input: { iccid: string; imsi: string; msisdn: string; profile?: string | undefined }, signal?: AbortSignal): Promise<{ created: boolean }>;
  deactivateSim(imsi: string, signal?: AbortSignal): Promise<{ deleted: boolean }>;
  upsertRadiusUser(input: RadiusUser, signal?: AbortSignal): Promise<{ created: boolean }>;
  deleteRadiusUser(username: string, signal?: AbortSignal): Promise<{ deleted: boolean }>;
  /** The user as RADIUS has it now, or null. */
  getRadiusUser(username: string, signal?: AbortSignal): Promise<RadiusUser | null>;
  /** The SIM as the HLR/HSS has it (read-only, a service test): whether it is known, its MSISDN, whether a device is attached. */
  getSubscriber(imsi: string, signal?: AbortSignal): Promise<HlrSubscriber | null>;
  /** When the user's modem last opened a session (RADIUS accounting), or null if never. */
  lastSession(username: string, signal?: AbortSignal): Promise<{ at: string; mac: string | null } | null>;
}

export interface HlrSubscriber {
  imsi: string;
  msisdn: string | null;
  state: string;
  attached: boolean;
}

export interface RadiusUser {
  username: string;
  profile: string;
  attributes: Record<string, unknown>;
}

/** The built-in HLR/HSS and RADIUS: elements kept in the database. */
export class SimulatedNetwork implements NetworkAdapter {
  readonly kind = 'simulator' as const;
  constructor(
    private readonly db: Kysely<DB>,
    private readonly sim: Simulators,
  ) {}

  private async upsert(system: 'hlr' | 'radius', operation: string, key: string, data: Record<string, unknown>, signal?: AbortSignal) {
    const call = await this.sim.call(system, operation, key, signal);
    const existing = await this.db.selectFrom('simNetworkElements').select('key').where('kind', '=', system).where('key', '=', key).executeTakeFirst();
    await this.db
      .insertInto('simNetworkElements')
      .values({ kind: system, key, data: json(data) })
      .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ data: json(data) }))
      .execute();
    await this.sim.record(system, operation, key, existing ? 'updated' : 'created', call);
    return { created: !existing };
  }

  private async remove(system: 'hlr' | 'radius', operation: string, key: string, signal?: AbortSignal) {
    const call = await this.sim.call(system, operation, key, signal);
    const res = await this.db.deleteFrom('simNetworkElements').where('kind', '=', system).where('key', '=', key).executeTakeFirst();
    await this.sim.record(system, operation, key, 'done', call);
    return { deleted: Number(res.numDeletedRows) > 0 };
  }

  activateSim(input: { iccid: string; imsi: string; msisdn: string; profile?: string | undefined }, signal?: AbortSignal) {
    return this.upsert('hlr', 'activate_sim', input.imsi, { ...input, state: 'active' }, signal);
  }
  deactivateSim(imsi: string, signal?: AbortSignal) {
    return this.remove('hlr', 'deactivate_sim', imsi, signal);
  }
  upsertRadiusUser(input: RadiusUser, signal?: AbortSignal) {
    return this.upsert('radius', 'upsert_user', input.username, { ...input }, signal);
  }
  deleteRadiusUser(username: string, signal?: AbortSignal) {
    return this.remove('radius', 'delete_user', username, signal);
  }
  async getRadiusUser(username: string, signal?: AbortSignal): Promise<RadiusUser | null> {
    await this.sim.call('radius', 'get_user', username, signal);
    const row = await this.db.selectFrom('simNetworkElements').select('data').where('kind', '=', 'radius').where('key', '=', username).executeTakeFirst();
    if (!row) return null;
    const data = row.data as Partial<RadiusUser>;
    return { username, profile: String(data.profile ?? ''), attributes: data.attributes ?? {} };
  }
  /**
   * The simulated HLR/HSS: SIM cards are loaded into it by their vendor before they reach the
   * shop (so a card it has no record of is known, idle and attached, as on a healthy network);
   * one activated or deactivated through it answers as it was left.
   */
  async getSubscriber(imsi: string, signal?: AbortSignal): Promise<HlrSubscriber | null> {
    await this.sim.call('hlr', 'get_subscriber', imsi, signal);
    const row = await this.db.selectFrom('simNetworkElements').select('data').where('kind', '=', 'hlr').where('key', '=', imsi).executeTakeFirst();
    if (!row) return { imsi, msisdn: null, state: 'provisioned', attached: true };
    const data = row.data as { msisdn?: string; state?: string };
    return { imsi, msisdn: data.msisdn ?? null, state: data.state ?? 'active', attached: data.state !== 'barred' };
  }
  /** The simulated RADIUS: a user's modem opens its first session as the user is created. */
  async lastSession(username: string, signal?: AbortSignal): Promise<{ at: string; mac: string | null } | null> {
    await this.sim.call('radius', 'last_session', username, signal);
    const row = await this.db.selectFrom('simNetworkElements').select(['data', 'createdAt']).where('kind', '=', 'radius').where('key', '=', username).executeTakeFirst();
    if (!row) return null;
    const attributes = ((row.data as Partial<RadiusUser>).attributes ?? {}) as Record<string, unknown>;
    const mac = typeof attributes.mac === 'string' ? attributes.mac : typeof attributes['Calling-Station-Id'] === 'string' ? (attributes['Calling-Station-Id'] as string) : null;
    return { at: new Date(row.createdAt).toISOString(), mac };
  }
}

/**
 * Real network elements behind a provisioning REST gateway:
 * PUT {hlrUrl}/subscribers/{imsi}, DELETE {hlrUrl}/subscribers/{imsi},
 * GET, PUT and DELETE {radiusUrl}/users/{username} (a user is { username, profile, attributes }).
 * 201 means created, 200 updated, 404 on GET means no such user and on DELETE already gone.
 */
export class HttpNetwork implements NetworkAdapter {
  readonly kind = 'http' as const;
  constructor(
    private readonly urls: { hlr?: string | undefined; radius?: string | undefined },
    private readonly timeoutMs = 10_000,
    private readonly limits?: SystemLimits,
  ) {}

  private send(system: 'hlr' | 'radius', method: 'GET' | 'PUT' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    return limited(this.limits, system, signal, () => this.sendNow(system, method, path, body, signal));
  }

  private async sendNow(system: 'hlr' | 'radius', method: 'GET' | 'PUT' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const base = this.urls[system];
    const label = system === 'hlr' ? 'the HLR/HSS' : 'RADIUS';
    if (!base) throw new TaskError('NETWORK_NOT_CONFIGURED', `No address is configured for ${label}.`, `Set ${system.toUpperCase()}_URL.`);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw unreachable(label, system.toUpperCase());
    }
    if (res.status >= 500) throw new TaskError(`${system.toUpperCase()}_ERROR`, `${label} answered HTTP ${res.status}`, 'Look at its logs, then retry.', true);
    if (res.status >= 400 && !(method !== 'PUT' && res.status === 404)) {
      throw new TaskError(`${system.toUpperCase()}_REFUSED`, `${label} refused the request (HTTP ${res.status}): ${await res.text()}`);
    }
    return res;
  }

  async activateSim(input: { iccid: string; imsi: string; msisdn: string; profile?: string | undefined }, signal?: AbortSignal) {
    return { created: (await this.send('hlr', 'PUT', `/subscribers/${encodeURIComponent(input.imsi)}`, input, signal)).status === 201 };
  }
  async deactivateSim(imsi: string, signal?: AbortSignal) {
    return { deleted: (await this.send('hlr', 'DELETE', `/subscribers/${encodeURIComponent(imsi)}`, undefined, signal)).status !== 404 };
  }
  async upsertRadiusUser(input: RadiusUser, signal?: AbortSignal) {
    return { created: (await this.send('radius', 'PUT', `/users/${encodeURIComponent(input.username)}`, input, signal)).status === 201 };
  }
  async deleteRadiusUser(username: string, signal?: AbortSignal) {
    return { deleted: (await this.send('radius', 'DELETE', `/users/${encodeURIComponent(username)}`, undefined, signal)).status !== 404 };
  }
  async getRadiusUser(username: string, signal?: AbortSignal): Promise<RadiusUser | null> {
    const res = await this.send('radius', 'GET', `/users/${encodeURIComponent(username)}`, undefined, signal);
    if (res.status === 404) return null;
    const data = (await res.json()) as Partial<RadiusUser>;
    return { username, profile: String(data.profile ?? ''), attributes: data.attributes ?? {} };
  }
  /** GET {hlrUrl}/subscribers/{imsi}: { msisdn, state, attached }; 404 when the HLR does not know it. */
  async getSubscriber(imsi: string, signal?: AbortSignal): Promise<HlrSubscriber | null> {
    const res = await this.send('hlr', 'GET', `/subscribers/${encodeURIComponent(imsi)}`, undefined, signal);
    if (res.status === 404) return null;
    const data = (await res.json()) as Partial<HlrSubscriber>;
    return { imsi, msisdn: data.msisdn ?? null, state: String(data.state ?? 'unknown'), attached: Boolean(data.attached) };
  }
  /** GET {radiusUrl}/users/{username}/last-session: { at, mac }; 404 when the modem was never seen. */
  async lastSession(username: string, signal?: AbortSignal): Promise<{ at: string; mac: string | null } | null> {
    const res = await this.send('radius', 'GET', `/users/${encodeURIComponent(username)}/last-session`, undefined, signal);
    if (res.status === 404) return null;
    const data = (await res.json()) as { at?: string; mac?: string | null };
    return data.at ? { at: data.at, mac: data.mac ?? null } : null;
  }
}
