import { AppError } from '../../contracts/index.ts';
import type { Cache } from '../../ports/index.ts';
import type { RedisConnection } from './redis.connection.ts';
import { RedisKeyspace } from './redis.keyspace.ts';
import { translated } from './redis.errors.ts';

export interface RedisCacheOptions {
  /** Key root, overriding the connection's (tests isolate by it). Default: the connection's `keyPrefix`. */
  keyPrefix?: string;
}

/**
 * {@link Cache} on plain Redis strings: values are stored as JSON with a PX expiry, under
 * `<prefix>:cache:<key>` (no hash tag, so Cluster spreads entries over its shards). Redis failures
 * surface as SERVICE_UNAVAILABLE; callers treat the cache as best effort.
 */
export class RedisCache implements Cache {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeyspace;

  constructor(connection: RedisConnection, options: RedisCacheOptions = {}) {
    this.connection = connection;
    this.keys = options.keyPrefix ? new RedisKeyspace(options.keyPrefix) : connection.keys;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await translated('cache get', () => this.connection.client.get(this.key(key)));
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch (err) {
      throw new AppError('INTERNAL_ERROR', `Cache entry "${key}" is not JSON`, undefined, { cause: err });
    }
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
      throw new RangeError(`Cache ttlMs must be > 0 (got ${ttlMs})`);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`Cache value for "${key}" is not JSON-serialisable`);
    await translated('cache set', () =>
      this.connection.client.set(this.key(key), json, 'PX', Math.ceil(ttlMs)),
    );
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
      throw new RangeError(`Cache ttlMs must be > 0 (got ${ttlMs})`);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`Cache value for "${key}" is not JSON-serialisable`);
    const reply = await translated('cache setIfAbsent', () =>
      this.connection.client.set(this.key(key), json, 'PX', Math.ceil(ttlMs), 'NX'),
    );
    return reply === 'OK';
  }

  async delete(key: string): Promise<void> {
    await translated('cache delete', () => this.connection.client.del(this.key(key)));
  }

  /** The connection is shared and closed by its owner; nothing to release here. */
  async close(): Promise<void> {}

  private key(key: string): string {
    return this.keys.plain('cache', key);
  }
}
