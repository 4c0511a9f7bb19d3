/** A shared key/value cache with TTL (DESIGN.md: Cache). Values are JSON-serialisable. */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** `ttlMs` must be > 0. */
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
