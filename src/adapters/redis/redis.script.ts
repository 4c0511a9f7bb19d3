import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.connection.ts';

type Arg = string | number;

/**
 * A Lua script run by EVALSHA, falling back to EVAL when the server does not hold it yet (first
 * call, restart, failover, another Cluster node). Keys are passed as KEYS so Cluster routes the call.
 */
export class RedisScript {
  readonly sha: string;
  private readonly lua: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: RedisClient, keys: string[], args: Arg[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
