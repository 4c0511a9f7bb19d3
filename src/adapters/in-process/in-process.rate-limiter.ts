import { performance } from 'node:perf_hooks';
import type { RateLimitResult, RateLimiter } from '../../ports/index.ts';

interface Window {
  count: number;
  resetAt: number;
}

/** Expired entries are swept after this many operations, so idle keys do not pile up. */
const SWEEP_EVERY = 1000;

/**
 * Counters shared by the InProcessRateLimiter instances given the same store (several "replicas" in
 * one process). Windows use the monotonic clock. Operations are synchronous, hence atomic.
 */
export class InProcessCounterStore {
  private readonly windows = new Map<string, Window>();
  private readonly counters = new Map<string, Window>();
  private ops = 0;

  consume(key: string, limit: number, windowMs: number, cost: number): RateLimitResult {
    const now = this.tick();
    const w = live(this.windows.get(key), now) ?? { count: 0, resetAt: now + windowMs };
    const resetMs = Math.max(1, Math.ceil(w.resetAt - now));
    if (w.count + cost > limit) return { allowed: false, remaining: 0, resetMs };
    w.count += cost;
    this.windows.set(key, w);
    return { allowed: true, remaining: limit - w.count, resetMs };
  }

  increment(key: string, ttlMs: number, by: number): number {
    const now = this.tick();
    const c = live(this.counters.get(key), now) ?? { count: 0, resetAt: now + ttlMs };
    c.count += by;
    this.counters.set(key, c);
    return c.count;
  }

  clear(): void {
    this.windows.clear();
    this.counters.clear();
  }

  private tick(): number {
    const now = performance.now();
    this.ops += 1;
    if (this.ops % SWEEP_EVERY === 0) {
      for (const map of [this.windows, this.counters])
        for (const [k, w] of map) if (w.resetAt <= now) map.delete(k);
    }
    return now;
  }
}

function live(w: Window | undefined, now: number): Window | undefined {
  return w && w.resetAt > now ? w : undefined;
}

function positive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
}

export interface InProcessRateLimiterOptions {
  /** Counters shared with other instances. Default: a private store. */
  store?: InProcessCounterStore;
}

/** The embedded-mode RateLimiter: fixed windows starting at a key's first counted call. */
export class InProcessRateLimiter implements RateLimiter {
  private readonly store: InProcessCounterStore;
  private readonly ownsStore: boolean;
  private closed = false;

  constructor(options: InProcessRateLimiterOptions = {}) {
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new InProcessCounterStore();
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<RateLimitResult> {
    this.assertOpen();
    if (!(limit >= 0)) throw new RangeError(`limit must be >= 0, got ${limit}`);
    positive('windowMs', windowMs);
    positive('cost', cost);
    return this.store.consume(key, limit, windowMs, cost);
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<number> {
    this.assertOpen();
    positive('ttlMs', ttlMs);
    if (!Number.isFinite(by)) throw new RangeError(`by must be a finite number, got ${by}`);
    return this.store.increment(key, ttlMs, by);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsStore) this.store.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('rate limiter is closed');
  }
}
