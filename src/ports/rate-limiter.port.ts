export interface RateLimitResult {
  allowed: boolean;
  /** Remaining in the current window after this call (0 when refused). */
  remaining: number;
  /** Ms until the window resets. */
  resetMs: number;
}

/**
 * Shared counters and fixed-window rate limits (DESIGN.md: RateLimiter). Shared across replicas in
 * distributed mode, so N API servers enforce one cluster-wide limit.
 */
export interface RateLimiter {
  /**
   * Counts `cost` (default 1) against `key`; refuses without counting once `limit` would be passed.
   * A window lasts `windowMs` from the first counted call on the key (a fixed window, not sliding).
   * Atomic across instances sharing a backend: concurrent calls never admit more than `limit`.
   */
  consume(key: string, limit: number, windowMs: number, cost?: number): Promise<RateLimitResult>;
  /**
   * Increments a counter that expires `ttlMs` after its first increment (later increments do not
   * extend it); returns the new value. Counters are a separate namespace from `consume` keys.
   */
  increment(key: string, ttlMs: number, by?: number): Promise<number>;
  /** Idempotent. */
  close(): Promise<void>;
}
