import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicOrigin } from '../../src/integrations/systems.routes.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';

/** The outside systems page (issue 13): simulated or real and where, the simulators' settings, and the banner's list. */
let t: TestApp;
beforeAll(async () => {
  // The mail server is real here, with credentials in its URL; the OCS and the rest are simulated.
  t = await startTestApp({ env: { SMTP_URL: 'smtp://switchboard:s3cret-pass@mail.operator.example:2525/x?y=1' } });
});
afterAll(() => t?.close());

describe('outside systems', () => {
  it('lists each system as simulated or real, the real one by its host only, never its credentials', async () => {
    const admin = await t.as('admin');
    const res = await admin.get('/api/systems');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain('s3cret');
    const items = body(res).items as any[];
    const by = Object.fromEntries(items.map((s) => [s.system, s]));
    expect(by.mail).toMatchObject({ mode: 'real', url: 'smtp://mail.operator.example:2525', simulator: null });
    expect(by.ocs).toMatchObject({ mode: 'simulator', url: null, simulator: { latencyMs: 0, failure: null } });
    expect(Object.keys(by)).toEqual(expect.arrayContaining(['ocs', 'hlr', 'radius', 'payments', 'tickets']));
  });

  it('is for admins; the banner’s list of failing simulators is for every staff member and names only simulated systems', async () => {
    expect((await (await t.as('agent')).get('/api/systems')).statusCode).toBe(403);
    expect((await t.anonymous.get('/api/simulators/failing')).statusCode).toBe(401);
    const admin = await t.as('admin');
    const viewer = await t.as('viewer');
    expect(body(await viewer.get('/api/simulators/failing')).items).toEqual([]);
    expect((await admin.request('PUT', '/api/simulators/ocs', { latencyMs: 0, failure: 'unreachable' })).statusCode).toBe(200);
    // A failure set on a system that is real here (mail) plays no part: it is not announced.
    expect((await admin.request('PUT', '/api/simulators/mail', { latencyMs: 0, failure: 'error' })).statusCode).toBe(200);
    expect(body(await viewer.get('/api/simulators/failing')).items).toEqual([{ system: 'ocs', label: 'OCS', failure: 'unreachable' }]);
    expect(body(await admin.get('/api/systems')).items.find((s: any) => s.system === 'ocs').simulator.failure).toBe('unreachable');
    expect((await admin.request('PUT', '/api/simulators/ocs', { latencyMs: 0, failure: null })).statusCode).toBe(200);
    expect(body(await viewer.get('/api/simulators/failing')).items).toEqual([]);
  });

  it('refuses a latency out of range with a clear error, and changes nothing', async () => {
    const admin = await t.as('admin');
    const res = await admin.request('PUT', '/api/simulators/hlr', { latencyMs: -5, failure: null });
    expect(res.statusCode).toBe(400);
    expect(body(res).error.code).toBe('VALIDATION_FAILED');
    expect(body(await admin.get('/api/systems')).items.find((s: any) => s.system === 'hlr').simulator.latencyMs).toBe(0);
  });

  it('shows a URL by scheme, host and port only', () => {
    expect(publicOrigin('https://user:pw@ocs.example:8443/jsonrpc?token=abc')).toBe('https://ocs.example:8443');
    expect(publicOrigin('not a url')).toBeNull();
    expect(publicOrigin(undefined)).toBeNull();
  });
});
