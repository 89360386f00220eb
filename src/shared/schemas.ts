import { z } from 'zod';

/** Shapes shared by several domains. */
export const customerType = z.enum(['individual', 'business']);
export const serviceType = z.enum(['mobile', 'internet', 'iptv', 'voip']);
export const intId = z.coerce.number().int().positive().max(2_147_483_647);
export const timestamp = z.string().describe('ISO 8601 date-time');
export const isoDate = z.iso.date().describe('YYYY-MM-DD');

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable code: VALIDATION_FAILED, NOT_FOUND, INVENTORY_UNAVAILABLE...'),
      message: z.string().describe('What went wrong, for a person'),
      hint: z.string().optional().describe('What to do about it'),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const idParams = z.object({ id: intId });

export const paging = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `?enabled=true|false` style query booleans. */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const okBody = z.object({ ok: z.literal(true) });
