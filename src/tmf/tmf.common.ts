import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { replyWithError } from '../http/errors.js';

/** The base path of each API (v4), as TM Forum's conformance kits call them. */
export const tmfBase = {
  catalog: '/tmf-api/productCatalogManagement/v4',
  ordering: '/tmf-api/productOrderingManagement/v4',
  customer: '/tmf-api/customerManagement/v4',
  productInventory: '/tmf-api/productInventory/v4',
  serviceInventory: '/tmf-api/serviceInventory/v4',
  resourceInventory: '/tmf-api/resourceInventoryManagement/v4',
} as const;
export type TmfApi = keyof typeof tmfBase;

/** Where each API's schemas are published (TM Forum's repositories), for `@schemaLocation`. */
const specOf: Record<TmfApi, string> = {
  catalog: 'https://raw.githubusercontent.com/tmforum-apis/TMF620_ProductCatalog/master/TMF620-ProductCatalog-v4.0.0.swagger.json',
  ordering: 'https://raw.githubusercontent.com/tmforum-apis/TMF622_ProductOrder/master/TMF622-ProductOrder-v4.0.0.swagger.json',
  customer: 'https://raw.githubusercontent.com/tmforum-apis/TMF629_CustomerManagement/master/TMF629-Customer-v4.0.0.swagger.json',
  productInventory: 'https://raw.githubusercontent.com/tmforum-apis/TMF637_ProductInventory/master/TMF637-ProductInventory-v4.0.0.swagger.json',
  serviceInventory: 'https://raw.githubusercontent.com/tmforum-apis/TMF638_ServiceInventory/master/TMF638-ServiceInventory-v4.0.0.swagger.json',
  resourceInventory: 'https://raw.githubusercontent.com/tmforum-apis/TMF639_ResourceInventory/master/TMF639-ResourceInventory-v4.0.0.swagger.json',
};

/** `@type`, `@baseType` and `@schemaLocation` of an entity of an API. */
export const typed = (api: TmfApi, type: string, baseType = type) => ({ '@type': type, '@baseType': baseType, '@schemaLocation': `${specOf[api]}#/definitions/${type}` });

/** Builds absolute hrefs from where the request came (or PUBLIC_URL). */
export class Hrefs {
  constructor(readonly origin: string) {}
  static of(req: FastifyRequest, publicUrl: string | null | undefined): Hrefs {
    return new Hrefs(publicUrl ? publicUrl.replace(/\/$/, '') : `${req.protocol}://${req.host}`);
  }
  to(api: TmfApi, resource: string, id: string | number): string {
    return `${this.origin}${tmfBase[api]}/${resource}/${encodeURIComponent(String(id))}`;
  }
}

// --- zod shapes shared by the APIs ------------------------------------------------------------

/** The TMF error body (TMF630): code, reason, message, status. */
export const tmfError = z
  .object({
    code: z.string().describe("Switchboard's error code, e.g. PRECONDITION_FAILED"),
    reason: z.string().describe('What went wrong'),
    message: z.string().describe('What to do about it'),
    status: z.string().describe('The HTTP status'),
    referenceError: z.string().optional(),
    '@type': z.literal('Error'),
    details: z.record(z.string(), z.unknown()).optional().describe('For a refused order: each check of the review, as the console shows them'),
  })
  .meta({ id: 'TmfError' });
export type TmfError = z.infer<typeof tmfError>;
export const tmfErrors = { 400: tmfError, 401: tmfError, 403: tmfError, 404: tmfError, 409: tmfError, 422: tmfError } as const;

export const entityRef = z
  .looseObject({ id: z.string(), href: z.string().optional(), name: z.string().optional(), '@referredType': z.string().optional() })
  .meta({ id: 'TmfEntityRef' });
export const relatedParty = z
  .looseObject({ id: z.string(), href: z.string().optional(), name: z.string().optional(), role: z.string().optional(), '@referredType': z.string().optional() })
  .meta({ id: 'TmfRelatedParty' });
export const characteristic = z
  .looseObject({ name: z.string(), valueType: z.string().optional(), value: z.unknown() })
  .meta({ id: 'TmfCharacteristic' });

/** Every entity: its id and href, its types, and whatever else (selected with `fields=`). */
export const tmfEntity = (id: string, shape: z.ZodRawShape) =>
  z
    .looseObject({ id: z.string(), href: z.string(), '@type': z.string().optional(), '@baseType': z.string().optional(), '@schemaLocation': z.string().optional(), ...shape })
    .partial()
    .meta({ id });

/** A list's query: `fields=`, paging, and any attribute to filter on (`state=active`, `relatedParty.id=7`). */
export const listQuery = z
  .looseObject({
    fields: z.string().max(1000).optional().describe('Comma-separated attributes to return (id, href and the @ types always come)'),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .describe('Any other parameter filters on that attribute (a dotted path into the entity; several values separated by commas match any)');
export const getQuery = z.looseObject({ fields: z.string().max(1000).optional() });
export const idParams = z.object({ id: z.string().min(1).max(100) });

// --- the common behaviours ----------------------------------------------------------------

const always = new Set(['id', 'href', '@type', '@baseType', '@schemaLocation']);
const notFilters = new Set(['fields', 'offset', 'limit', 'sort']);

/** Keeps only the asked attributes (and id, href, the @ types). */
export function selectFields<T extends Record<string, unknown>>(entity: T, fields: string | undefined): Partial<T> {
  if (!fields) return entity;
  const keep = new Set(fields.split(',').map((f) => f.trim().split('.')[0]!).filter(Boolean));
  return Object.fromEntries(Object.entries(entity).filter(([k]) => always.has(k) || keep.has(k))) as Partial<T>;
}

function valuesAt(value: unknown, path: string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (!path.length) return [value];
  if (value === null || typeof value !== 'object') return [];
  return valuesAt((value as Record<string, unknown>)[path[0]!], path.slice(1));
}

/** The attribute filters of a query: every parameter but fields, offset, limit and sort. */
export function filtersOf(query: Record<string, unknown>): [string, string[]][] {
  return Object.entries(query)
    .filter(([k, v]) => !notFilters.has(k) && v !== undefined)
    .map(([k, v]) => [k, [v].flat().flatMap((x) => String(x).split(','))]);
}

/** Whether an entity matches every filter (equality on a dotted path; any of several values). */
export function matches(entity: Record<string, unknown>, filters: [string, string[]][]): boolean {
  return filters.every(([key, wanted]) => valuesAt(entity, key.split('.')).some((v) => v !== null && v !== undefined && wanted.includes(String(v))));
}

/** Filters, pages and selects a list; sets X-Total-Count and X-Result-Count. */
export function page<T extends Record<string, unknown>>(reply: FastifyReply, all: T[], query: { fields?: string | undefined; offset: number; limit: number } & Record<string, unknown>): Partial<T>[] {
  const filters = filtersOf(query);
  const found = filters.length ? all.filter((e) => matches(e, filters)) : all;
  const shown = found.slice(query.offset, query.offset + query.limit);
  reply.header('x-total-count', String(found.length)).header('x-result-count', String(shown.length));
  return shown.map((e) => selectFields(e, query.fields));
}

/** The one error shape of the TMF APIs, from Switchboard's own (`{ error: { code, message, hint } }`). */
export function toTmfError(status: number, body: unknown): TmfError {
  const e = (body as { error?: { code?: string; message?: string; hint?: string; details?: Record<string, unknown> } })?.error ?? {};
  return {
    code: e.code ?? 'ERROR',
    reason: e.message ?? 'The request cannot be handled.',
    message: e.hint ?? e.message ?? 'Check the request against the API documentation at /docs.',
    status: String(status),
    '@type': 'Error',
    ...(e.details && { details: e.details }),
  };
}

/**
 * The TMF scope's error handler: Switchboard's mapping of every failure (AppError, zod,
 * PostgreSQL, Fastify), answered in the TMF shape.
 */
export function tmfErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let status = 500;
  let sent: unknown;
  const capture = {
    status(s: number) {
      status = s;
      return capture;
    },
    header(k: string, v: string) {
      reply.header(k, v);
      return capture;
    },
    send(b: unknown) {
      sent = b;
      return capture;
    },
  };
  replyWithError(err, req, capture as unknown as FastifyReply);
  return reply.status(status).send(toTmfError(status, sent));
}
