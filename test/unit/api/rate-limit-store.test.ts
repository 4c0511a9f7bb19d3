import { describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../../src/adapters/in-process/in-process.rate-limiter.ts';
import { counterStore, type CounterStore } from '../../../src/api/plugins/rate-limit.store.ts';
import type { RateLimiter } from '../../../src/ports/index.ts';

/** A limiter that counts the backend calls made through it. */
function counting(): { limiter: RateLimiter; calls: () => number } {
  const inner = new InProcessRateLimiter();
  let n = 0;
  return {
    calls: () => n,
    limiter: {
      consume: (...args) => {
        n += 1;
        return inner.consume(...args);
      },
      increment: (...args) => inner.increment(...args),
      close: () => inner.close(),
    },
  };
}

function incr(store: CounterStore, key: string, windowMs: number, max: number) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (err, r) => (err ? reject(err) : resolve(r!)), windowMs, max),
  );
}

describe('rate-limit store on the RateLimiter port', () => {
  it('far from the limit, hits are counted locally and sent in batches (not one backend call each)', async () => {
    const { limiter, calls } = counting();
    const store = counterStore(limiter);
    for (let i = 0; i < 1000; i++) await incr(store, 'k', 60_000, 1_000_000);
    expect(calls()).toBeLessThan(50);
    // What was admitted reaches the shared count (within one unsent batch).
    await new Promise((r) => setTimeout(r, 150));
    await incr(store, 'k', 60_000, 1_000_000);
    const state = await limiter.consume('http:k', 1_000_000, 60_000, 1);
    expect(1_000_000 - state.remaining).toBeGreaterThanOrEqual(900);
  });

  it('a small limit is counted exactly: the limit-th + 1 hit is refused by the backend count', async () => {
    const { limiter, calls } = counting();
    const store = counterStore(limiter);
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) seen.push((await incr(store, 'small', 60_000, 10)).current);
    expect(calls()).toBe(12);
    expect(seen.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.slice(10).every((c) => c > 10)).toBe(true);
  });
});
