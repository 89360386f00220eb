import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { oidcClient, signInAtProvider, startOidcProvider, type TestProvider } from '../helpers/oidc-provider.js';

/**
 * Single sign-on for staff with OpenID Connect (authorisation code with PKCE), against a real
 * OpenID provider started here (the `oidc-provider` package): the role comes from the provider's
 * groups claim, the account is created at the first sign-in or linked by a verified e-mail
 * address, and nothing but the browser that started a sign-in can finish it.
 */
const PUBLIC_URL = 'http://switchboard.test';
let provider: TestProvider;
let t: TestApp;
beforeAll(async () => {
  provider = await startOidcProvider({ redirectUris: [`${PUBLIC_URL}/api/session/oidc/callback`] });
  t = await startTestApp({
    env: { PUBLIC_URL, OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: oidcClient.clientId, OIDC_CLIENT_SECRET: oidcClient.clientSecret, OIDC_NAME: 'Operator SSO' },
  });
});
afterAll(async () => {
  await t?.close();
  await provider?.close();
});

const cookie = (res: { cookies: { name: string; value: string }[] }, name: string) => {
  const c = res.cookies.find((x) => x.name === name);
  return c ? `${name}=${c.value}` : undefined;
};

/** The whole round trip: start, the provider's sign-in form, the callback. Returns the callback's answer. */
async function ssoAs(login: string, opts: { returnTo?: string; keepBrowserCookie?: boolean } = {}) {
  const start = await t.app.http.inject({ method: 'GET', url: `/api/session/oidc/start${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}` });
  expect(start.statusCode, start.body).toBe(302);
  const location = String(start.headers.location);
  expect(location.startsWith(provider.issuer)).toBe(true);
  const url = new URL(location);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/session/oidc/callback`);
  const back = new URL(await signInAtProvider(location, login));
  expect(back.origin + back.pathname).toBe(`${PUBLIC_URL}/api/session/oidc/callback`);
  const browser = opts.keepBrowserCookie === false ? undefined : cookie(start, 'sb_oidc');
  return t.app.http.inject({ method: 'GET', url: back.pathname + back.search, headers: { ...(browser && { cookie: browser }) } });
}

describe('single sign-on (OpenID Connect)', () => {
  it('says how staff may sign in', async () => {
    expect(body(await t.anonymous.get('/api/session/providers'))).toEqual({ password: true, singleSignOn: { name: 'Operator SSO', start: '/api/session/oidc/start' } });
  });

  it('creates the account at the first sign-in with the role its groups give, and comes back to the page asked for', async () => {
    const res = await ssoAs('sam', { returnTo: '/customers/100' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/customers/100');
    const session = cookie(res, 'sb_session')!;
    const me = body(await t.app.http.inject({ method: 'GET', url: '/api/session', headers: { cookie: session } }));
    expect(me).toMatchObject({ email: 'sam.agent@operator.example', name: 'Sam Agent', role: 'agent', singleSignOn: true, twoFactor: false });
    // An agent: may assign, may not edit the catalog.
    expect((await t.app.http.inject({ method: 'POST', url: '/api/products/voip-line/disable', headers: { cookie: session } })).statusCode).toBe(403);
    const stored = await t.app.database.db.selectFrom('users').select(['passwordHash', 'oidcSubject']).where('email', '=', 'sam.agent@operator.example').executeTakeFirstOrThrow();
    expect(stored).toEqual({ passwordHash: null, oidcSubject: 'sam' });
    // No password: the password form cannot open this account.
    expect((await t.anonymous.post('/api/session', { email: 'sam.agent@operator.example', password: '' })).statusCode).toBe(400);
    expect((await t.anonymous.post('/api/session', { email: 'sam.agent@operator.example', password: 'anything' })).statusCode).toBe(401);
  });

  it('gives the highest role among the groups, links an existing account by its verified address, and follows the provider on each sign-in', async () => {
    const ana = await ssoAs('ana');
    const me = body(await t.app.http.inject({ method: 'GET', url: '/api/session', headers: { cookie: cookie(ana, 'sb_session')! } }));
    expect(me.role).toBe('admin');

    const before = body(await (await t.as('admin')).get('/api/users')).items.find((u: any) => u.email === 'agent@switchboard.local');
    const linked = await ssoAs('agent');
    const agentMe = body(await t.app.http.inject({ method: 'GET', url: '/api/session', headers: { cookie: cookie(linked, 'sb_session')! } }));
    expect(agentMe).toMatchObject({ id: before.id, role: 'agent', singleSignOn: true });
    const audit = body(await (await t.as('admin')).get(`/api/audit?entityType=user&entityId=${before.id}`)).items.map((e: any) => e.action);
    expect(audit).toContain('user.sso_link');
  });

  it('refuses a staff member the provider gives no role, a disabled account, and a sign-in finished in another browser', async () => {
    const nora = await ssoAs('nora');
    expect(nora.statusCode).toBe(302);
    expect(nora.headers.location).toBe('/?signInError=SSO_NO_ROLE');
    expect(cookie(nora, 'sb_session')).toBeUndefined();

    const vic = await ssoAs('vic');
    expect(cookie(vic, 'sb_session')).toBeDefined();
    const admin = await t.as('admin');
    const id = body(await admin.get('/api/users')).items.find((u: any) => u.email === 'vic.viewer@operator.example').id;
    await admin.patch(`/api/users/${id}`, { disabled: true });
    expect((await ssoAs('vic')).headers.location).toBe('/?signInError=SSO_ACCOUNT_DISABLED');

    // The code is useless without the browser that started the sign-in (login CSRF).
    const stolen = await ssoAs('sam', { keepBrowserCookie: false });
    expect(stolen.headers.location).toBe('/?signInError=SSO_EXPIRED');
    expect(cookie(stolen, 'sb_session')).toBeUndefined();
  });

  it('never sends the browser to another site after signing in', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const res = await ssoAs('sam', { returnTo });
      expect(res.headers.location, returnTo).toBe('/');
    }
  });
});
