import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../ports/index.ts';

/**
 * Serialized `GET /incidents/:id` bodies, per API process. Every change to an incident publishes an
 * event naming it (DESIGN.md: EventBus), and every API process drops its entry on that event; the TTL
 * bounds staleness when the bus is behind or down (and for deletions by retention, which publish none).
 *
 * A read that started before an invalidation must not store what it read: `begin` hands out a ticket
 * and `store` refuses it when the incident was invalidated after the ticket was taken. The record of
 * recent invalidations is bounded; forgetting one raises the floor every older ticket must clear.
 */
export class DetailCache {
  private readonly entries = new Map<string, { body: string; expires: number }>();
  private readonly invalidated = new Map<string, number>();
  private seq = 0;
  /** Tickets at or below this may have missed an invalidation that was since forgotten. */
  private floor = 0;
  /** Off until the invalidating subscription is live (see `activate`). */
  private active = false;
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.active && this.ttlMs > 0 && this.maxEntries > 0;
  }

  /** Starts serving: call once the events that invalidate entries are flowing. */
  activate(): void {
    this.clear();
    this.active = true;
  }

  deactivate(): void {
    this.active = false;
    this.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): string | undefined {
    if (!this.active) return undefined;
    const entry = this.entries.get(id);
    if (entry === undefined || entry.expires <= this.now()) {
      if (entry) this.entries.delete(id);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.body;
  }

  /** Take before reading the database; pass to `store` with what was read. */
  begin(): number {
    return this.seq;
  }

  store(id: string, ticket: number, body: string): void {
    if (!this.enabled || ticket < this.floor) return;
    const last = this.invalidated.get(id);
    if (last !== undefined && last > ticket) return;
    this.entries.delete(id);
    this.entries.set(id, { body, expires: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  invalidate(id: string): void {
    if (!this.enabled) return;
    this.seq++;
    this.entries.delete(id);
    this.invalidated.delete(id);
    this.invalidated.set(id, this.seq);
    if (this.invalidated.size > this.maxEntries) {
      const [oldestId, oldestSeq] = this.invalidated.entries().next().value as [string, number];
      this.invalidated.delete(oldestId);
      this.floor = Math.max(this.floor, oldestSeq);
    }
  }

  clear(): void {
    this.seq++;
    this.floor = this.seq;
    this.entries.clear();
    this.invalidated.clear();
  }
}

/**
 * The detail cache of this API process, dropped per incident on every bus event naming it. It serves
 * nothing until the subscription is live (the bus may be down at start: the API still starts).
 */
export function watchDetailCache(
  app: FastifyInstance,
  bus: EventBus,
  settings: { ttlMs: number; maxEntries: number },
): DetailCache {
  const cache = new DetailCache(settings.ttlMs, settings.maxEntries);
  if (!(settings.ttlMs > 0 && settings.maxEntries > 0)) return cache;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  Promise.resolve()
    .then(() =>
      bus.subscribe((event) => {
        const id = (event.data as { incident_id?: unknown }).incident_id;
        if (typeof id === 'string') cache.invalidate(id);
      }),
    )
    .then((stop) => {
      if (closed) return stop();
      unsubscribe = stop;
      cache.activate();
    })
    .catch((err: unknown) => app.log.warn({ err: String(err) }, 'detail cache off: no event subscription'));
  app.addHook('onClose', async () => {
    closed = true;
    cache.deactivate();
    unsubscribe?.();
  });
  return cache;
}
