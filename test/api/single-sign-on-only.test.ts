import { describe, expect, it } from 'vitest';
import { body, startTestApp } from '../helpers/app.js';

/**
 * Staff sign in only through single sign-on (PASSWORD_SIGN_IN=off), and the identity provider is
 * down: the password form is refused with a way out, the start of a sign-in says the provider
 * cannot be reached (its own file: one Switchboard per test process).
 */
describe('single sign-on only, and a provider that is down', () => {
  it('turns password sign-in off, and says so when the provider cannot be reached', async () => {
    const app = await startTestApp({ env: { PASSWORD_SIGN_IN: 'off', OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'switchboard', OIDC_NAME: 'Operator SSO' } });
    try {
      expect(body(await app.anonymous.get('/api/session/providers')).password).toBe(false);
      const refused = await app.anonymous.post('/api/session', { email: 'agent@switchboard.local', password: 'switchboard-agent' });
      expect(refused.statusCode).toBe(403);
      expect(body(refused).error).toMatchObject({ code: 'PASSWORD_SIGN_IN_OFF' });
      expect(body(refused).error.hint).toMatch(/Operator SSO/);
      const down = await app.anonymous.get('/api/session/oidc/start');
      expect(down.statusCode).toBe(503);
      expect(body(down).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    } finally {
      await app.close();
    }
  });
});
