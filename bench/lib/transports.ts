/**
 * The Redis transports of a bench run, built exactly as an orchestrator builds them
 * (src/runtime/redis-transports.ts): publish events, enqueue jobs, read queue counts.
 */
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import type { Transports } from '../../src/runtime/transports.ts';
import { REDIS_URL } from './services.ts';

export async function benchTransports(prefix: string, instance = 'bench'): Promise<Transports> {
  const config = loadConfig({
    env: {
      TW_REDIS_URL: REDIS_URL,
      TW_REDIS__KEY_PREFIX: prefix,
      TW_INSTANCE_ID: instance,
      TW_LOG_LEVEL: 'warn',
    },
  });
  return createRedisTransports(config, createLogger({ level: 'warn', instance, role: 'bench' }));
}
