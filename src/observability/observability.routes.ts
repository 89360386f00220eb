import { z } from 'zod';
import { admins } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { errorBody } from '../shared/schemas.js';
import type { Metrics } from './metrics.js';

/** What readiness looked at, each `ok` or why not. */
export const readinessChecks = z.object({
  database: z.string().describe('ok, or why the database did not answer'),
  migrations: z.string().describe('ok, or the migrations not applied yet'),
  engine: z.string().describe('ok, not started, draining, or off (a web process whose runs the workers do)'),
});
export type ReadinessChecks = z.infer<typeof readinessChecks>;

export interface Readiness {
  ready: boolean;
  checks: ReadinessChecks;
}

const notReady = z.object({ error: errorBody.shape.error, checks: readinessChecks });

/**
 * Operations' routes (issue 12): the Prometheus scrape, and health for orchestrators. Liveness
 * says the process answers (restart it if not); readiness says it can take traffic and work: the
 * database answers, every migration is applied, the engine is launched and not draining.
 */
export function observabilityRoutes(app: ZodApp, d: { metrics: Metrics | null; readiness: () => Promise<Readiness> }): void {
  const tags = ['operations'];
  const metrics = d.metrics;
  if (metrics) app.get('/metrics', {
    config: { auth: admins, scrape: true },
    schema: {
      tags,
      summary: 'Prometheus metrics (text format): with the scrape token (METRICS_TOKEN as a Bearer token), from an address in METRICS_ALLOW, or as an admin',
      produces: ['text/plain'],
      response: { 200: z.string().describe('The Prometheus text exposition format'), ...errors },
    },
    handler: async (_req, reply) => {
      const text = await metrics.text();
      return reply.type(metrics.contentType).header('cache-control', 'no-store').send(text);
    },
  });

  app.get('/health/live', {
    config: { auth: 'public' },
    schema: { tags, summary: 'Liveness: the process answers', response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/health/ready', {
    config: { auth: 'public' },
    schema: {
      tags,
      summary: 'Readiness: the database answers, migrations are applied, the engine runs and is not draining (503 otherwise)',
      response: { 200: z.object({ status: z.literal('ready'), checks: readinessChecks }), 503: notReady },
    },
    handler: async (_req, reply) => {
      const r = await d.readiness();
      if (r.ready) return { status: 'ready' as const, checks: r.checks };
      const why = Object.entries(r.checks)
        .filter(([, v]) => v !== 'ok' && v !== 'off')
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({ error: { code: 'NOT_READY', message: `Not ready: ${why}.`, hint: 'Wait: the process is starting or stopping. If it stays so, look at its log.' }, checks: r.checks });
    },
  });
}
