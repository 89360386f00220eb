/**
 * Expected failures are values with a code, a message a person can act on, and a hint.
 * They map to 4xx responses; anything else that escapes is a bug and answers 500.
 */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_CODE: 401,
  FORBIDDEN: 403,
  CROSS_SITE_REQUEST: 403,
  MFA_ENROLMENT_REQUIRED: 403,
  PASSWORD_SIGN_IN_OFF: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  INVENTORY_UNAVAILABLE: 409,
  RESERVATION_NOT_HELD: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PRECONDITION_FAILED: 422,
  TOO_MANY_REQUESTS: 429,
  UPSTREAM_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

export const notFound = (what: string, id: string | number, hint?: string) =>
  new AppError('NOT_FOUND', `${what} ${id} was not found.`, hint ?? `Check the ${what.toLowerCase()} ID and try again.`);

export const invalid = (field: string, message: string, hint?: string) =>
  new AppError('VALIDATION_FAILED', `${field}: ${message}`, hint, { field });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
