import { z } from 'zod';
import type { CustomersService } from '../customers/customers.service.js';
import type { SharedTestClock } from '../db/test-clock.js';
import { admins, agents, anyStaff, ctxOf } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { AppError } from '../shared/errors.js';
import { idParams, queryBoolean } from '../shared/schemas.js';
import { billingBody, charge } from './billing.schemas.js';
import type { BillingService } from './billing.service.js';
import type { BillingRunner } from './billing.workflows.js';

export function billingRoutes(app: ZodApp, d: { billing: BillingService; runner: BillingRunner; customers: CustomersService; clock: SharedTestClock | null }): void {
  const tags = ['billing'];

  app.get('/api/customers/:id/billing', {
    config: { auth: anyStaff },
    schema: { tags, summary: "A customer's charges and payments, with totals per billing month", params: idParams, response: { 200: billingBody, ...errors } },
    handler: async (req) => {
      await d.customers.get(req.params.id);
      return d.billing.forCustomer(req.params.id);
    },
  });

  app.post('/api/charges/:id/retry', {
    config: { auth: agents },
    schema: {
      tags,
      summary: 'Try a failed charge again now (after the customer gave another card); a paid charge unsuspends its service',
      params: idParams,
      response: { 200: z.object({ outcome: z.string(), charge }), ...errors },
    },
    handler: async (req) => {
      await d.billing.markForRetry(ctxOf(req), req.params.id);
      const outcome = await d.runner.retryNow(req.params.id);
      return { outcome, charge: await d.billing.getCharge(req.params.id) };
    },
  });

  app.post('/api/billing/run', {
    config: { auth: admins },
    schema: {
      tags,
      summary: 'Run billing now: the renewals and payment retries that are due (it also runs every minute)',
      querystring: z.object({ wait: queryBoolean.optional().describe('Answer when the work is done') }),
      response: { 200: z.object({ renewals: z.array(z.string()), retries: z.array(z.string()), results: z.record(z.string(), z.unknown()) }), ...errors },
    },
    handler: async (req) => d.runner.runDue(req.query.wait ?? false),
  });

  if (d.clock) {
    const clock = d.clock;
    const clockBody = z.object({ now: z.string(), offsetMs: z.number() });
    // Far enough for any test (a contract of ten years, renewals decades on), short of the year
    // 10000, which neither PostgreSQL nor an ISO 8601 text without a sign can hold.
    const earliest = Date.parse('2000-01-01T00:00:00Z');
    const latest = Date.parse('3000-01-01T00:00:00Z');
    const century = 100 * 365 * 86_400_000;
    const inRange = (ms: number) => ms >= earliest && ms < latest;
    app.get('/api/test-clock', {
      config: { auth: admins },
      schema: { tags: ['test clock'], summary: 'The test clock (TEST_CLOCK=on only)', response: { 200: clockBody, ...errors } },
      handler: async () => ({ now: clock.now().toISOString(), offsetMs: clock.now().getTime() - Date.now() }),
    });
    app.put('/api/test-clock', {
      config: { auth: admins },
      schema: {
        tags: ['test clock'],
        summary: 'Move the test clock, for every process (TEST_CLOCK=on only)',
        body: z
          .object({
            now: z.iso.datetime().refine((s) => inRange(Date.parse(s)), 'must be in the years 2000 to 2999').optional(),
            advanceMs: z.number().int().min(-century).max(century).optional().describe('At most a century either way'),
          })
          .refine((b) => b.now || b.advanceMs !== undefined, 'give now or advanceMs'),
        response: { 200: clockBody, ...errors },
      },
      handler: async (req) => {
        const to = req.body.now ? new Date(req.body.now) : new Date(clock.now().getTime() + req.body.advanceMs!);
        if (!inRange(to.getTime())) {
          throw new AppError('VALIDATION_FAILED', `body.advanceMs: would move the test clock to ${to.toISOString()}, outside the years 2000 to 2999.`, 'Move it by less, or set it with "now".', { fields: [{ field: 'body.advanceMs', message: 'moves the clock out of range' }] });
        }
        const now = await clock.set(ctxOf(req), to);
        return { now: now.toISOString(), offsetMs: now.getTime() - Date.now() };
      },
    });
  }
}
