/**
 * The error catalog: every error that crosses a boundary carries a stable `code`. HTTP statuses are
 * mapped here once; the API's error handler is the only place that turns them into responses.
 * Errors are matched by `code` (never `instanceof`), since they cross process and queue boundaries.
 */
export const ERROR_CATALOG = {
  BAD_REQUEST: { status: 400, kind: 'user' },
  VALIDATION_ERROR: { status: 400, kind: 'user' },
  /** A playbook document that does not validate; `details.errors` lists {file, line, column, field, message}. */
  INVALID_PLAYBOOK: { status: 400, kind: 'user' },
  /** A list cursor that is malformed, tampered with, or used with another sort/order. */
  INVALID_CURSOR: { status: 400, kind: 'user' },
  /** A list request with both `cursor` and `page`. */
  CURSOR_PAGE_CONFLICT: { status: 400, kind: 'user' },
  /** An offset page deeper than the list serves; the cursor walks any depth. */
  PAGE_TOO_DEEP: { status: 400, kind: 'user' },
  UNAUTHORIZED: { status: 401, kind: 'user' },
  INVALID_SIGNATURE: { status: 401, kind: 'user' },
  FORBIDDEN: { status: 403, kind: 'user' },
  NOT_FOUND: { status: 404, kind: 'user' },
  /** The path exists with other methods (listed in the `Allow` header). */
  METHOD_NOT_ALLOWED: { status: 405, kind: 'user' },
  /** Headers arrived but the whole request did not within `server.request_timeout`. */
  REQUEST_TIMEOUT: { status: 408, kind: 'user' },
  CONFLICT: { status: 409, kind: 'user' },
  /** Connector credentials cannot be stored: no encryption key is configured (docs/CONNECTORS.md). */
  ENCRYPTION_KEY_MISSING: { status: 409, kind: 'user' },
  /** A connector URL the outbound policy refuses (private, loopback, plain http…; docs/CONNECTORS.md). */
  BLOCKED_URL: { status: 400, kind: 'user' },
  PAYLOAD_TOO_LARGE: { status: 413, kind: 'user' },
  /** A path segment longer than the router takes. */
  URI_TOO_LONG: { status: 414, kind: 'user' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, kind: 'user' },
  RATE_LIMIT_EXCEEDED: { status: 429, kind: 'user' },
  /** The request's header block is larger than Node's limit. */
  HEADERS_TOO_LARGE: { status: 431, kind: 'user' },
  SERVICE_UNAVAILABLE: { status: 503, kind: 'operational' },
  INTERNAL_ERROR: { status: 500, kind: 'bug' },
} as const satisfies Record<string, { status: number; kind: 'user' | 'operational' | 'bug' }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error with a stable code. `details` is safe to show to the caller for 4xx codes. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

/** True for anything carrying one of our codes (works across realms and after serialisation). */
export function isAppError(err: unknown): err is AppError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code in ERROR_CATALOG
  );
}

/**
 * A job failure that must not be retried (bad payload, incident gone). Workers match it by `name`,
 * so it survives queue serialisation.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export function isPermanentJobError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'PermanentJobError';
}
