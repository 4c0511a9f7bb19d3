import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cache } from '../../src/ports/index.ts';
import { sleep } from './helpers.ts';

/** What the cache contract needs from an adapter. One harness = one isolated backend (or key prefix). */
export interface CacheHarness {
  /** A new cache instance on the harness's backend: instances of one harness share entries. */
  create(): Promise<Cache>;
  /** Closes every cache it created (close is idempotent) and deletes the backend's data. */
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;

export function describeCacheContract(name: string, factory: () => Promise<CacheHarness>): void {
  describe(`Cache contract: ${name}`, () => {
    const harnesses: CacheHarness[] = [];
    let h: CacheHarness;
    const fresh = async (): Promise<CacheHarness> => {
      const harness = await factory();
      harnesses.push(harness);
      return harness;
    };
    beforeEach(async () => {
      h = await fresh();
    });
    afterEach(async () => {
      await Promise.all(harnesses.splice(0).map((x) => x.cleanup()));
    });

    it('get, set, overwrite and delete', async () => {
      const c = await h.create();
      expect(await c.get('missing')).toBeUndefined();
      await c.set('k', 'one', HOUR);
      expect(await c.get<string>('k')).toBe('one');
      await c.set('k', 'two', HOUR);
      expect(await c.get<string>('k')).toBe('two');
      await c.delete('k');
      expect(await c.get('k')).toBeUndefined();
      await expect(c.delete('never-set')).resolves.toBeUndefined();
    });

    it('falsy JSON values round-trip and are not mistaken for misses', async () => {
      const c = await h.create();
      const values: unknown[] = [0, false, '', null, [], {}];
      for (const [i, v] of values.entries()) await c.set(`f${i}`, v, HOUR);
      for (const [i, v] of values.entries()) expect(await c.get(`f${i}`)).toStrictEqual(v);
    });

    it('objects round-trip as JSON, detached from the caller', async () => {
      const c = await h.create();
      const at = new Date('2024-05-01T10:00:00.000Z');
      const value = {
        ip: '203.0.113.7',
        score: 0.93,
        tags: ['c2', 'tor'],
        nested: { ok: true, n: null },
        at,
        gone: undefined,
      };
      await c.set('obj', value, HOUR);
      value.tags.push('mutated-after-set');
      const got = await c.get<Record<string, unknown>>('obj');
      expect(got).toStrictEqual({
        ip: '203.0.113.7',
        score: 0.93,
        tags: ['c2', 'tor'],
        nested: { ok: true, n: null },
        at: '2024-05-01T10:00:00.000Z',
      });
      (got!.tags as string[]).push('mutated-after-get');
      expect((await c.get<{ tags: string[] }>('obj'))!.tags).toEqual(['c2', 'tor']);
    });

    it('entries expire after their TTL', async () => {
      const c = await h.create();
      await c.set('short', 'v', 100);
      await c.set('long', 'v', HOUR);
      expect(await c.get('short')).toBe('v');
      await sleep(250);
      expect(await c.get('short')).toBeUndefined();
      expect(await c.get('long')).toBe('v');
    });

    it('set replaces the TTL of an existing entry', async () => {
      const c = await h.create();
      await c.set('k', 1, 100);
      await c.set('k', 2, HOUR);
      await sleep(250);
      expect(await c.get('k')).toBe(2);
    });

    it('rejects a TTL that is not > 0', async () => {
      const c = await h.create();
      await expect(c.set('k', 1, 0)).rejects.toThrow();
      await expect(c.set('k', 1, -5)).rejects.toThrow();
      expect(await c.get('k')).toBeUndefined();
    });

    it('instances of one harness share entries (one backend, several processes)', async () => {
      const a = await h.create();
      const b = await h.create();
      await a.set('shared', { v: 1 }, HOUR);
      expect(await b.get('shared')).toEqual({ v: 1 });
      await b.delete('shared');
      expect(await a.get('shared')).toBeUndefined();
    });

    it('different harnesses are isolated from each other', async () => {
      const other = await fresh();
      const a = await h.create();
      const b = await other.create();
      await a.set('same-key', 'from-a', HOUR);
      expect(await b.get('same-key')).toBeUndefined();
      await b.set('same-key', 'from-b', HOUR);
      expect(await a.get('same-key')).toBe('from-a');
    });

    it('setIfAbsent sets only a missing or expired key, and of concurrent callers exactly one wins', async () => {
      const a = await h.create();
      const b = await h.create();
      expect(await a.setIfAbsent('lock', 'a', HOUR)).toBe(true);
      expect(await b.setIfAbsent('lock', 'b', HOUR)).toBe(false);
      expect(await b.get('lock')).toBe('a');
      await a.set('value', 0, HOUR);
      expect(await a.setIfAbsent('value', 1, HOUR)).toBe(false);
      expect(await a.get('value')).toBe(0);

      const racers = await Promise.all([a, b, a, b, a, b].map((c, i) => c.setIfAbsent('race', i, HOUR)));
      expect(racers.filter(Boolean)).toHaveLength(1);
      expect(await a.get('race')).toBe(racers.indexOf(true));

      expect(await a.setIfAbsent('short', 'first', 100)).toBe(true);
      await sleep(250);
      expect(await b.setIfAbsent('short', 'second', HOUR)).toBe(true);
      expect(await a.get('short')).toBe('second');
      await a.delete('short');
      expect(await b.setIfAbsent('short', 'third', HOUR)).toBe(true);
      await expect(a.setIfAbsent('bad-ttl', 1, 0)).rejects.toThrow();
      expect(await a.get('bad-ttl')).toBeUndefined();
    });

    it('close is idempotent', async () => {
      const c = await h.create();
      await c.close();
      await expect(c.close()).resolves.toBeUndefined();
    });
  });
}
