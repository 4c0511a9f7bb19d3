import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/ports/index.ts';
import { sleep } from './helpers.ts';

/** What the rate-limiter contract needs from an adapter. One harness = one isolated backend (or key prefix). */
export interface RateLimiterHarness {
  /** A new limiter on the harness's backend: instances of one harness share counters (several replicas). */
  create(): Promise<RateLimiter>;
  /** Closes every limiter it created (close is idempotent) and deletes the backend's data. */
  cleanup(): Promise<void>;
}

export function describeRateLimiterContract(name: string, factory: () => Promise<RateLimiterHarness>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let h: RateLimiterHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('allows exactly `limit` per window, then refuses with remaining 0 and resetMs > 0', async () => {
      const r = await h.create();
      const allowed = [];
      for (let i = 0; i < 3; i += 1) allowed.push(await r.consume('k', 3, 10_000));
      expect(allowed.map((x) => [x.allowed, x.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
      ]);
      for (let i = 0; i < 2; i += 1) {
        const refused = await r.consume('k', 3, 10_000);
        expect(refused.allowed).toBe(false);
        expect(refused.remaining).toBe(0);
        expect(refused.resetMs).toBeGreaterThan(0);
        expect(refused.resetMs).toBeLessThanOrEqual(10_000);
      }
    });

    it('a new window allows again once resetMs has passed', async () => {
      const r = await h.create();
      await r.consume('w', 2, 300);
      await r.consume('w', 2, 300);
      const refused = await r.consume('w', 2, 300);
      expect(refused.allowed).toBe(false);
      await sleep(refused.resetMs + 50);
      expect(await r.consume('w', 2, 300)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('cost > 1 counts that much, and a refused consume counts nothing', async () => {
      const r = await h.create();
      expect(await r.consume('c', 5, 10_000, 3)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await r.consume('c', 5, 10_000, 3)).toMatchObject({ allowed: false, remaining: 0 });
      expect(await r.consume('c', 5, 10_000, 2)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await r.consume('c', 5, 10_000, 1)).toMatchObject({ allowed: false, remaining: 0 });
    });

    it('separate keys are independent', async () => {
      const r = await h.create();
      expect((await r.consume('a', 1, 10_000)).allowed).toBe(true);
      expect((await r.consume('a', 1, 10_000)).allowed).toBe(false);
      expect(await r.consume('b', 1, 10_000)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('instances on one backend share the count (one cluster-wide limit)', async () => {
      const r1 = await h.create();
      const r2 = await h.create();
      const results = [];
      for (let i = 0; i < 4; i += 1) results.push(await (i % 2 ? r2 : r1).consume('shared', 4, 10_000));
      expect(results.map((x) => x.remaining)).toEqual([3, 2, 1, 0]);
      expect((await r1.consume('shared', 4, 10_000)).allowed).toBe(false);
      expect((await r2.consume('shared', 4, 10_000)).allowed).toBe(false);
    });

    it('concurrent consumes never admit more than the limit', async () => {
      const r1 = await h.create();
      const r2 = await h.create();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? r2 : r1).consume('race', 10, 10_000)),
      );
      expect(results.filter((x) => x.allowed)).toHaveLength(10);
      expect(
        results
          .map((x) => x.remaining)
          .filter((n, i) => results[i]!.allowed)
          .sort((x, y) => x - y),
      ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('increment counts by 1 or `by`, per key, shared across instances', async () => {
      const r1 = await h.create();
      const r2 = await h.create();
      expect(await r1.increment('n', 10_000)).toBe(1);
      expect(await r2.increment('n', 10_000)).toBe(2);
      expect(await r1.increment('n', 10_000, 5)).toBe(7);
      expect(await r2.increment('other', 10_000)).toBe(1);
    });

    it('an incremented counter expires ttlMs after its first increment, not its last', async () => {
      const r = await h.create();
      expect(await r.increment('t', 300)).toBe(1);
      await sleep(150);
      expect(await r.increment('t', 300)).toBe(2);
      await sleep(250);
      expect(await r.increment('t', 300)).toBe(1);
    });

    it('close is idempotent', async () => {
      const r = await h.create();
      await r.close();
      await expect(r.close()).resolves.toBeUndefined();
    });
  });
}
