import type { RateLimitResult, RateLimiter } from '../../ports/index.ts';

/** What @fastify/rate-limit calls on its store (its `FastifyRateLimitStore`, callback style). */
interface PluginStore {
  incr(key: string, cb: StoreCallback, timeWindow: number, max: number): void;
  read(key: string, cb: StoreCallback, timeWindow: number, max: number): void;
  child(): PluginStore;
}
type StoreCallback = (err: Error | null, result?: { current: number; ttl: number }) => void;

export interface CounterStoreOptions {
  /** A backend call slower than this counts as a failure. Default 1000 ms. */
  deadlineMs?: number;
  /** After a failure, calls are skipped (the limiter lets requests through) this long. Default 5000 ms. */
  pauseMs?: number;
  /** Called once each time the limiter starts skipping. Default: nothing. */
  onUnavailable?: (err: Error) => void;
}

/**
 * A @fastify/rate-limit store on the {@link RateLimiter} port, so the limits are the port's atomic
 * fixed windows: Redis (one Lua call, shared by every replica) in distributed mode, this process's
 * memory in embedded mode. Keys live under `http:` in the port's namespace; every route shares one
 * store (buckets are told apart by the key prefix the caller chooses, not by route).
 *
 * When the backend is down the limiter fails open, and fast: after one failure it stops asking for
 * `pauseMs`, so a Redis outage costs no request more than one `deadlineMs`.
 */
export function counterStore(counters: RateLimiter, options: CounterStoreOptions = {}) {
  const deadlineMs = options.deadlineMs ?? 1000;
  const pauseMs = options.pauseMs ?? 5000;
  let pausedUntil = 0;

  const call = (key: string, max: number, windowMs: number, cost: number, cb: StoreCallback): void => {
    if (performance.now() < pausedUntil) return cb(new Error('rate limit backend paused after a failure'));
    let consumed: Promise<RateLimitResult>;
    try {
      consumed = counters.consume(`http:${key}`, max, windowMs, cost);
    } catch (err) {
      consumed = Promise.reject(err as Error);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rate limit backend slower than ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    Promise.race([consumed, deadline]).then(
      (r) => {
        clearTimeout(timer);
        // Refused calls are not counted by the port; report them as one past the limit.
        cb(null, { current: r.allowed ? max - r.remaining : max + 1, ttl: r.resetMs });
      },
      (err: Error) => {
        clearTimeout(timer);
        if (performance.now() >= pausedUntil) options.onUnavailable?.(err);
        pausedUntil = performance.now() + pauseMs;
        cb(err);
      },
    );
  };

  return class CounterRateLimitStore implements PluginStore {
    incr(key: string, cb: StoreCallback, timeWindow: number, max: number): void {
      call(key, max, timeWindow, 1, cb);
    }
    /** Cost 0: the window's state without counting (the port has no separate read). */
    read(key: string, cb: StoreCallback, timeWindow: number, max: number): void {
      call(key, max, timeWindow, 0, cb);
    }
    child(): PluginStore {
      return this;
    }
  };
}
