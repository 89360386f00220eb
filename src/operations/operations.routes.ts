import { anyStaff } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { overview, overviewQuery } from './operations.schemas.js';
import type { OperationsService } from './operations.service.js';

export function operationsRoutes(app: ZodApp, operations: OperationsService): void {
  app.get('/api/operations/overview', {
    // Viewers too: watching is reading (a NOC screen); the triage's writes are for agents.
    config: { auth: anyStaff },
    schema: {
      tags: ['operations'],
      summary: 'The operations page: runs by outcome, p50/p95 durations, queue depth, failures by task and by outside system over the last hour or day, and stock per template now',
      querystring: overviewQuery,
      response: { 200: overview, ...errors },
    },
    handler: async (req) => operations.overview(req.query.window),
  });
}
