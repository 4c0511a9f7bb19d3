import { AppError, isAppError } from '../../contracts/index.ts';

/** Why a database call failed in a way that a later retry may not. */
export type DatabaseFailure = 'unavailable' | 'overloaded' | 'timeout' | 'conflict' | 'commit_unknown';

/** Seconds a client should wait before retrying, per failure (the API's `Retry-After`). */
const RETRY_AFTER_S: Record<DatabaseFailure, number> = {
  unavailable: 5,
  overloaded: 2,
  timeout: 2,
  conflict: 1,
  commit_unknown: 1,
};

/**
 * The database failed operationally (down, restarting, overloaded, a timeout, a serialization or
 * deadlock abort): SERVICE_UNAVAILABLE, retryable. Match by `name` or by `code` (never `instanceof`):
 * errors cross queue and process boundaries.
 */
export class RetryableDatabaseError extends AppError {
  readonly reason: DatabaseFailure;
  /** The SQLSTATE or Node error code that was translated, when there was one. */
  readonly sqlstate: string | undefined;
  /** Seconds to wait before retrying (the `Retry-After` header). */
  readonly retryAfterSeconds: number;

  constructor(reason: DatabaseFailure, message: string, options?: { cause?: unknown; sqlstate?: string }) {
    super('SERVICE_UNAVAILABLE', message, undefined, { cause: options?.cause });
    this.name = 'RetryableDatabaseError';
    this.reason = reason;
    this.sqlstate = options?.sqlstate;
    this.retryAfterSeconds = RETRY_AFTER_S[reason];
  }
}

/**
 * A COMMIT whose answer never arrived (connection lost, timed out): the transaction may or may not be
 * committed. Callers must not blindly repeat its writes (the ingest batcher does not retry them one by
 * one, matched by this name); the API answers 503, and a client's retry is folded by dedup.
 */
export class CommitOutcomeUnknownError extends RetryableDatabaseError {
  constructor(options?: { cause?: unknown; sqlstate?: string }) {
    super('commit_unknown', `COMMIT failed, outcome unknown: ${describe(options?.cause)}`, options);
    this.name = 'CommitOutcomeUnknownError';
  }
}

/** SQLSTATEs (exact, then by class) that mean "try again later", not "your request or our code is wrong". */
const BY_SQLSTATE: Record<string, DatabaseFailure> = {
  '57P01': 'unavailable', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02': 'unavailable', // crash_shutdown
  '57P03': 'unavailable', // cannot_connect_now (starting up, recovering)
  '57P05': 'unavailable', // idle_session_timeout
  '25006': 'unavailable', // read_only_sql_transaction: a write reached a standby after failover
  '53300': 'overloaded', // too_many_connections
  '57014': 'timeout', // query_canceled (statement_timeout)
  '55P03': 'timeout', // lock_not_available (lock_timeout)
  '25P03': 'timeout', // idle_in_transaction_session_timeout
  '40001': 'conflict', // serialization_failure
  '40P01': 'conflict', // deadlock_detected
};
const BY_CLASS: Record<string, DatabaseFailure> = {
  '08': 'unavailable', // connection exception (PgBouncer reports its own failures as 08P01)
  '53': 'overloaded', // insufficient resources: disk full, out of memory
};

/** Node socket errors: the server is unreachable or went away. */
const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Messages of pg, pg-pool and PGlite failures that carry no code. */
const MESSAGES: [RegExp, DatabaseFailure][] = [
  [/^Query read timeout$/, 'timeout'],
  [/^timeout exceeded when trying to connect$/, 'overloaded'],
  [/^(Connection terminated|timeout expired)/, 'unavailable'],
  [/not queryable|after calling end on the pool|has already been destroyed/i, 'unavailable'],
  [/^PGlite is closed$/, 'unavailable'],
];

/** Which operational failure `err` is, or null when it is not one (constraint violation, syntax, bug). */
export function databaseFailureOf(err: unknown): DatabaseFailure | null {
  if (typeof err !== 'object' || err === null) return null;
  const { code, message, name } = err as { code?: unknown; message?: unknown; name?: unknown };
  if (name === 'RetryableDatabaseError' || name === 'CommitOutcomeUnknownError') {
    return (err as RetryableDatabaseError).reason ?? 'unavailable';
  }
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) return BY_SQLSTATE[code] ?? BY_CLASS[code.slice(0, 2)] ?? null;
    if (NODE_CODES.has(code)) return 'unavailable';
  }
  if (typeof message === 'string') {
    for (const [pattern, failure] of MESSAGES) if (pattern.test(message)) return failure;
  }
  return null;
}

/**
 * Translates what pg, pg-pool or PGlite threw, once, in the adapter: an operational failure becomes
 * a {@link RetryableDatabaseError} (SERVICE_UNAVAILABLE); anything else (a constraint violation, a
 * syntax error: a bug or a caller's conflict) is returned unchanged, with its SQLSTATE in `code`.
 */
export function translateDatabaseError(err: unknown): unknown {
  if (isAppError(err)) return err;
  const failure = databaseFailureOf(err);
  if (!failure) return err;
  const code = (err as { code?: unknown }).code;
  const sqlstate = typeof code === 'string' ? code : undefined;
  if (failure === 'commit_unknown') return new CommitOutcomeUnknownError({ cause: err, sqlstate });
  return new RetryableDatabaseError(failure, `database ${failure}: ${describe(err)}`, {
    cause: err,
    ...(sqlstate ? { sqlstate } : {}),
  });
}

/**
 * True when a failed statement leaves the connection in an unknown state (no answer from the server:
 * a socket error, a client-side timeout), as opposed to an error the server reported.
 */
export function isConnectionLevelFailure(err: unknown): boolean {
  const e = err as { code?: unknown; sqlstate?: unknown; name?: unknown } | null;
  const translated = e?.name === 'RetryableDatabaseError' || e?.name === 'CommitOutcomeUnknownError';
  const code = translated ? e?.sqlstate : e?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return code.startsWith('08') || code.startsWith('57P') || code.startsWith('XX') || code.startsWith('58');
  }
  return true;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
