import type { RateLimitResult, RateLimiter } from '../../ports/index.ts';
import type { RedisClient, RedisConnection } from './redis.connection.ts';
import { RedisKeyspace } from './redis.keyspace.ts';
import { translated } from './redis.errors.ts';
import { RedisScript } from './redis.script.ts';

/**
 * Fixed window, atomic: read the window's count; refuse without counting when `cost` would pass
 * `limit`; else INCRBY and start the window's expiry on its first count. Returns
 * {allowed, remaining, resetMs}.
 */
const CONSUME = new RedisScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current + cost > limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = window end
  return {0, 0, ttl}
end
local count = redis.call('INCRBY', KEYS[1], cost)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {1, limit - count, ttl}
`);

/** INCRBY, then start the expiry if the counter has none (its first increment). */
const INCREMENT = new RedisScript(`
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`);

export interface RedisRateLimiterOptions {
  /** Key root, overriding the connection's. Default: the connection's `keyPrefix`. */
  keyPrefix?: string;
}

/**
 * {@link RateLimiter} shared by every replica: one Lua script per call, so concurrent consumers on
 * different processes cannot both take the last unit. Counters live at `<prefix>:rl:<key>` and
 * `<prefix>:ctr:<key>` (single-key scripts, so no hash tag is needed under Cluster).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeyspace;
  private own: RedisClient | undefined;

  constructor(connection: RedisConnection, options: RedisRateLimiterOptions = {}) {
    this.connection = connection;
    this.keys = options.keyPrefix ? new RedisKeyspace(options.keyPrefix) : connection.keys;
  }

  /**
   * Its own auto-pipelined client, made on first use (closed with the connection). Not the shared
   * one: BullMQ defines its Lua scripts (~60) on that client, and ioredis copies every defined
   * script into each auto-pipeline batch it starts, which cost more CPU than the rate-limit call
   * itself on the API's hot path (the HTTP limits' batched counts, one call per ~100 requests).
   */
  private get client(): RedisClient {
    return (this.own ??= this.connection.duplicate('rate-limits', { autoPipelining: true }));
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<RateLimitResult> {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0 (got ${windowMs})`);
    if (!(cost >= 0) || !Number.isInteger(cost))
      throw new RangeError(`cost must be a non-negative integer (got ${cost})`);
    const reply = (await translated('rate limit consume', () =>
      CONSUME.run(this.client, [this.keys.plain('rl', key)], [limit, Math.ceil(windowMs), cost]),
    )) as [number, number, number];
    return { allowed: reply[0] === 1, remaining: Math.max(0, reply[1]), resetMs: Math.max(0, reply[2]) };
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<number> {
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be > 0 (got ${ttlMs})`);
    if (!Number.isInteger(by)) throw new RangeError(`by must be an integer (got ${by})`);
    const reply = await translated('counter increment', () =>
      INCREMENT.run(this.client, [this.keys.plain('ctr', key)], [Math.ceil(ttlMs), by]),
    );
    return Number(reply);
  }

  /** The connection is shared and closed by its owner; nothing to release here. */
  async close(): Promise<void> {}
}
