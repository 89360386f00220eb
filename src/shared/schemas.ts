import { z } from 'zod';

/** Shapes shared by several domains. */
export const customerType = z.enum(['individual', 'business']);
export const serviceType = z.enum(['mobile', 'internet', 'iptv', 'voip']);
export const intId = z.coerce.number().int().positive().max(2_147_483_647);
export const timestamp = z.string().describe('ISO 8601 date-time');
/** A language other text may be given in, by its ISO 639-1 code (`fr`). */
export const language = z.string().regex(/^[a-z]{2}$/, 'a two-letter language code such as fr');

/** The languages Switchboard writes to customers and staff in. */
export const messageLanguage = z.enum(['en', 'fr']);
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

/**
 * Every field optional and none defaulted: the shape of a PATCH. (A plain `.partial()` keeps the
 * defaults, so an update that leaves a field out would reset it.)
 */
export function patchOf<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([k, v]) => {
      const inner = v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType);
      return [k, inner.optional()];
    }),
  ) as unknown as { [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer I> ? I : T[K]> };
  return z.object(shape);
}

/** A regular expression given as text (a field's pattern): refused when it does not compile. */
export const regexSource = z.string().max(500).refine((p) => {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}, 'is not a valid regular expression');
