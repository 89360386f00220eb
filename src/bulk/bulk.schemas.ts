import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';
import { said } from '../provisioning/provisioning.schemas.js';

/**
 * What the rows of a file leave out (R11.1): the product for every row, auto-renew, defaults of
 * custom fields, and how many runs may go at once. Inventory the rows do not name is picked
 * from stock.
 */
export const batchParams = z
  .object({
    product: z.string().min(1).max(80).optional().describe('Product slug for rows without a product column'),
    autoRenew: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('For rows without an auto_renew column'),
    concurrency: z.coerce.number().int().min(1).max(500).optional().describe('Runs at once for this batch (the OCS and network see no more); the server default otherwise'),
    fields: z
      .string()
      .max(4000)
      .optional()
      .transform((s, ctx) => {
        if (!s) return {};
        try {
          return z.record(z.string(), z.string().max(500)).parse(JSON.parse(s));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of field name to value, e.g. {"po_number":"PO-2025-000001"}' });
          return z.NEVER;
        }
      })
      .describe('Custom-field defaults as JSON, e.g. {"po_number":"PO-2025-000001"}'),
    name: z.string().max(200).optional().describe('A name for the batch (the file name)'),
  });
export type BatchParams = { product?: string | undefined; autoRenew?: boolean | undefined; concurrency?: number | undefined; fields: Record<string, string>; name?: string | undefined };

export const rowError = z
  .object({ line: z.number().int(), column: z.string(), message: z.string().describe('Why, in English'), text: said.optional().describe('Why, by key, for a console in another language') })
  .meta({ id: 'RowError' });
export type RowError = z.infer<typeof rowError>;

export const dryRunReport = z
  .object({
    rows: z.number().int(),
    good: z.number().int(),
    bad: z.number().int(),
    errors: z.array(rowError).describe('Each bad row, its column and why (the first 1,000)'),
    errorsTruncated: z.boolean(),
    inventory: z
      .array(
        z.object({
          template: z.string(),
          needed: z.number().int(),
          available: z.number().int().describe('In stock now, less what other running or paused batches will pick'),
          promisedToOtherBatches: z.number().int().describe('What the rows of other running or paused batches, not started yet, will pick'),
          missing: z.number().int(),
        }),
      )
      .describe('Stock the good rows need from each template, against what is available'),
    products: z.array(z.object({ slug: z.string(), rows: z.number().int() })),
    seconds: z.number(),
  })
  .meta({ id: 'DryRunReport' });
export type DryRunReport = z.infer<typeof dryRunReport>;

export const batchStatus = z.enum(['running', 'paused', 'completed', 'cancelled']);
export const rowStatus = z.enum(['invalid', 'pending', 'queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled']);

export const batch = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: batchStatus,
    concurrency: z.number().int(),
    params: z.object({ product: z.string().optional(), autoRenew: z.boolean().optional(), fields: z.record(z.string(), z.string()) }),
    totalRows: z.number().int(),
    goodRows: z.number().int(),
    badRows: z.number().int(),
    counts: z.record(rowStatus, z.number().int()).describe('Rows by status'),
    ratePerMinute: z.number().describe('Rows finished per minute: over the last minute while the batch goes, the average once it has finished'),
    etaSeconds: z.number().nullable().describe('At that rate, the time left'),
    createdBy: z.string(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'Batch' });
export type Batch = z.infer<typeof batch>;

export const batchRow = z
  .object({
    line: z.number().int(),
    status: rowStatus,
    customerRef: z.string().describe('The customer as the file gave it (an ID, e-mail or phone)'),
    customerId: z.number().int().nullable(),
    customerName: z.string().nullable().describe('The customer the row was matched to; null when none was'),
    provisionId: z.string().nullable(),
    serviceId: z.number().int().nullable(),
    error: z.string().nullable(),
    errorCode: z.string().nullable().describe("The error's code, for a console in another language"),
    failedTask: z
      .object({ seq: z.number().int(), name: z.string(), action: z.string() })
      .nullable()
      .describe('The task of the playbook at which its run failed (failed and timed-out rows)'),
    errors: z.array(rowError),
  })
  .meta({ id: 'BatchRow' });
export type BatchRow = z.infer<typeof batchRow>;
