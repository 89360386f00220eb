import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fs from 'node:fs';
import path from 'node:path';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { publicScope, registerAuth } from './auth.js';
import { registerEdgeChecks, registerStrictJson } from './edge.js';
import { errorBody, frameworkErrors, registerErrorHandling } from './errors.js';
import type { ZodApp } from './types.js';
import type { UsersService } from '../users/users.service.js';
import type { Metrics } from '../observability/metrics.js';
import type { ScrapeAccess } from '../observability/scrape-access.js';
import { SpanKind, Tracing } from '../observability/tracing.js';

export interface ServerOptions {
  logger: FastifyBaseLogger;
  users: UsersService;
  version: string;
  database: 'embedded' | 'postgres';
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** The built console (dist/web); served at / when it exists. */
  consoleDir?: string | undefined;
  /** Behind TLS: HSTS, upgrade-insecure-requests. */
  secure: boolean;
  /** Fastify's trustProxy: which proxies' X-Forwarded-For to believe for the client's address. */
  trustProxy: boolean | string | number;
  /** The console's address as staff reach it (PUBLIC_URL), when it differs from the Host header. */
  publicOrigin: string | undefined;
  /** Requests counted and timed by route (issue 12). */
  metrics?: Metrics | undefined;
  /** A span per request, joining the caller's trace (traceparent). */
  tracing?: Tracing | undefined;
  /** Who may scrape /metrics without signing in. */
  scrape?: ScrapeAccess | null | undefined;
}

/**
 * The Content-Security-Policy of the console and the API documentation: only Switchboard's own
 * scripts, styles and connections; images may be data: URLs (the two-factor QR code).
 */
export function contentSecurityPolicy(secure: boolean) {
  return {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      ...(secure && { upgradeInsecureRequests: [] }),
    },
  };
}

/** The Fastify app with the cross-cutting parts: auth, errors, OpenAPI at /docs. Domains add routes. */
export async function createServer(opts: ServerOptions): Promise<ZodApp> {
  const app = Fastify({
    loggerInstance: opts.logger,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && /^[\w.:-]{1,100}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID()),
    // A hop count trusts that many proxies nearest to the server.
    trustProxy: typeof opts.trustProxy === 'number' ? ((_address: string, hop: number) => hop < (opts.trustProxy as number)) : opts.trustProxy,
    bodyLimit: 1024 * 1024,
    // A URL Fastify cannot route (a part over 100 characters, bad percent-encoding) answers in the one shape.
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerStrictJson(app);

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: contentSecurityPolicy(opts.secure),
    strictTransportSecurity: opts.secure ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: opts.version,
        description:
          'Plan assignment and service provisioning. Sign in with POST /api/session (cookie) or send "Authorization: Bearer <token>". ' +
          'Errors are { "error": { "code", "message", "hint" } }.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  registerObservation(app, opts.metrics, opts.tracing);
  registerAuth(app, opts.users, opts.scrape ?? null);
  registerEdgeChecks(app, { publicOrigin: opts.publicOrigin });

  await publicScope(app, async (scope) => {
    // Without the top bar, whose logo is an inline <style> the Content-Security-Policy refuses; the
    // validator badge would call validator.swagger.io. Tags closed: with the TM Forum APIs the
    // document has some 130 paths, which Swagger UI did not render opened (it stopped after 8).
    await scope.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null, layout: 'BaseLayout', docExpansion: 'none' } });
  });

  // The staff console: its files, and index.html for any other page the browser asks for. The page
  // is never kept without asking (after an upgrade it names new files); the files it names carry
  // their content's hash in their name, so they are kept for good.
  const consoleDir = opts.consoleDir && fs.existsSync(path.join(opts.consoleDir, 'index.html')) ? opts.consoleDir : null;
  if (consoleDir) {
    await publicScope(app, async (scope) => {
      await scope.register(fastifyStatic, {
        root: consoleDir,
        prefix: '/',
        // One route per file of the build: no other path is ever looked for on disk.
        wildcard: false,
        index: false,
        cacheControl: false,
        setHeaders: (reply, file) => {
          reply.header('cache-control', path.relative(consoleDir, file).startsWith(`assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
      scope.get('/', { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html'));
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0]!;
    if (consoleDir && req.method === 'GET' && !url.startsWith('/api/') && !url.startsWith('/docs') && !url.startsWith('/assets/')) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(fs.createReadStream(path.join(consoleDir, 'index.html')));
    }
    return reply.status(404).send(errorBody('NOT_FOUND', `There is no route ${req.method} ${url.length > 200 ? `${url.slice(0, 200)}...` : url}.`, 'See /docs for the API.'));
  });

  app.get('/api/health', {
    config: { auth: 'public' },
    schema: {
      tags: ['health'],
      summary: 'Liveness: the server answers and its database too',
      response: { 200: z.object({ status: z.literal('ok'), version: z.string(), database: z.enum(['embedded', 'postgres']) }) },
    },
    handler: async () => {
      await opts.ping();
      return { status: 'ok' as const, version: opts.version, database: opts.database };
    },
  });

  return app;
}

/**
 * Every request counted and timed by its route's template (not its URL: IDs would make a series
 * each), and, when tracing, a server span that joins the caller's trace (W3C traceparent) and whose
 * context the runs it starts carry through the queue. Before the auth hook: refusals count too.
 */
function registerObservation(app: ZodApp, metrics: Metrics | undefined, tracing: Tracing | undefined): void {
  const spans = new WeakMap<object, ReturnType<Tracing['start']>>();
  const routeOf = (req: { routeOptions: { url?: string | undefined }; is404: boolean }) => (req.is404 || !req.routeOptions.url ? 'unmatched' : req.routeOptions.url);
  if (tracing?.enabled) {
    app.addHook('onRequest', async (req) => {
      const route = routeOf(req);
      const span = tracing.start(`${req.method} ${route}`, SpanKind.SERVER, { 'http.request.method': req.method, 'http.route': route, 'url.path': req.url.split('?')[0], 'switchboard.request_id': req.id }, tracing.extract(req.headers));
      spans.set(req, span);
      req.traceparent = tracing.traceparent(span);
    });
  }
  if (!metrics && !tracing?.enabled) return;
  app.addHook('onResponse', async (req, reply) => {
    metrics?.http(req.method, routeOf(req), reply.statusCode, reply.elapsedTime / 1000);
    const span = spans.get(req);
    if (span) Tracing.end(span, reply.statusCode >= 500 ? { message: `HTTP ${reply.statusCode}` } : null, { 'http.response.status_code': reply.statusCode, ...(req.actor && { 'enduser.role': req.actor.role }) });
  });
}
