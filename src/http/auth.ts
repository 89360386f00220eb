import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../shared/errors.js';
import type { Actor, Ctx } from '../users/actor.js';
import type { UsersService } from '../users/users.service.js';
import type { Role } from '../users/users.tables.js';
import type { ScrapeAccess } from '../observability/scrape-access.js';

export const SESSION_COOKIE = 'sb_session';

/**
 * Who may call a route: `public`, or the roles that may. Every route must say: one that does not
 * stops the server at start-up, and would be refused to everyone if it ever got through. Routes
 * that plugins add (the console's files, the API documentation) are declared public where the
 * plugin is registered (`publicScope`).
 */
export type RouteAuth = 'public' | readonly Role[];

export const anyStaff: RouteAuth = ['admin', 'agent', 'viewer'];
export const agents: RouteAuth = ['admin', 'agent'];
export const admins: RouteAuth = ['admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** The route serves a session that may only enrol a second factor (its role requires one). */
    duringEnrolment?: boolean;
    /** A monitoring system may call it with the scrape token or from an allowed address (/metrics). */
    scrape?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The W3C traceparent of this request's span, when tracing (issue 12). */
    traceparent: string | null;
  }
  interface FastifyInstance {
    /** Every /api route as "METHOD /path/{param}", the way the OpenAPI document names them. */
    apiRoutes: string[];
    /** Every route, of every plugin, with who may call it: what the access test goes over. */
    routeAccess: { method: string; url: string; auth: RouteAuth | undefined }[];
  }
}

/** The actor of an authenticated request, with the request ID for the audit log. */
export function ctxOf(req: FastifyRequest): Ctx {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return { actor: req.actor, requestId: req.id, traceparent: req.traceparent };
}

/**
 * Registers routes that a plugin adds (static files, the documentation UI) as public: the one way
 * a route that does not declare `config.auth` itself can be open.
 */
export async function publicScope(app: FastifyInstance, register: (scope: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: 'public' };
    });
    await register(scope);
  });
}

export function registerAuth(app: FastifyInstance, users: UsersService, scrape: ScrapeAccess | null = null): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('traceparent', null);
  app.decorate('apiRoutes', [] as string[]);
  app.decorate('routeAccess', [] as FastifyInstance['routeAccess']);

  const registered: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    registered.push(route);
  });
  // By the time the server is ready every plugin's own hooks have run: each route must say who may call it.
  app.addHook('onReady', async () => {
    for (const route of registered) {
      const auth = route.config?.auth;
      if (!auth) throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.auth: say who may call it ('public' or the roles)`);
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        app.routeAccess.push({ method, url: route.url, auth });
        if (route.url.startsWith('/api/')) app.apiRoutes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  });
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    if (!auth || auth === 'public') return;
    route.schema = {
      ...route.schema,
      security: [{ session: [] }, { bearer: [] }],
      description: [route.schema?.description, `Roles: ${auth.join(', ')}.`].filter(Boolean).join('\n\n'),
    } as typeof route.schema;
  });

  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    // A request no route matched gets the not-found answer (or the console's page), which is public.
    if (req.is404) return;
    const config = req.routeOptions.config;
    const auth = config?.auth;
    if (auth === 'public') return;
    // A monitoring system's scrape: its token, or the address of the connection itself (never
    // X-Forwarded-For, which anyone can write), no staff account.
    if (config?.scrape && scrape?.allows(req.headers.authorization, req.socket.remoteAddress)) return;
    req.actor = await identify(req, users);
    if (!req.actor) {
      throw new AppError('UNAUTHENTICATED', 'You are not signed in, or your session has ended.', 'Sign in again (POST /api/session) or send "Authorization: Bearer <API token>".');
    }
    if (!auth) throw new AppError('FORBIDDEN', 'This route does not say who may call it, so no one may.', 'Report this to the Switchboard team.');
    if (req.actor.enrolmentOnly && !config.duringEnrolment) {
      throw new AppError('MFA_ENROLMENT_REQUIRED', `Your role (${req.actor.role}) must sign in with a second factor: set up two-factor sign-in first.`, 'Open the console and follow the set-up, or POST /api/session/mfa/totp then /api/session/mfa/totp/confirm.');
    }
    if (!(auth as readonly string[]).includes(req.actor.role)) {
      throw new AppError('FORBIDDEN', `Your role (${req.actor.role}) may not do this; it needs one of: ${auth.join(', ')}.`, 'Ask an administrator for the role this needs.');
    }
  });
}

async function identify(req: FastifyRequest, users: UsersService): Promise<Actor | null> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m?.[1] ? users.actorForToken(m[1]) : null;
  }
  const cookie = req.cookies[SESSION_COOKIE];
  return cookie ? users.actorForSession(cookie) : null;
}
