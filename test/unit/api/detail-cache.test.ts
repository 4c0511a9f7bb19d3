import { describe, expect, it } from 'vitest';
import { DetailCache } from '../../../src/api/detail-cache.ts';

function cache(ttlMs = 1000, max = 3) {
  const clock = { t: 0 };
  const c = new DetailCache(ttlMs, max, () => clock.t);
  c.activate();
  return { c, clock };
}

describe('DetailCache', () => {
  it('serves nothing until activated, and nothing after deactivation', () => {
    const c = new DetailCache(1000, 10);
    c.store('a', c.begin(), 'A');
    expect(c.get('a')).toBeUndefined();
    c.activate();
    c.store('a', c.begin(), 'A');
    expect(c.get('a')).toBe('A');
    c.deactivate();
    expect(c.get('a')).toBeUndefined();
  });

  it('is off with a zero TTL or zero entries', () => {
    for (const off of [new DetailCache(0, 10), new DetailCache(1000, 0)]) {
      off.activate();
      off.store('a', off.begin(), 'A');
      expect(off.get('a')).toBeUndefined();
    }
  });

  it('expires entries after the TTL', () => {
    const { c, clock } = cache(1000);
    c.store('a', c.begin(), 'A');
    clock.t = 999;
    expect(c.get('a')).toBe('A');
    clock.t = 1000;
    expect(c.get('a')).toBeUndefined();
  });

  it('drops an entry on invalidation', () => {
    const { c } = cache();
    c.store('a', c.begin(), 'A');
    c.invalidate('a');
    expect(c.get('a')).toBeUndefined();
  });

  it('refuses to store a read that began before an invalidation of the same incident', () => {
    const { c } = cache();
    const ticket = c.begin(); // read starts
    c.invalidate('a'); // a change lands meanwhile
    c.store('a', ticket, 'stale');
    expect(c.get('a')).toBeUndefined();
    const fresh = c.begin();
    c.store('a', fresh, 'fresh');
    expect(c.get('a')).toBe('fresh');
  });

  it('an invalidation of another incident does not block storing', () => {
    const { c } = cache();
    const ticket = c.begin();
    c.invalidate('b');
    c.store('a', ticket, 'A');
    expect(c.get('a')).toBe('A');
  });

  it('keeps at most maxEntries, evicting the least recently stored', () => {
    const { c } = cache(1000, 2);
    c.store('a', c.begin(), 'A');
    c.store('b', c.begin(), 'B');
    c.store('c', c.begin(), 'C');
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([undefined, 'B', 'C']);
  });

  it('when it forgets old invalidations, reads older than them are refused (never stale)', () => {
    const { c } = cache(1000, 2);
    const old = c.begin();
    c.invalidate('a');
    c.invalidate('x');
    c.invalidate('y'); // 'a' is forgotten now
    c.store('a', old, 'stale');
    expect(c.get('a')).toBeUndefined();
    c.store('a', c.begin(), 'fresh');
    expect(c.get('a')).toBe('fresh');
  });

  it('clear refuses reads that began before it', () => {
    const { c } = cache();
    const old = c.begin();
    c.clear();
    c.store('a', old, 'stale');
    expect(c.get('a')).toBeUndefined();
  });
});
