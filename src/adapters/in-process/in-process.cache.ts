import { performance } from 'node:perf_hooks';
import type { Cache } from '../../ports/index.ts';

const DEFAULT_MAX_ENTRIES = 10_000;

export interface InProcessCacheStoreOptions {
  /** Entries held before the least recently used is evicted. Default 10 000. */
  maxEntries?: number;
}

/**
 * Entries shared by the InProcessCache instances given the same store. Values are kept as JSON text,
 * so every `get` returns a fresh copy, as from Redis. Expiry uses the monotonic clock.
 */
export class InProcessCacheStore {
  private readonly entries = new Map<string, { json: string; expiresAt: number }>();
  private readonly maxEntries: number;

  constructor(options: InProcessCacheStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError('maxEntries must be an integer >= 1');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= performance.now()) return undefined;
    // Re-inserting marks the entry most recently used (a Map iterates in insertion order).
    this.entries.set(key, entry);
    return entry.json;
  }

  set(key: string, json: string, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { json, expiresAt: performance.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface InProcessCacheOptions {
  /** Shared entries for several instances. Default: a private store of `maxEntries`. */
  store?: InProcessCacheStore;
  /** Size of the private store; ignored with `store`. Default 10 000. */
  maxEntries?: number;
}

/** The embedded-mode Cache: bounded, least-recently-used eviction, TTL per entry. */
export class InProcessCache implements Cache {
  private readonly store: InProcessCacheStore;
  private readonly ownsStore: boolean;
  private closed = false;

  constructor(options: InProcessCacheOptions = {}) {
    this.ownsStore = options.store === undefined;
    this.store =
      options.store ??
      new InProcessCacheStore(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries });
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.assertOpen();
    const json = this.store.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.assertOpen();
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
      throw new RangeError(`ttlMs must be a finite number > 0, got ${ttlMs}`);
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new TypeError(`cache value for ${key} is not JSON-serialisable`);
    this.store.set(key, json, ttlMs);
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    // get() drops an expired entry; nothing can run between the check and the set (one thread).
    if (this.store.get(key) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    this.store.delete(key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsStore) this.store.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('cache is closed');
  }
}
