import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/integrations/errors.js';
import { HttpNetwork } from '../../src/integrations/network/network.js';

/**
 * A stand-in for the operator's provisioning REST gateway in front of the HLR/HSS and RADIUS:
 * PUT creates (201) or replaces (200), GET reads (404 when absent), DELETE removes (404 when absent).
 */
function startGateway() {
  const elements = new Map<string, unknown>();
  const calls: string[] = [];
  let failWith: number | null = null;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url}`);
      if (failWith) {
        res.writeHead(failWith).end('gateway says no');
        return;
      }
      const key = decodeURIComponent(req.url ?? '');
      if (req.method === 'PUT') {
        const existed = elements.has(key);
        elements.set(key, JSON.parse(raw));
        res.writeHead(existed ? 200 : 201, { 'content-type': 'application/json' }).end('{}');
      } else if (req.method === 'GET') {
        if (!elements.has(key)) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(elements.get(key)));
      } else if (req.method === 'DELETE') {
        res.writeHead(elements.delete(key) ? 204 : 404).end();
      } else res.writeHead(405).end();
    });
  });
  return new Promise<{ url: string; elements: Map<string, unknown>; calls: string[]; fail(status: number | null): void; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        elements,
        calls,
        fail: (status) => (failWith = status),
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

let gw: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());

describe('network adapter for a REST gateway (HLR_URL, RADIUS_URL)', () => {
  it('activates and deactivates a SIM by IMSI, repeatable', async () => {
    const net = new HttpNetwork({ hlr: `${gw.url}/hlr`, radius: `${gw.url}/radius` });
    const sim = { iccid: '8944000000000000001', imsi: '234150000000001', msisdn: '447700900001' };
    expect(await net.activateSim(sim)).toEqual({ created: true });
    expect(await net.activateSim(sim)).toEqual({ created: false });
    expect(gw.elements.get('/hlr/subscribers/234150000000001')).toEqual(sim);
    expect(await net.deactivateSim(sim.imsi)).toEqual({ deleted: true });
    expect(await net.deactivateSim(sim.imsi)).toEqual({ deleted: false });
  });

  it('creates, reads, changes and removes a RADIUS user; an absent user reads as null', async () => {
    const net = new HttpNetwork({ radius: `${gw.url}/radius` });
    const user = { username: 'SB00000042@fibre.switchboard.example', profile: 'FTTP-100', attributes: { mac: '00:11:22:33:44:55' } };
    expect(await net.getRadiusUser(user.username)).toBeNull();
    expect(await net.upsertRadiusUser(user)).toEqual({ created: true });
    expect(await net.getRadiusUser(user.username)).toEqual(user);
    expect(gw.calls).toContain(`GET /radius/users/${encodeURIComponent(user.username)}`);
    expect(await net.upsertRadiusUser({ ...user, profile: 'STATIC-IP' })).toEqual({ created: false });
    expect((await net.getRadiusUser(user.username))?.profile).toBe('STATIC-IP');
    expect(await net.deleteRadiusUser(user.username)).toEqual({ deleted: true });
    expect(await net.getRadiusUser(user.username)).toBeNull();
  });

  it('says clearly when the gateway is down, failing, refusing, or not configured', async () => {
    const down = new HttpNetwork({ radius: 'http://127.0.0.1:9/radius' });
    await expect(down.getRadiusUser('x')).rejects.toMatchObject({ code: 'RADIUS_UNREACHABLE', message: 'Unable to connect to RADIUS', retryable: true });
    const net = new HttpNetwork({ hlr: `${gw.url}/hlr`, radius: `${gw.url}/radius` });
    gw.fail(503);
    await expect(net.upsertRadiusUser({ username: 'x', profile: 'P', attributes: {} })).rejects.toMatchObject({ code: 'RADIUS_ERROR', retryable: true });
    gw.fail(422);
    const refused = await net.activateSim({ iccid: '1', imsi: '2', msisdn: '3' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TaskError);
    expect(refused).toMatchObject({ code: 'HLR_REFUSED', retryable: false });
    expect((refused as TaskError).message).toMatch(/gateway says no/);
    gw.fail(null);
    await expect(new HttpNetwork({}).activateSim({ iccid: '1', imsi: '2', msisdn: '3' })).rejects.toMatchObject({ code: 'NETWORK_NOT_CONFIGURED' });
  });
});
