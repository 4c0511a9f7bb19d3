/**
 * A shared key/value cache with TTL (DESIGN.md: Cache). Values are stored as JSON: what `get` returns
 * is a fresh copy equal to `JSON.parse(JSON.stringify(value))` (Dates come back as strings), and
 * falsy values such as `0`, `false` and `null` are hits. An adapter may evict entries before their
 * TTL (it is a cache), but never serves one after it.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** Sets or replaces the entry and its TTL. Rejects unless `ttlMs` > 0 or if `value` is not JSON-serialisable. */
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /**
   * Sets the entry only when the key holds no live entry; true when this call set it. Atomic across
   * instances sharing a backend: of concurrent calls on one key, exactly one wins. Short locks
   * (e.g. one process calling a threat-intel vendor while others wait for its cached answer) use it.
   * Same `ttlMs` and value rules as `set`.
   */
  setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
