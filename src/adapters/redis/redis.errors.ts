import { AppError, isAppError } from '../../contracts/index.ts';

/**
 * Reply errors that mean our code is wrong (bad command, wrong key type), as opposed to Redis being
 * unavailable, read-only after a failover, out of memory or still loading.
 */
const BUG_REPLY = /^(WRONGTYPE|NOSCRIPT|ERR (?!max number of clients))/;

/**
 * Translates whatever ioredis or BullMQ threw into our error catalog, so no vendor error crosses a
 * port: an unreachable, failing-over or overloaded Redis becomes SERVICE_UNAVAILABLE (operational,
 * retryable); a rejected command (syntax, wrong type) becomes INTERNAL_ERROR (a bug).
 */
export function toAppError(err: unknown, operation: string): AppError {
  if (isAppError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.name : '';
  if (name === 'ReplyError' && BUG_REPLY.test(message)) {
    return new AppError('INTERNAL_ERROR', `Redis rejected ${operation}: ${message}`, undefined, {
      cause: err,
    });
  }
  return new AppError('SERVICE_UNAVAILABLE', `Redis unavailable during ${operation}: ${message}`, undefined, {
    cause: err,
  });
}

/** Runs a Redis call and translates its failure (see {@link toAppError}). */
export async function translated<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAppError(err, operation);
  }
}

/**
 * Rejects with SERVICE_UNAVAILABLE when `promise` has not settled within `ms`. Used where a caller
 * must not wait for Redis to come back (the leader elector's renewals); the command itself may
 * still run later.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('SERVICE_UNAVAILABLE', `Redis did not answer ${operation} within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
