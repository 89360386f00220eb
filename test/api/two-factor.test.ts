import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Two-factor sign-in for staff (TOTP, RFC 6238): enrolment confirmed by a code, ten single-use
 * recovery codes stored hashed, the code asked after the password, replay refused, a policy per
 * role that forces enrolment, and an administrator's reset. API tokens are not concerned.
 */
let t: TestApp;
let address = 0;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** Each sign-in from its own client address: the per-address limit is another test's business. */
const post = (url: string, payload: unknown, cookie?: string) =>
  t.app.http.inject({ method: 'POST', url, remoteAddress: `10.1.0.${++address % 250}`, headers: { 'content-type': 'application/json', ...(cookie && { cookie }) }, payload: JSON.stringify(payload) });
const get = (url: string, cookie: string) => t.app.http.inject({ method: 'GET', url, headers: { cookie } });
const cookieOf = (res: { cookies: { name: string; value: string }[] }) => {
  const c = res.cookies.find((x) => x.name === 'sb_session');
  return c ? `sb_session=${c.value}` : undefined;
};
const now = () => Math.floor(Date.now() / 1000);
/** A code of another 30-second step than the last one used (each step's code is accepted once). */
const codeAt = (secret: string, offsetSteps: number) => generate({ secret, epoch: now() + offsetSteps * 30 });

async function newStaff(email: string, role: 'agent' | 'viewer' = 'agent') {
  const admin = await t.as('admin');
  const res = await admin.post('/api/users', { email, name: email.split('@')[0], role, password: 'a-good-password-1' });
  expect(res.statusCode, res.body).toBe(201);
  return body(res);
}

async function enrol(cookie: string) {
  const begin = await post('/api/session/mfa/totp', {}, cookie);
  expect(begin.statusCode, begin.body).toBe(200);
  const { secret, uri, qrCode } = body(begin);
  expect(uri).toMatch(/^otpauth:\/\/totp\/Switchboard:/);
  expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
  const confirm = await post('/api/session/mfa/totp/confirm', { code: await codeAt(secret, 0) }, cookie);
  expect(confirm.statusCode, confirm.body).toBe(200);
  return { secret, recoveryCodes: body(confirm).recoveryCodes as string[] };
}

describe('two-factor sign-in (TOTP)', () => {
  it('enrols with a code, then asks for a code after the password; a code works once, a wrong one does not', async () => {
    await newStaff('totp.one@switchboard.local');
    const first = await post('/api/session', { email: 'totp.one@switchboard.local', password: 'a-good-password-1' });
    expect(body(first)).toMatchObject({ step: 'signed_in', enrolmentRequired: false });
    const cookie = cookieOf(first)!;

    // A wrong first code does not turn it on.
    const begin = body(await post('/api/session/mfa/totp', {}, cookie));
    // A wrong code from someone signed in is a field to correct, not a failed sign-in.
    const wrongFirst = await post('/api/session/mfa/totp/confirm', { code: '000000' }, cookie);
    expect(wrongFirst.statusCode).toBe(400);
    expect(body(wrongFirst).error.details.fields[0].field).toBe('body.code');
    expect(body(await get('/api/session/mfa', cookie))).toMatchObject({ enabled: false });
    const confirmed = await post('/api/session/mfa/totp/confirm', { code: await codeAt(begin.secret, 0) }, cookie);
    expect(confirmed.statusCode).toBe(200);
    const recoveryCodes: string[] = body(confirmed).recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(body(await get('/api/session/mfa', cookie))).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });

    // Stored sealed and hashed, never as given.
    const row = await t.app.database.db.selectFrom('users').select(['totpSecret']).where('email', '=', 'totp.one@switchboard.local').executeTakeFirstOrThrow();
    expect(row.totpSecret).toMatch(/^v1\./);
    expect(row.totpSecret).not.toContain(begin.secret);
    const hashes = await t.app.database.db.selectFrom('recoveryCodes').select('codeHash').execute();
    for (const c of recoveryCodes) expect(hashes.map((h) => h.codeHash)).not.toContain(c);

    // The password alone no longer signs in.
    const step1 = await post('/api/session', { email: 'totp.one@switchboard.local', password: 'a-good-password-1' });
    expect(step1.statusCode).toBe(200);
    expect(body(step1).step).toBe('second_factor');
    expect(cookieOf(step1)).toBeUndefined();
    const wrong = await post('/api/session/second-factor', { challenge: body(step1).challenge, code: '123456' });
    expect(wrong.statusCode).toBe(401);
    expect(body(wrong).error.code).toBe('INVALID_CODE');
    expect(body(wrong).error.message).toMatch(/tries left/);
    const code = await codeAt(begin.secret, 1);
    const ok = await post('/api/session/second-factor', { challenge: body(step1).challenge, code });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(body(ok)).toMatchObject({ step: 'signed_in', user: { email: 'totp.one@switchboard.local', twoFactor: true } });
    const session = cookieOf(ok)!;
    expect((await get('/api/products', session)).statusCode).toBe(200);

    // The same code again (a replay) is refused, even with a new challenge; and a challenge is used once.
    const again = await post('/api/session', { email: 'totp.one@switchboard.local', password: 'a-good-password-1' });
    expect((await post('/api/session/second-factor', { challenge: body(again).challenge, code })).statusCode).toBe(401);
    expect((await post('/api/session/second-factor', { challenge: body(step1).challenge, code: await codeAt(begin.secret, -1) })).statusCode).toBe(401);
  });

  it('takes a recovery code once, and asks for the password again after five wrong codes', async () => {
    await newStaff('totp.two@switchboard.local');
    const cookie = cookieOf(await post('/api/session', { email: 'totp.two@switchboard.local', password: 'a-good-password-1' }))!;
    const { recoveryCodes } = await enrol(cookie);

    const challenge = async () => body(await post('/api/session', { email: 'totp.two@switchboard.local', password: 'a-good-password-1' })).challenge;
    const used = await post('/api/session/second-factor', { challenge: await challenge(), recoveryCode: recoveryCodes[0]!.toUpperCase() });
    expect(used.statusCode, used.body).toBe(200);
    expect((await post('/api/session/second-factor', { challenge: await challenge(), recoveryCode: recoveryCodes[0] })).statusCode).toBe(401);
    const status = body(await get('/api/session/mfa', cookieOf(used)!));
    expect(status.recoveryCodesLeft).toBe(9);

    const c = await challenge();
    for (let i = 0; i < 5; i++) expect((await post('/api/session/second-factor', { challenge: c, code: '000000' })).statusCode).toBe(401);
    const spent = await post('/api/session/second-factor', { challenge: c, recoveryCode: recoveryCodes[1] });
    expect(spent.statusCode).toBe(401);
    expect(body(spent).error.code).toBe('UNAUTHENTICATED');
    expect(body(spent).error.hint).toMatch(/password/);
  });

  it('forces enrolment on a role that requires it: the session may do nothing else until it is done', async () => {
    const admin = await t.as('admin');
    const viewer = await newStaff('forced.viewer@switchboard.local', 'viewer');
    expect((await admin.request('PUT', '/api/security', { mfaRequiredRoles: ['viewer'] })).statusCode).toBe(200);
    try {
      const res = await post('/api/session', { email: 'forced.viewer@switchboard.local', password: 'a-good-password-1' });
      expect(body(res)).toMatchObject({ step: 'signed_in', enrolmentRequired: true });
      const cookie = cookieOf(res)!;
      const blocked = await get('/api/products', cookie);
      expect(blocked.statusCode).toBe(403);
      expect(body(blocked).error.code).toBe('MFA_ENROLMENT_REQUIRED');
      expect(body(await get('/api/session', cookie))).toMatchObject({ enrolmentRequired: true, role: 'viewer' });
      const { secret } = await enrol(cookie);
      expect((await get('/api/products', cookie)).statusCode).toBe(200);
      expect(body(await get('/api/session', cookie)).enrolmentRequired).toBe(false);
      // Required: it cannot be turned off by its owner.
      const off = await post('/api/session/mfa/totp/disable', { code: await codeAt(secret, 1) }, cookie);
      expect(off.statusCode).toBe(409);

      // An admin resets it (a lost phone): the next sign-in must enrol again.
      const reset = await admin.post(`/api/users/${viewer.id}/mfa/reset`);
      expect(reset.statusCode).toBe(200);
      expect(body(reset).twoFactor).toBe(false);
      const next = await post('/api/session', { email: 'forced.viewer@switchboard.local', password: 'a-good-password-1' });
      expect(body(next)).toMatchObject({ step: 'signed_in', enrolmentRequired: true });
      const audit = body(await admin.get(`/api/audit?entityType=user&entityId=${viewer.id}`)).items.map((e: any) => e.action);
      expect(audit).toEqual(expect.arrayContaining(['user.mfa_enable', 'user.mfa_reset']));
    } finally {
      await admin.request('PUT', '/api/security', { mfaRequiredRoles: [] });
    }
  });

  it('turns off with a code when not required; API tokens never ask for a code', async () => {
    const staff = await newStaff('totp.three@switchboard.local');
    const cookie = cookieOf(await post('/api/session', { email: 'totp.three@switchboard.local', password: 'a-good-password-1' }))!;
    const { secret } = await enrol(cookie);
    const admin = await t.as('admin');
    const token = body(await admin.post('/api/tokens', { name: 'machine', userId: staff.id })).token;
    expect((await t.app.http.inject({ method: 'GET', url: '/api/products', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await post('/api/session/mfa/totp/disable', { code: '000000' }, cookie)).statusCode).toBe(400);
    expect((await post('/api/session/mfa/totp/disable', { code: await codeAt(secret, 1) }, cookie)).statusCode).toBe(200);
    expect(body(await post('/api/session', { email: 'totp.three@switchboard.local', password: 'a-good-password-1' })).step).toBe('signed_in');
  });
});
