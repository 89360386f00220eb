import { z } from 'zod';
import { admins, agents, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import type { ProgressHub } from './progress-hub.js';
import { assignmentInput, logsBody, preflightResult, type Progress, progress, provisionListQuery, provisionSummary } from './provisioning.schemas.js';
import type { ProvisioningService } from './provisioning.service.js';
import { simulatorSettings, type Simulators } from '../integrations/simulators.js';
import { bulkResult, cancelRequest, retryRequest, triageList, triageQuery } from './triage.schemas.js';
import type { TriageService } from './triage.service.js';

const provisionParams = z.object({ id: z.uuid() });

export function provisioningRoutes(app: ZodApp, provisioning: ProvisioningService, hub: ProgressHub, simulators: Simulators): void {
  const tags = ['provisioning'];

  app.post('/api/provisions/preflight', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Run the checks of the review screen (R6.3) without starting anything',
      body: assignmentInput,
      response: { 200: preflightResult, ...errors },
    },
    handler: async (req) => provisioning.preflight(req.body),
  });

  app.post('/api/provisions', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Confirm & Provision (R6.2): starts the playbook; the same Idempotency-Key always gives the same provision',
      headers: z.object({ 'idempotency-key': z.string().min(8, 'send one key per confirmation, e.g. a UUID').max(200) }),
      body: assignmentInput,
      response: { 201: progress, 200: progress, ...errors },
    },
    handler: async (req, reply) => {
      const { progress: p, created } = await provisioning.start(ctxOf(req), req.headers['idempotency-key'], req.body);
      return reply.status(created ? 201 : 200).header('location', `/api/provisions/${p.id}`).send(p);
    },
  });

  app.get('/api/provisions', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Recent provisioning runs: what is running, what failed', querystring: provisionListQuery, response: { 200: z.object({ items: z.array(provisionSummary) }), ...errors } },
    handler: async (req) => ({ items: await provisioning.list(req.query) }),
  });

  app.get('/api/provisions/:id', {
    config: { auth: anyStaff },
    schema: { tags, summary: 'Progress (R7.1): status, each task, "N of M tasks completed", the service, the error', params: provisionParams, response: { 200: progress, ...errors } },
    // From memory, as JSON serialised once per change of the run: polled every 0.2 s by every console (R7.2).
    // (Fastify sends a string as it is: it was checked against the schema when serialised.)
    handler: async (req, reply) => reply.type('application/json; charset=utf-8').send((await provisioning.polledProgressJson(req.params.id)) as unknown as Progress),
  });

  app.get('/api/provisions/:id/logs', {
    config: { auth: anyStaff },
    schema: { tags, summary: "Each task's output and log, and the run's events (R7.3)", params: provisionParams, response: { 200: logsBody, ...errors } },
    handler: async (req) => provisioning.logs(req.params.id),
  });

  app.post('/api/provisions/:id/retry', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Retry a failed or timed-out run; finished tasks are not run again (R8.3)',
      params: provisionParams,
      body: z
        .object({ attempt: z.number().int().min(1).max(1_000_000).optional().describe('The attempt the caller saw fail: a repeated click for it changes nothing') })
        .optional(),
      response: { 200: progress, ...errors },
    },
    handler: async (req) => provisioning.retry(ctxOf(req), req.params.id, req.body?.attempt),
  });

  app.post('/api/provisions/:id/cancel', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Cancel a failed run: its service is cancelled, its inventory released, its external effects undone',
      params: provisionParams,
      response: { 200: progress, ...errors },
    },
    handler: async (req) => provisioning.cancel(ctxOf(req), req.params.id),
  });

  app.get('/api/provisions/:id/events', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'Server-Sent Events: a `progress` snapshot, then every change as it happens, in order (R7.2). Resumes after Last-Event-ID.',
      params: provisionParams,
      headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
    },
    handler: async (req, reply) => {
      const id = req.params.id;
      const first = await provisioning.progress(id); // 404 before the stream opens
      let last = req.headers['last-event-id'] ?? 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const frame = (event: string, json: string, eventId?: number) => res.write(`${eventId !== undefined ? `id: ${eventId}\n` : ''}event: ${event}\ndata: ${json}\n\n`);
      const send = (event: string, data: unknown, eventId?: number) => frame(event, JSON.stringify(data), eventId);
      res.write('retry: 1000\n\n');
      // The snapshot last sent: another is sent whenever the run's progress reads differently, even
      // with no new event (the news of a change can come after its events were already read).
      let shown = JSON.stringify(first);
      frame('progress', shown);

      let busy = false;
      let again = false;
      let closed = false;
      const flush = async () => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            const events = await provisioning.polledEvents(id, last);
            // Events told by the hub may have been sent while this read was under way.
            for (const e of events) if (e.id > last) {
              send(e.taskSeq === null ? 'provision' : 'task', e, e.id);
              last = e.id;
            }
            const now = closed ? shown : await provisioning.polledProgressJson(id);
            if (now !== shown) frame('progress', (shown = now));
          } while (again && !closed);
        } catch (err) {
          req.log.warn({ err }, 'event stream update failed');
        } finally {
          busy = false;
        }
      };
      // A change made in this process comes with its events: sent at once when they follow the
      // last one sent (nothing missed between), then the snapshot is read. Otherwise read them.
      const unsubscribe = hub.subscribe(id, (written) => {
        if (written?.length && !closed && written.every((e, i) => e.prev === (i ? written[i - 1]!.id : last))) {
          for (const { prev: _prev, ...e } of written) {
            send(e.taskSeq === null ? 'provision' : 'task', e, e.id);
            last = e.id;
          }
        }
        void flush();
      });
      const ping = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.raw.on('close', () => {
        closed = true;
        clearInterval(ping);
        unsubscribe();
      });
      await flush();
    },
  });

  app.get('/api/simulators', {
    config: { auth: admins },
    schema: {
      tags: ['simulators'],
      summary: 'The built-in simulators of external systems and how they behave',
      response: {
        200: z.object({
          items: z.array(
            simulatorSettings.extend({
              system: z.string(),
              label: z.string(),
              inFlight: z.number().int().describe('Calls under way now (this process)'),
              peakInFlight: z.number().int().describe('The most calls at once since the settings last changed (this process): what a concurrency limit lets through'),
            }),
          ),
        }),
        ...errors,
      },
    },
    handler: async () => ({ items: await simulators.list() }),
  });

  app.put('/api/simulators/:system', {
    config: { auth: admins },
    schema: {
      tags: ['simulators'],
      summary: 'Make a simulated system slow or failing ("Unable to connect to OCS" on demand), or well again; resets its peak load. 404 for a system that is not simulated',
      params: z.object({ system: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/) }),
      body: simulatorSettings,
      response: { 200: simulatorSettings, ...errors },
    },
    handler: async (req) => simulators.set(ctxOf(req), req.params.system, req.body),
  });
}

/**
 * Failed-run triage (issue 12): the runs that need someone, and Retry / Cancel selected. Each run
 * goes through the same retry or cancel as its own route (the ledger, the audit), and is answered for.
 */
export function triageRoutes(app: ZodApp, triage: TriageService): void {
  const tags = ['provisioning'];

  app.get('/api/provisions/triage', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'Failed and timed-out runs, and runs running or queued for too long: filtered by error code, task, playbook, batch and age, a page at a time, with the values each filter can take',
      querystring: triageQuery,
      response: { 200: triageList, ...errors },
    },
    handler: async (req) => triage.list(req.query),
  });

  app.post('/api/provisions/retry', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Retry selected: a new attempt for each failed or timed-out run named (ids, at most 1,000) or matching a filter; finished tasks are not run again. Says what was done to each run: retried (its new attempt) or skipped (why)',
      body: retryRequest,
      response: { 200: bulkResult, ...errors },
    },
    handler: async (req) => triage.retry(ctxOf(req), req.body),
  });

  app.post('/api/provisions/cancel', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Cancel selected: each failed, timed-out or queued run named (ids, at most 1,000) or matching a filter is cancelled (its service cancelled, its inventory released, its outside effects undone). Says what was done to each run',
      body: cancelRequest,
      response: { 200: bulkResult, ...errors },
    },
    handler: async (req) => triage.cancel(ctxOf(req), req.body),
  });
}
