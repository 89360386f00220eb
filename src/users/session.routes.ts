import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { admins, anyStaff, ctxOf, SESSION_COOKIE } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { AppError } from '../shared/errors.js';
import { okBody } from '../shared/schemas.js';
import type { MfaService } from './mfa.service.js';
import { SsoError } from './oidc.service.js';
import type { SignInService } from './sign-in.service.js';
import type { OpenedSession, UsersService } from './users.service.js';
import { factorInput, me, mfaStatus, providers, recoveryCodes, role, secondFactorNeeded, securitySettings, signedIn, signInInput, totpCode, totpEnrolment, user } from './users.schemas.js';

const OIDC_COOKIE = 'sb_oidc';

/** Only a path of the console: never another site (an open redirect). */
const safeReturnTo = (v: unknown) => (typeof v === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) && v.length <= 500 ? v : '/');

/**
 * Signing in and out, two-factor sign-in and its set-up, single sign-on, and the security
 * settings an administrator sets.
 */
export function sessionRoutes(
  app: ZodApp,
  d: { users: UsersService; signIn: SignInService; mfa: MfaService; cookieSecure: boolean; publicUrl: string | undefined; secretKeySet: boolean },
): void {
  const tags = ['session'];
  const setSessionCookie = (reply: FastifyReply, s: OpenedSession) =>
    reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: d.cookieSecure, expires: new Date(s.expiresAt) });
  const sessionAnswer = (s: OpenedSession) => ({ step: 'signed_in' as const, user: s.user, expiresAt: s.expiresAt, enrolmentRequired: s.enrolmentRequired });
  /** Where the provider sends the browser back: PUBLIC_URL, else the address this request came to. */
  const callbackUrl = (req: FastifyRequest) => `${d.publicUrl ?? `${req.protocol}://${req.host}`}/api/session/oidc/callback`;

  app.get('/api/session/providers', {
    config: { auth: 'public' },
    schema: {
      tags,
      summary: 'How staff may sign in here: with a password, with single sign-on',
      response: { 200: providers },
    },
    handler: async () => ({
      password: d.signIn.options.passwords,
      singleSignOn: d.signIn.oidc ? { name: d.signIn.oidc.settings.name, start: '/api/session/oidc/start' } : null,
    }),
  });

  app.post('/api/session', {
    config: { auth: 'public' },
    schema: {
      tags,
      summary: 'Sign in with a password: sets the session cookie, or asks for the second factor',
      description: 'With two-factor sign-in, the answer is `step: second_factor` and a challenge to send with the code to POST /api/session/second-factor.',
      body: signInInput,
      response: { 200: z.union([signedIn, secondFactorNeeded]), ...errors, 429: errors[400] },
    },
    handler: async (req, reply) => {
      const result = await d.signIn.password(req.body.email, req.body.password, req.ip, req.id);
      if (result.step === 'second_factor') return result;
      setSessionCookie(reply, result.session);
      return sessionAnswer(result.session);
    },
  });

  app.post('/api/session/second-factor', {
    config: { auth: 'public' },
    schema: {
      tags,
      summary: 'The second step of a sign-in: the code from the authenticator app, or a recovery code',
      body: z.object({ challenge: z.string().min(1).max(200) }).and(factorInput),
      response: { 200: signedIn, ...errors, 429: errors[400] },
    },
    handler: async (req, reply) => {
      const session = await d.signIn.secondFactor(req.body.challenge, req.body, req.ip, req.id);
      setSessionCookie(reply, session);
      return sessionAnswer(session);
    },
  });

  app.get('/api/session', {
    config: { auth: anyStaff, duringEnrolment: true },
    schema: { tags, summary: 'Who is signed in', response: { 200: me, ...errors } },
    handler: async (req) => ({ ...(await d.users.get(ctxOf(req).actor.id!)), enrolmentRequired: Boolean(req.actor?.enrolmentOnly) }),
  });

  app.delete('/api/session', {
    config: { auth: anyStaff, duringEnrolment: true },
    schema: { tags, summary: 'Sign out', response: { 200: okBody, ...errors } },
    handler: async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await d.users.signOut(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  });

  // --- two-factor sign-in: each staff member's own -------------------------------------------------

  app.get('/api/session/mfa', {
    config: { auth: anyStaff, duringEnrolment: true },
    schema: { tags, summary: 'Your two-factor sign-in: on or off, recovery codes left, whether your role requires it', response: { 200: mfaStatus, ...errors } },
    handler: async (req) => d.mfa.status(ctxOf(req).actor.id!),
  });

  app.post('/api/session/mfa/totp', {
    config: { auth: anyStaff, duringEnrolment: true },
    schema: {
      tags,
      summary: 'Set up two-factor sign-in: a secret for the authenticator app, as a QR code and as text',
      response: { 200: totpEnrolment, ...errors },
    },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return d.mfa.beginEnrolment(ctxOf(req));
    },
  });

  app.post('/api/session/mfa/totp/confirm', {
    config: { auth: anyStaff, duringEnrolment: true },
    schema: { tags, summary: 'Finish the set-up with a code from the app: gives the ten recovery codes, once', body: z.object({ code: totpCode }), response: { 200: recoveryCodes, ...errors } },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return d.mfa.confirmEnrolment(ctxOf(req), req.body.code, req.cookies[SESSION_COOKIE]);
    },
  });

  app.post('/api/session/mfa/totp/disable', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Turn two-factor sign-in off, with a code (not while your role requires it)', body: factorInput, response: { 200: okBody, ...errors } },
    handler: async (req) => {
      await d.mfa.disable(ctxOf(req), req.body);
      return { ok: true as const };
    },
  });

  app.post('/api/session/mfa/recovery-codes', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'New recovery codes, with a code; the old ones stop working', body: factorInput, response: { 200: recoveryCodes, ...errors } },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return d.mfa.regenerateRecoveryCodes(ctxOf(req), req.body);
    },
  });

  // --- single sign-on -----------------------------------------------------------------------------

  app.get('/api/session/oidc/start', {
    config: { auth: 'public' },
    schema: {
      tags,
      summary: "Sign in with the company's identity provider (OpenID Connect): redirects there",
      querystring: z.object({ returnTo: z.string().max(500).optional().describe('The console page to come back to') }),
      response: { 302: z.null().describe('To the identity provider'), ...errors, 503: errors[400] },
    },
    handler: async (req, reply) => {
      if (!d.signIn.oidc) throw new AppError('NOT_FOUND', 'Single sign-on is not set up here.', 'Sign in with your e-mail address and password; an administrator sets OIDC_ISSUER to add single sign-on.');
      const { url, state } = await d.signIn.oidc.start(callbackUrl(req), safeReturnTo(req.query.returnTo));
      reply.setCookie(OIDC_COOKIE, state, { path: '/api/session/oidc', httpOnly: true, sameSite: 'lax', secure: d.cookieSecure, maxAge: 600 });
      return reply.redirect(url, 302);
    },
  });

  app.get('/api/session/oidc/callback', {
    config: { auth: 'public' },
    schema: {
      tags,
      summary: 'Where the identity provider sends the browser back: opens the session, then back to the console',
      querystring: z.looseObject({
        code: z.string().max(4000).optional(),
        state: z.string().max(4000).optional(),
        iss: z.string().max(4000).optional(),
        error: z.string().max(4000).optional(),
        error_description: z.string().max(4000).optional(),
      }),
      response: { 302: z.null().describe('To the console (with ?signInError=CODE when it failed)') },
    },
    handler: async (req, reply) => {
      if (!d.signIn.oidc) throw new AppError('NOT_FOUND', 'Single sign-on is not set up here.', 'Sign in with your e-mail address and password; an administrator sets OIDC_ISSUER to add single sign-on.');
      reply.clearCookie(OIDC_COOKIE, { path: '/api/session/oidc' });
      const here = new URL(callbackUrl(req));
      here.search = new URL(req.url, 'http://x').search;
      try {
        const { user: u, returnTo } = await d.signIn.oidc.finish(here, req.cookies[OIDC_COOKIE]);
        setSessionCookie(reply, await d.signIn.singleSignOn(u, req.id));
        return reply.redirect(returnTo, 302);
      } catch (e) {
        if (!(e instanceof SsoError)) throw e;
        req.log.info({ code: e.code, reason: e.message }, 'single sign-on refused');
        return reply.redirect(`/?signInError=${e.code}`, 302);
      }
    },
  });

  // --- what an administrator sets -----------------------------------------------------------------

  app.get('/api/security', {
    config: { auth: admins },
    schema: { tags: ['security'], summary: 'Security settings: which roles need two-factor sign-in, how staff sign in', response: { 200: securitySettings, ...errors } },
    handler: async () => settings(),
  });

  app.put('/api/security', {
    config: { auth: admins },
    schema: { tags: ['security'], summary: 'Require two-factor sign-in for roles', body: z.object({ mfaRequiredRoles: z.array(role).max(3) }), response: { 200: securitySettings, ...errors } },
    handler: async (req) => {
      await d.mfa.setRequiredRoles(ctxOf(req), req.body.mfaRequiredRoles);
      return settings();
    },
  });

  app.post('/api/users/:id/mfa/reset', {
    config: { auth: admins },
    schema: { tags: ['staff'], summary: "Reset a staff member's two-factor sign-in (a lost phone): they set it up again", params: z.object({ id: z.uuid() }), response: { 200: user, ...errors } },
    handler: async (req) => d.mfa.reset(ctxOf(req), req.params.id),
  });

  async function settings() {
    return {
      mfaRequiredRoles: await d.mfa.requiredRoles(),
      passwordSignIn: d.signIn.options.passwords,
      singleSignOn: d.signIn.oidc ? { name: d.signIn.oidc.settings.name, issuer: d.signIn.oidc.settings.issuer } : null,
      secretKeySet: d.secretKeySet,
    };
  }
}
