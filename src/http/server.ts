import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fs from 'node:fs';
import path from 'node:path';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { registerAuth } from './auth.js';
import { registerErrorHandling } from './errors.js';
import type { ZodApp } from './types.js';
import type { UsersService } from '../users/users.service.js';

export interface ServerOptions {
  logger: FastifyBaseLogger;
  users: UsersService;
  version: string;
  database: 'embedded' | 'postgres';
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** The built console (dist/web); served at / when it exists. */
  consoleDir?: string | undefined;
}

/** The Fastify app with the cross-cutting parts: auth, errors, OpenAPI at /docs. Domains add routes. */
export async function createServer(opts: ServerOptions): Promise<ZodApp> {
  const app = Fastify({
    loggerInstance: opts.logger,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 100 ? req.headers['x-request-id'] : randomUUID()),
    trustProxy: false,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    hook: 'preHandler',
    errorResponseBuilder: (_req, ctx) => new AppError('TOO_MANY_REQUESTS', `Too many attempts; try again in ${ctx.after}.`),
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
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerAuth(app, opts.users);

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
  });

  // The staff console: its files, and index.html for any other page the browser asks for.
  const consoleDir = opts.consoleDir && fs.existsSync(path.join(opts.consoleDir, 'index.html')) ? opts.consoleDir : null;
  if (consoleDir) {
    await app.register(fastifyStatic, { root: consoleDir, prefix: '/', wildcard: true, index: false, cacheControl: true, maxAge: '1h' });
    app.get('/', { schema: { hide: true } }, (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0]!;
    if (consoleDir && req.method === 'GET' && !url.startsWith('/api/') && !url.startsWith('/docs') && !url.startsWith('/assets/')) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `There is no route ${req.method} ${url}.`, hint: 'See /docs for the API.' } });
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
