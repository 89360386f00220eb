import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, errorStatus } from '../shared/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

export const errorBody = (code: string, message: string, hint?: string, details?: Record<string, unknown>): ErrorBody => ({
  error: { code, message, ...(hint && { hint }), ...(details && { details }) },
});

/** Answers with an AppError's status and the one error shape (a 429 says when to come back). */
export const sendAppError = (reply: FastifyReply, e: AppError) => {
  const after = e.details?.retryAfterSeconds;
  if (e.status === 429 && typeof after === 'number') reply.header('retry-after', String(after));
  return reply.status(e.status).send(errorBody(e.code, e.message, e.hint, e.details));
};

/** PostgreSQL errors that mean the caller sent something impossible, not that we have a bug. */
const pgClientErrors: Record<string, [ErrorCode, string, string]> = {
  '23505': ['ALREADY_EXISTS', 'Something with the same unique value already exists.', 'Use the existing record, or change the value that must be unique.'],
  '23503': ['CONFLICT', 'This refers to a record that does not exist, or is still used by another.', 'Check the IDs you sent, then try again.'],
  '23514': ['VALIDATION_FAILED', 'A value is outside what is allowed.', 'Correct the value, then send the request again.'],
  '22P02': ['VALIDATION_FAILED', 'A value has the wrong format.', 'Correct the value, then send the request again.'],
  '22003': ['VALIDATION_FAILED', 'A number is out of range.', 'Send a smaller number.'],
  '22001': ['VALIDATION_FAILED', 'A text is longer than allowed.', 'Send a shorter text.'],
  '22007': ['VALIDATION_FAILED', 'A date or time has the wrong format.', 'Send dates as YYYY-MM-DD and times as ISO 8601.'],
  '22008': ['VALIDATION_FAILED', 'A date or time is out of range.', 'Send a date between the years 1 and 9999.'],
  // A text with a NUL character or bytes that are not UTF-8: the edge refuses them first
  // (src/http/edge.ts); this is the second line.
  '22021': ['VALIDATION_FAILED', 'A text holds a character that cannot be stored (a NUL byte, or bytes that are not UTF-8).', 'Remove control characters from the text and send it again.'],
  '22P05': ['VALIDATION_FAILED', 'A text holds a character that cannot be stored (a NUL byte, or bytes that are not UTF-8).', 'Remove control characters from the text and send it again.'],
  '54001': ['VALIDATION_FAILED', 'A value is too complex to handle.', 'Send a simpler, shorter value.'],
};

/**
 * Fastify's own errors (bad JSON, a body too large, a URL it cannot read), in the one shape: a
 * code of ours, what went wrong, and what to do about it.
 */
const fastifyErrors: Record<string, (err: FastifyError) => [ErrorCode, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (err) => ['BAD_REQUEST', `The body is not valid JSON: ${err.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'\.?\s*/, '') || 'it cannot be parsed'}.`, 'Send a JSON object, such as {"name": "Jane Doe"}, with content-type application/json.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ['BAD_REQUEST', 'The body is empty but content-type says application/json.', 'Send a JSON object ({} when there is nothing to say), or leave out the content-type.'],
  FST_ERR_CTP_BODY_TOO_LARGE: () => ['PAYLOAD_TOO_LARGE', 'The body is larger than this route accepts.', 'Send less at once: split a file into several.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (err) => ['UNSUPPORTED_MEDIA_TYPE', err.message.replace(/^Unsupported Media Type:?\s*/, 'This content-type is not accepted: ').replace(/\.?$/, '.'), 'Send the body as application/json (text/csv for a bulk file).'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ['BAD_REQUEST', 'The content-length does not match the body.', 'Send the body with its true length.'],
  FST_ERR_CTP_INVALID_TYPE: () => ['BAD_REQUEST', 'The content-type header is not valid.', 'Send content-type application/json.'],
  FST_ERR_BAD_URL: () => ['BAD_REQUEST', 'The address is not a valid URL: it holds a character that is not properly encoded.', 'Percent-encode the path, e.g. %20 for a space.'],
  FST_ERR_MAX_PARAM_LENGTH: () => ['URI_TOO_LONG', 'A part of the address is longer than any ID or name Switchboard uses (100 characters).', 'Check the ID in the address.'],
  FST_ERR_VALIDATION: (err) => ['VALIDATION_FAILED', err.message, 'Correct the named fields and send the request again.'],
};

/** What Fastify's status codes mean when an error has nothing better to say. */
function codeForStatus(status: number): ErrorCode {
  const known = (Object.entries(errorStatus) as [ErrorCode, number][]).find(([code, s]) => s === status && code !== 'INVALID_CREDENTIALS');
  return known?.[0] ?? 'BAD_REQUEST';
}

/** The one way an error leaves the server: `{ error: { code, message, hint } }`; only bugs answer 500. */
export function replyWithError(err: FastifyError & { code?: string; detail?: string }, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) return sendAppError(reply, err);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const fields = err.validation.map((v) => ({
      field: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'is invalid',
    }));
    const first = fields[0]!;
    return reply
      .status(400)
      .send(
        errorBody(
          'VALIDATION_FAILED',
          `${first.field}: ${first.message}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`,
          'Correct the named fields and send the request again.',
          { fields },
        ),
      );
  }
  const pg = typeof err.code === 'string' ? pgClientErrors[err.code] : undefined;
  if (pg) {
    req.log.info({ err: { code: err.code, message: err.message } }, 'database refused a request');
    // PostgreSQL's detail names the value for a duplicate or a missing reference ("Key (slug)=(x) already exists.").
    const detail = ['23505', '23503'].includes(err.code!) && typeof err.detail === 'string' ? ` ${err.detail}` : '';
    return reply.status(errorStatus[pg[0]]).send(errorBody(pg[0], pg[1] + detail, pg[2]));
  }
  const known = typeof err.code === 'string' ? fastifyErrors[err.code] : undefined;
  if (known) {
    const [code, message, hint] = known(err);
    return reply.status(errorStatus[code]).send(errorBody(code, message, hint));
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = codeForStatus(status);
    return reply.status(status).send(errorBody(code, err.message || 'The request cannot be handled.', 'Check the request against the API documentation at /docs.'));
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send(errorBody('INTERNAL', 'Something went wrong inside Switchboard. It has been logged.', `Quote request ID ${req.id} to support.`));
}

/** Maps every failure to the one shape, Fastify's own included. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
}

/** For Fastify's `frameworkErrors` option: a URL it cannot route answers in the one shape. */
export const frameworkErrors = (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
  replyWithError(err, req, reply);
};
