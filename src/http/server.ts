import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
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
