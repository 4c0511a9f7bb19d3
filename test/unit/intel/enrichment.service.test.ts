import { describe, expect, it, vi } from 'vitest';
import type { Indicator, IndicatorType } from '../../../src/contracts/index.ts';
import { EnrichmentService } from '../../../src/core/enrichment/enrichment.service.ts';
import type { IntelProvider, IntelVerdict } from '../../../src/core/enrichment/intel-provider.ts';
import type { Cache } from '../../../src/ports/index.ts';
import { DEMO_LIST_ENTRIES, LocalListIntelProvider } from '../../../src/extensions/intel/index.ts';

/** A tiny Map-based Cache (the real in-process adapter lives in src/adapters). */
class MapCache implements Cache {
  readonly store = new Map<string, { value: unknown; expires: number }>();
  async get<T>(key: string): Promise<T | undefined> {
    const hit = this.store.get(key);
    return hit && hit.expires > Date.now() ? (structuredClone(hit.value) as T) : undefined;
  }
  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.store.set(key, { value: structuredClone(value), expires: Date.now() + ttlMs });
  }
  async setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }
  async delete(key: string): Promise<void> {
    this.store.delete(key);
  }
  async close(): Promise<void> {}
}

/** Lookups in flight across every provider sharing it, and the peak seen. */
interface Tracker {
  inFlight: number;
  peak: number;
}

/** A provider whose answers are scripted; records its calls and concurrency in a tracker. */
class ScriptedProvider implements IntelProvider {
  calls = 0;
  constructor(
    readonly name: string,
    private readonly answer: (i: Indicator) => Promise<IntelVerdict> | IntelVerdict,
    private readonly tracker: Tracker = { inFlight: 0, peak: 0 },
    private readonly types: IndicatorType[] = ['ipv4', 'domain'],
  ) {}
  supports(type: IndicatorType): boolean {
    return this.types.includes(type);
  }
  async lookup(indicator: Indicator): Promise<IntelVerdict> {
    this.calls += 1;
    this.tracker.inFlight += 1;
    this.tracker.peak = Math.max(this.tracker.peak, this.tracker.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      return await this.answer(indicator);
    } finally {
      this.tracker.inFlight -= 1;
    }
  }
}

const ip = (n: number): Indicator => ({ type: 'ipv4', value: `203.0.113.${n}` });
const unknown: IntelVerdict = {
  verdict: 'unknown',
  score: null,
  first_seen: null,
  last_seen: null,
  details: {},
};
const verdict = (v: IntelVerdict['verdict'], score: number | null = null, details = {}): IntelVerdict => ({
  verdict: v,
  score,
  first_seen: null,
  last_seen: null,
  details,
});

describe('EnrichmentService', () => {
  it('answers from the cache on the second call, under intel:<provider>:<type>:<value>', async () => {
    const cache = new MapCache();
    const lists = LocalListIntelProvider.fromEntries(DEMO_LIST_ENTRIES);
    const service = new EnrichmentService({ providers: [lists], cache, cacheTtlMs: 60_000, concurrency: 4 });
    const indicators: Indicator[] = [
      { type: 'ipv4', value: '185.220.101.47' },
      { type: 'domain', value: 'example.org' },
      { type: 'ipv4', value: '185.220.101.47' },
      { type: 'username', value: 'alice' },
    ];
    const first = await service.enrich(indicators);
    expect(first).toMatchObject({ lookups: 2, cacheHits: 0, cacheMisses: 2, errors: 0 });
    expect(first.enrichments.map((e) => [e.indicator_value, e.provider, e.verdict])).toEqual([
      ['185.220.101.47', 'local-lists', 'malicious'],
      ['example.org', 'local-lists', 'unknown'],
    ]);
    expect([...cache.store.keys()]).toEqual([
      'intel:local-lists:ipv4:185.220.101.47',
      'intel:local-lists:domain:example.org',
    ]);
    const second = await service.enrich(indicators);
    expect(second).toMatchObject({ lookups: 2, cacheHits: 2, cacheMisses: 0, errors: 0 });
    expect(second.enrichments).toEqual(first.enrichments);
  });

  it('holds the concurrency bound across 100 parallel lookups from concurrent incidents', async () => {
    const tracker: Tracker = { inFlight: 0, peak: 0 };
    const slow = new ScriptedProvider('slow', () => unknown, tracker);
    const other = new ScriptedProvider('other', () => unknown, tracker);
    const service = new EnrichmentService({
      providers: [slow, other],
      cache: new MapCache(),
      cacheTtlMs: 1000,
      concurrency: 5,
    });
    const batches = [0, 1, 2, 3, 4].map((b) =>
      service.enrich(Array.from({ length: 10 }, (_, i) => ip(b * 10 + i))),
    );
    const outcomes = await Promise.all(batches);
    expect(outcomes.reduce((n, o) => n + o.lookups, 0)).toBe(100);
    expect(slow.calls + other.calls).toBe(100);
    // Measured at the providers: the bound is reached (work runs in parallel) but never exceeded.
    expect(tracker.peak).toBe(5);
    expect(service.semaphore.maxObserved).toBe(5);
    expect(service.semaphore.inFlight).toBe(0);
  });

  it('isolates a provider error to its own indicator', async () => {
    const flaky = new ScriptedProvider('flaky', (i) => {
      if (i.value.endsWith('.2')) throw new Error('upstream 503');
      return verdict('suspicious', 0.5, { feed: 'x' });
    });
    const steady = new ScriptedProvider('steady', () => unknown);
    const cache = new MapCache();
    const service = new EnrichmentService({
      providers: [flaky, steady],
      cache,
      cacheTtlMs: 1000,
      concurrency: 2,
    });
    const out = await service.enrich([ip(1), ip(2), ip(3)]);
    expect(out).toMatchObject({ lookups: 6, cacheMisses: 6, errors: 1 });
    expect(out.errorMessages).toEqual(['flaky ipv4:203.0.113.2: upstream 503']);
    expect(out.enrichments.map((e) => `${e.provider}:${e.indicator_value}`)).toEqual([
      'flaky:203.0.113.1',
      'steady:203.0.113.1',
      'steady:203.0.113.2',
      'flaky:203.0.113.3',
      'steady:203.0.113.3',
    ]);
    // Failures are not cached, so the next call retries them.
    expect(cache.store.has('intel:flaky:ipv4:203.0.113.2')).toBe(false);
    const again = await service.enrich([ip(2)]);
    expect(again).toMatchObject({ cacheHits: 1, cacheMisses: 1, errors: 1 });
  });

  it('treats a failing cache as a miss and still answers', async () => {
    const broken: Cache = {
      get: () => Promise.reject(new Error('cache down')),
      set: () => Promise.reject(new Error('cache down')),
      setIfAbsent: () => Promise.reject(new Error('cache down')),
      delete: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const p = new ScriptedProvider('p', () => verdict('clean', 0.1));
    const service = new EnrichmentService({
      providers: [p],
      cache: broken,
      cacheTtlMs: 1000,
      concurrency: 1,
    });
    const out = await service.enrich([ip(1)]);
    expect(out).toMatchObject({ cacheMisses: 1, errors: 0 });
    expect(out.enrichments[0]?.verdict).toBe('clean');
  });

  it('refuses two providers with one name, since they would share cache keys', () => {
    const make = (): ScriptedProvider => new ScriptedProvider('local-lists', () => unknown);
    expect(
      () =>
        new EnrichmentService({
          providers: [make(), make()],
          cache: new MapCache(),
          cacheTtlMs: 1000,
          concurrency: 1,
        }),
    ).toThrow(/"local-lists" is used twice/);
  });

  it('rejects with the abort reason instead of counting aborts as provider errors', async () => {
    const ac = new AbortController();
    const p = new ScriptedProvider('p', () => {
      ac.abort(new Error('shutting down'));
      throw new Error('aborted fetch');
    });
    const service = new EnrichmentService({
      providers: [p],
      cache: new MapCache(),
      cacheTtlMs: 1000,
      concurrency: 1,
    });
    await expect(service.enrich([ip(1), ip(2)], ac.signal)).rejects.toThrow('shutting down');
    // The shared lookup is not any one caller's: it ends on its own (the provider's timeouts bound it).
    await vi.waitFor(() => expect(service.semaphore.inFlight).toBe(0));
  });

  it('caches positive answers per indicator type and negative ones with their own TTL; provider TTLs win', async () => {
    const cache = new MapCache();
    const answers: Record<string, IntelVerdict> = {
      '203.0.113.1': verdict('malicious', 0.9),
      '203.0.113.2': verdict('clean', 0),
      '203.0.113.3': unknown,
    };
    const p = new ScriptedProvider('p', (i) => answers[i.value] ?? verdict('suspicious', 0.5));
    const own = Object.assign(new ScriptedProvider('own', () => verdict('malicious', 1)), {
      cacheTtl: { negative: 5_000, byType: { domain: 7_000 } },
    });
    const service = new EnrichmentService({
      providers: [p, own],
      cache,
      cacheTtlMs: 3_600_000,
      cacheTtl: { negative: 900_000, byType: { domain: 86_400_000 } },
      concurrency: 4,
    });
    const before = Date.now();
    await service.enrich([ip(1), ip(2), ip(3), { type: 'domain', value: 'Evil.Example.COM.' }]);
    const ttl = (key: string) => Math.round(((cache.store.get(key)?.expires ?? 0) - before) / 1000);
    expect(ttl('intel:p:ipv4:203.0.113.1')).toBe(3600);
    expect(ttl('intel:p:ipv4:203.0.113.2')).toBe(900);
    expect(ttl('intel:p:ipv4:203.0.113.3')).toBe(900);
    // The indicator is normalised before it keys the cache.
    expect(ttl('intel:p:domain:evil.example.com')).toBe(86_400);
    expect(ttl('intel:own:domain:evil.example.com')).toBe(7);
    expect(ttl('intel:own:ipv4:203.0.113.1')).toBe(3600);
  });

  it('collapses concurrent identical lookups from several incidents onto one provider call', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = new ScriptedProvider('p', async () => {
      await gate;
      return verdict('malicious', 1);
    });
    const service = new EnrichmentService({
      providers: [p],
      cache: new MapCache(),
      cacheTtlMs: 60_000,
      concurrency: 4,
    });
    const runs = [1, 2, 3, 4, 5].map(() => service.enrich([ip(9)]));
    await new Promise((r) => setTimeout(r, 20));
    release();
    const outcomes = await Promise.all(runs);
    expect(p.calls).toBe(1);
    expect(outcomes.map((o) => o.enrichments[0]?.verdict)).toEqual(Array(5).fill('malicious'));
    expect(outcomes.reduce((n, o) => n + o.cacheMisses, 0)).toBe(1);
    expect(outcomes.reduce((n, o) => n + o.cacheHits, 0)).toBe(4);
  });

  it('across processes sharing a cache, one calls the provider and the other takes its answer', async () => {
    const { InProcessCache, InProcessCacheStore } = await import('../../../src/adapters/in-process/index.ts');
    const store = new InProcessCacheStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = () =>
      new ScriptedProvider('vendor', async () => {
        await gate;
        return verdict('malicious', 1);
      });
    const [pa, pb] = [slow(), slow()];
    const make = (p: ScriptedProvider) =>
      new EnrichmentService({
        providers: [p],
        cache: new InProcessCache({ store }),
        cacheTtlMs: 60_000,
        concurrency: 4,
        lock: { waitMs: 5_000, pollMs: 10 },
      });
    const [a, b] = [make(pa), make(pb)];
    const ra = a.enrich([ip(7)]);
    const shared = new InProcessCache({ store });
    await vi.waitFor(async () => expect(await shared.get('intel-lock:vendor:ipv4:203.0.113.7')).toBe(1));
    const rb = b.enrich([ip(7)]);
    await new Promise((r) => setTimeout(r, 30));
    release();
    const [oa, ob] = await Promise.all([ra, rb]);
    expect([pa.calls, pb.calls]).toEqual([1, 0]);
    expect([oa.cacheMisses, ob.cacheHits]).toEqual([1, 1]);
    expect(ob.enrichments[0]?.verdict).toBe('malicious');
    // The lock is released: a later miss elsewhere is not held up.
    expect(await shared.get('intel-lock:vendor:ipv4:203.0.113.7')).toBeUndefined();
  });

  it('a process waiting on another one past lock wait asks the provider itself', async () => {
    const cache = new MapCache();
    await cache.set('intel-lock:p:ipv4:203.0.113.8', 1, 60_000);
    const p = new ScriptedProvider('p', () => verdict('suspicious', 0.5));
    const service = new EnrichmentService({
      providers: [p],
      cache,
      cacheTtlMs: 60_000,
      concurrency: 1,
      lock: { waitMs: 100, pollMs: 10 },
    });
    const out = await service.enrich([ip(8)]);
    expect(p.calls).toBe(1);
    expect(out.enrichments[0]?.verdict).toBe('suspicious');
  });
});
