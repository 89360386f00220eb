import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import type { Actor, Ctx } from '../users/actor.js';
import type { UsersService } from '../users/users.service.js';
import type { Role } from '../users/users.tables.js';

export const SESSION_COOKIE = 'sb_session';

/** Who may call a route. Every route under /api must say, or the server refuses to start. */
export type RouteAuth = 'public' | readonly Role[];

export const anyStaff: RouteAuth = ['admin', 'agent', 'viewer'];
export const agents: RouteAuth = ['admin', 'agent'];
export const admins: RouteAuth = ['admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** Every /api route as "METHOD /path/{param}", the way the OpenAPI document names them. */
    apiRoutes: string[];
  }
}

/** The actor of an authenticated request, with the request ID for the audit log. */
export function ctxOf(req: FastifyRequest): Ctx {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return { actor: req.actor, requestId: req.id };
}

export function registerAuth(app: FastifyInstance, users: UsersService): void {
  app.decorateRequest('actor', null);
  app.decorate('apiRoutes', [] as string[]);

  // Refuse to start with a route that forgot to say who may call it.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const auth = route.config?.auth;
    if (!auth) throw new Error(`Route ${route.method} ${route.url} does not declare config.auth`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.apiRoutes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    }
    if (auth !== 'public') {
      route.schema = {
        ...route.schema,
        security: [{ session: [] }, { bearer: [] }],
        description: [route.schema?.description, `Roles: ${auth.join(', ')}.`].filter(Boolean).join('\n\n'),
      } as typeof route.schema;
    }
  });

  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    const auth = req.routeOptions.config?.auth;
    if (!auth || auth === 'public') return;
    req.actor = await identify(req, users);
    if (!req.actor) {
      throw new AppError('UNAUTHENTICATED', 'You are not signed in, or your session has ended.', 'Sign in again (POST /api/session) or send "Authorization: Bearer <API token>".');
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
