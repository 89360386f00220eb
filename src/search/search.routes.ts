import { anyStaff } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { globalSearchQuery, globalSearchResult } from './search.schemas.js';
import type { SearchService } from './search.service.js';

export function searchRoutes(app: ZodApp, search: SearchService): void {
  app.get('/api/search', {
    config: { auth: anyStaff },
    schema: {
      tags: ['search'],
      summary: 'Search everything at once: customers (name, ID, e-mail, phone), services (ID, number, ICCID, serial), runs (provisioning ID)',
      querystring: globalSearchQuery,
      response: { 200: globalSearchResult, ...errors },
    },
    handler: async (req) => search.search(req.query.q, req.query.limit),
  });
}
