import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';

/** The windows the operations page shows, and their buckets: a minute over the last hour, 15 minutes over the last day. */
export const windows = {
  hour: { bucketSeconds: 60, buckets: 60 },
  day: { bucketSeconds: 900, buckets: 96 },
} as const;
export const operationsWindow = z.enum(['hour', 'day']).describe('hour: the last 60 minutes, a bucket a minute; day: the last 24 hours, a bucket every 15 minutes');
export type OperationsWindow = z.infer<typeof operationsWindow>;

export const overviewQuery = z.object({ window: operationsWindow.default('hour') });

const count = z.number().int().min(0);

export const overview = z
  .object({
    window: operationsWindow,
    from: timestamp.describe('Start of the first bucket'),
    to: timestamp.describe('End of the last bucket (the current one, not over yet)'),
    bucketSeconds: z.number().int(),
    generatedAt: timestamp,
    runs: z
      .array(z.object({ at: timestamp, succeeded: count, failed: count, timed_out: count, cancelled: count }))
      .describe('Attempts that ended in each bucket, by outcome (a run retried counts each attempt)'),
    totals: z.object({ succeeded: count, failed: count, timed_out: count, cancelled: count }),
    durations: z
      .array(z.object({ at: timestamp, runs: count, p50: z.number().nullable(), p95: z.number().nullable() }))
      .describe('Seconds from start to end of the runs that ended in each bucket (succeeded, failed or timed out); null: none ended'),
    queue: z
      .array(z.object({ at: timestamp, queued: count, running: count, peakQueued: count, peakRunning: count }))
      .describe('Runs queued and running at the end of each bucket (now, for the last), and the most at any moment of it'),
    queueNow: z.object({ queued: count, running: count }),
    failuresByTask: z
      .array(z.object({ playbook: z.string(), task: z.string().nullable(), action: z.string().nullable(), count }))
      .describe('Failed and timed-out attempts in the window by the playbook task they failed at (null: outside any task, e.g. the engine stopped the run)'),
    failuresBySystem: z
      .array(z.object({ system: z.string(), count }))
      .describe('The same by the outside system behind them (from the error code, else the task\'s action): ocs, hlr, radius, mail, tickets, payments, an HTTP system, or switchboard itself'),
    stock: z
      .array(z.object({ template: z.string(), available: count, reserved: count, threshold: z.number().int().nullable(), low: z.boolean() }))
      .describe('Items available now per inventory template; low: fewer than its low-stock threshold'),
  })
  .meta({ id: 'OperationsOverview' });
export type Overview = z.infer<typeof overview>;
