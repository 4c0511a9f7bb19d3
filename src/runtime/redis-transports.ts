import type { Config } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';
import type { Transports } from './transports.ts';

/** Distributed transports on Redis (filled in with the Redis adapters). */
export async function createRedisTransports(config: Config, log: PinoLogger): Promise<Transports> {
  void config;
  void log;
  throw new Error('Redis transports are not wired yet');
}
