import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

/** No request body of Switchboard's nests deeper; deeper JSON is refused before anything reads it. */
const MAX_DEPTH = 32;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON bodies must be UTF-8: bytes that are not are refused, not silently replaced by U+FFFD
 * (a template named "\ufffd\ufffd" is no one's wish). Fastify's own parser does the rest (prototype
 * poisoning checks).
 */
export function registerStrictJson(app: FastifyInstance, opts: { types?: string[]; emptyIsNoBody?: boolean } = {}): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(opts.types ?? 'application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new AppError('BAD_REQUEST', 'The body is not valid UTF-8 text.', 'Send JSON encoded as UTF-8.'), undefined);
      return;
    }
    if (opts.emptyIsNoBody && !text.trim()) {
      done(null, undefined);
      return;
    }
    parse(req, text, done);
  });
}

/**
 * What every request meets before a route sees it:
 * - a POST whose body is optional may come without one (`curl -X POST .../retry`): no body is `{}`;
 * - text PostgreSQL cannot store (a NUL character) and JSON nested past reason are refused with a
 *   400 that names the field, in the path, the query or the body;
 * - a cross-site write is refused: see `refuseCrossSite`.
 */
export function registerEdgeChecks(app: FastifyInstance, opts: { publicOrigin: string | undefined }): void {
  app.addHook('onRequest', async (req) => refuseCrossSite(req, opts.publicOrigin));

  app.addHook('preValidation', async (req) => {
    if ((req.body === undefined || req.body === null) && req.routeOptions.schema?.body && UNSAFE_METHODS.has(req.method)) req.body = {};
    checkText('params', req.params);
    checkText('querystring', req.query);
    if (req.body !== null && typeof req.body === 'object' && !isStream(req.body)) checkText('body', req.body);
    else if (typeof req.body === 'string') checkText('body', req.body);
  });
}

const isStream = (v: object) => typeof (v as { pipe?: unknown }).pipe === 'function';

/** Walks a value without recursion (a hostile body cannot blow the stack) and refuses NUL and deep nesting. */
function checkText(where: string, value: unknown): void {
  const stack: [unknown, string[]][] = [[value, []]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw unstorable(where, path, 'a NUL character (\\u0000)');
      if (loneSurrogate.test(v)) throw unstorable(where, path, 'a lone UTF-16 surrogate (half of a character)');
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= MAX_DEPTH) {
      throw new AppError('VALIDATION_FAILED', `${[where, ...path].join('.')}: nested too deeply (more than ${MAX_DEPTH} levels).`, 'Send the flat shape the API documentation gives.', { fields: [{ field: [where, ...path].join('.'), message: 'nested too deeply' }] });
    }
    for (const [k, child] of Object.entries(v)) {
      if (k.includes('\u0000') || loneSurrogate.test(k)) throw unstorable(where, [...path, k.replace(/\u0000/g, '\\0').replace(loneSurrogate, '?')], 'a character that cannot be stored in its name');
      stack.push([child, [...path, k]]);
    }
  }
}

/** Half of a UTF-16 surrogate pair on its own: JSON can carry it, PostgreSQL cannot store it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const unstorable = (where: string, path: string[], what: string) => {
  const field = [where, ...path].join('.');
  return new AppError('VALIDATION_FAILED', `${field}: holds ${what}, which cannot be stored.`, 'Remove control characters from the text and send it again.', {
    fields: [{ field, message: `holds ${what}` }],
  });
};

/**
 * Cross-site request forgery: a browser signed in to the console must not be made to write by
 * another site. A write (POST, PUT, PATCH, DELETE) that a browser says comes from elsewhere is
 * refused: `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` (else a `Referer`) whose
 * host is not the one the request was sent to (nor PUBLIC_URL's). Machines with a Bearer token are
 * not concerned (a browser never adds one by itself); nor is curl, which sends neither header.
 */
function refuseCrossSite(req: FastifyRequest, publicOrigin: string | undefined): void {
  if (!UNSAFE_METHODS.has(req.method)) return;
  if (/^Bearer\s/i.test(req.headers.authorization ?? '')) return;
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') throw crossSite(`Sec-Fetch-Site: ${fetchSite}`);
  if (fetchSite === 'same-origin') return;
  const origin = req.headers.origin ?? req.headers.referer;
  if (origin === undefined) return;
  let host: string;
  try {
    const url = new URL(origin);
    if (publicOrigin && url.origin === publicOrigin) return;
    host = url.host;
  } catch {
    throw crossSite(`origin "${origin.slice(0, 100)}"`);
  }
  if (host !== req.headers.host) throw crossSite(`origin ${host}`);
}

const crossSite = (what: string) =>
  new AppError('CROSS_SITE_REQUEST', `This change was sent from another site (${what}) and is refused.`, 'Make changes from the Switchboard console itself, or from a program with an API token (Authorization: Bearer).');
