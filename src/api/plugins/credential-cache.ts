import type { EventBus } from '../../ports/index.ts';

/**
 * Credentials of this API process (see IdentityAccessPolicy for what is kept under which key), with a
 * short TTL and a size bound (the oldest entry goes first), so the hot path (GET /incidents/:id) does
 * not hit the database per request. Every `credentials_changed` event (revocation, logout, role
 * change, on any replica) clears it at once; the TTL bounds staleness when the bus is behind.
 *
 * A hit does not move its entry (no Map delete + set per request): entries are re-inserted when they
 * are verified again, at least once per TTL, so insertion order is close to recency anyway.
 */
export class CredentialCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxEntries > 0;
  }

  get(hash: string): T | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.value;
  }

  /** Take before verifying against the database; `set` refuses a result read before a clear. */
  begin(): number {
    return this.generation;
  }

  set(hash: string, ticket: number, value: T): void {
    if (!this.enabled || ticket !== this.generation) return;
    this.entries.delete(hash);
    this.entries.set(hash, { value, expires: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Clears the cache on every credential change published on the bus; resolves to an unsubscribe. */
  async watch(bus: EventBus): Promise<() => void> {
    return bus.subscribe((event) => {
      if (event.type === 'credentials_changed') this.clear();
    });
  }
}
