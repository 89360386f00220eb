import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../shared/errors.js';

interface ErrorBody {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

const body = (code: string, message: string, hint?: string, details?: Record<string, unknown>): ErrorBody => ({
  error: { code, message, ...(hint && { hint }), ...(details && { details }) },
});

/** PostgreSQL errors that mean the caller sent something impossible, not that we have a bug. */
const pgClientErrors: Record<string, [number, string, string]> = {
  '23505': [409, 'ALREADY_EXISTS', 'Something with the same unique value already exists.'],
  '23503': [409, 'CONFLICT', 'This refers to a record that does not exist, or is still used by another.'],
  '23514': [400, 'VALIDATION_FAILED', 'A value is outside what is allowed.'],
  '22P02': [400, 'VALIDATION_FAILED', 'A value has the wrong format.'],
  '22003': [400, 'VALIDATION_FAILED', 'A number is out of range.'],
};

/** Maps every failure to `{ error: { code, message, hint } }`; only bugs answer 500. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { code?: string; detail?: string }, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send(body(err.code, err.message, err.hint, err.details));
    }
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
          body(
            'VALIDATION_FAILED',
            `${first.field}: ${first.message}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`,
            'Correct the named fields and send the request again.',
            { fields },
          ),
        );
    }
    const pg = typeof err.code === 'string' ? pgClientErrors[err.code] : undefined;
    if (pg) {
      req.log.info({ err: { code: err.code, message: err.message, detail: err.detail } }, 'database refused a request');
      return reply.status(pg[0]).send(body(pg[1], pg[2], err.detail));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
      return reply.status(status).send(body(code, err.message, status === 415 ? 'Send the body as application/json.' : undefined));
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(body('INTERNAL', 'Something went wrong inside Switchboard. It has been logged.', `Quote request ID ${req.id} to support.`));
  });

}
