/**
 * Key naming under one configurable root (`redis.key_prefix`, default `tw`).
 *
 * Redis Cluster runs a multi-key script or transaction only when all its keys hash to one slot, and
 * a hash tag (`{…}`) decides the slot. So key groups used together (a BullMQ queue, the leader lease
 * and its term counter) live under the tagged root `{tw}`; keys always used alone (cache entries,
 * rate-limit counters) use the plain root `tw:` so that Cluster can spread them over its shards.
 * A root that already holds a hash tag is used as given.
 */
export class RedisKeyspace {
  readonly root: string;

  constructor(root: string) {
    if (!root) throw new Error('Redis key prefix must not be empty');
    this.root = root;
  }

  /** The hash-tagged root, e.g. `{tw}`; also BullMQ's `prefix`. */
  get tag(): string {
    return this.root.includes('{') ? this.root : `{${this.root}}`;
  }

  /** A key in the tagged root's slot: `{tw}:a:b`. */
  tagged(...parts: string[]): string {
    return [this.tag, ...parts].join(':');
  }

  /** A key placed by its own hash: `tw:a:b`. */
  plain(...parts: string[]): string {
    return [this.root, ...parts].join(':');
  }
}
