import { Readable, Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { agents, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { errorBody } from '../shared/schemas.js';
import { AppError } from '../shared/errors.js';
import { batch, batchParams, batchRow, dryRunReport, rowStatus } from './bulk.schemas.js';
import type { BulkService } from './bulk.service.js';

const MAX_BYTES = 64 * 1024 * 1024;
const idParams = z.object({ id: z.uuid() });
const fileErrors = { ...errors, 413: errorBody, 415: errorBody };
const csvBody = {
  consumes: ['text/csv'],
  description: 'The CSV file itself as the request body (Content-Type: text/csv), with a header row: customer (ID, e-mail or phone), and optionally product, auto_renew, site, one column per inventory template, and custom fields.',
};

/** The uploaded file as a stream of at most 64 MB, never held whole in memory (R11.1). */
function fileOf(req: FastifyRequest): Readable {
  if (!(req.body instanceof Readable)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as CSV (Content-Type: text/csv).', 'Upload the .csv file itself as the request body.');
  }
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > MAX_BYTES) cb(new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${MAX_BYTES / 1024 / 1024} MB.`, 'Split it into several files.'));
      else cb(null, chunk);
    },
  });
  req.body.on('error', (e) => limit.destroy(e));
  return req.body.pipe(limit);
}

export function bulkRoutes(app: ZodApp, bulk: BulkService): void {
  const tags = ['bulk'];
  // The file reaches the handler as a stream; the parser reads it as it comes. Only a route that
  // takes a file gets one: elsewhere a CSV body is refused, not taken for an empty JSON object.
  app.addContentTypeParser(['text/csv', 'application/csv'], (req, payload, done) => {
    if (req.routeOptions.schema?.consumes?.includes('text/csv')) return done(null, payload);
    done(new AppError('UNSUPPORTED_MEDIA_TYPE', 'This route takes JSON, not a CSV file.', 'Send the body as application/json; CSV files go to POST /api/batches (or /api/batches/dry-run).'), undefined);
  });

  app.post('/api/batches/dry-run', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Check a CSV file row by row, as the review screen checks one assignment (R11.2); nothing is reserved or written',
      querystring: batchParams,
      ...csvBody,
      response: { 200: dryRunReport, ...fileErrors },
    },
    handler: async (req) => bulk.dryRun(req.query, fileOf(req)),
  });

  app.post('/api/batches', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Commit a CSV file (R11.3): its good rows become provisions on the batch queue, at most `concurrency` at once',
      querystring: batchParams,
      headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional().describe('One key per commit: the same request sent again gives back the same batch (200) instead of a second one') }),
      ...csvBody,
      response: { 201: z.object({ batch, report: dryRunReport }), 200: z.object({ batch, report: dryRunReport }), ...fileErrors },
    },
    handler: async (req, reply) => {
      const { created, ...out } = await bulk.commit(ctxOf(req), req.query, fileOf(req), req.headers['idempotency-key']);
      return reply.status(created ? 201 : 200).header('location', `/api/batches/${out.batch.id}`).send(out);
    },
  });

  app.get('/api/batches', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Recent batches with their progress', querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }), response: { 200: z.object({ items: z.array(batch) }), ...errors } },
    handler: async (req) => ({ items: await bulk.list(req.query.limit) }),
  });

  app.get('/api/batches/:id', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'A batch: counts by status, rate over the last minute, time left (R11.4)', params: idParams, response: { 200: batch, ...errors } },
    handler: async (req) => bulk.get(req.params.id),
  });

  app.get('/api/batches/:id/rows', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: "A batch's rows, each with its provision's status and error",
      params: idParams,
      querystring: z.object({
        status: rowStatus.optional().describe('Only rows in this status (failed includes timed out)'),
        afterLine: z.coerce.number().int().min(0).max(2_147_483_647).optional().describe('The next page: rows after this line'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      response: { 200: z.object({ items: z.array(batchRow) }), ...errors },
    },
    handler: async (req) => ({ items: await bulk.rows(req.params.id, req.query) }),
  });

  app.get('/api/batches/:id/results.csv', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Every row and what became of it, as CSV (R11.4)', params: idParams, produces: ['text/csv'] },
    handler: async (req, reply) => {
      const b = await bulk.get(req.params.id);
      const file = `${b.name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'batch'}-results.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`).send(bulk.resultsCsv(b.id));
    },
  });

  for (const [action, summary] of [
    ['pause', 'Pause: no more rows start; runs already going finish'],
    ['resume', 'Resume a paused batch'],
    ['cancel', 'Cancel: rows not started are cancelled and their inventory released; runs going finish'],
    ['retry-failed', 'Retry every failed row together'],
  ] as const) {
    app.post(`/api/batches/:id/${action}`, {
      config: { auth: agents },
      schema: { tags, summary, params: idParams, response: { 200: batch.extend({ retried: z.number().int().optional() }), ...errors } },
      handler: async (req) => {
        const ctx = ctxOf(req);
        const id = req.params.id;
        if (action === 'pause') return bulk.pause(ctx, id);
        if (action === 'resume') return bulk.resume(ctx, id);
        if (action === 'cancel') return bulk.cancel(ctx, id);
        return bulk.retryFailed(ctx, id);
      },
    });
  }
}
