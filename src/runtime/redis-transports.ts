import { BullMqJobQueue } from '../adapters/bullmq/index.ts';
import {
  RedisCache,
  RedisConnection,
  RedisEventBus,
  RedisLeaderElector,
  RedisRateLimiter,
} from '../adapters/redis/index.ts';
import type { Config } from '../config/index.ts';
import type { JobPayloads } from '../core/jobs/job-catalog.ts';
import type { PinoLogger } from '../observability/logger.ts';
import { leaseTimings, retryPolicies, type Transports } from './transports.ts';

/**
 * Distributed mode: queue (BullMQ), events (Redis Stream), cache, counters and the leader lease on
 * Redis, in the configured topology (standalone, Sentinel replication or Cluster).
 */
export async function createRedisTransports(config: Config, log: PinoLogger): Promise<Transports> {
  const warn = (err: unknown, context: string) => log.warn({ err: String(err), context }, 'redis');
  const connection = new RedisConnection({
    ...(config.redis.url ? { url: config.redis.url } : {}),
    architecture: config.redis.architecture,
    sentinels: [...config.redis.sentinels],
    sentinelMasterName: config.redis.sentinel_master_name,
    clusterNodes: [...config.redis.cluster_nodes],
    keyPrefix: config.redis.key_prefix,
    connectionName: `triage-warden:${config.server.instance_id}`,
    onError: (err, client) => warn(err.message, client),
  });
  try {
    await connection.ping(config.database.connect_timeout);
  } catch (err) {
    await connection.close();
    throw new Error(`cannot reach Redis (${config.redis.architecture}): ${(err as Error).message}`);
  }
  const queue = new BullMqJobQueue<JobPayloads>(connection, {
    name: 'incidents',
    ...retryPolicies(config),
    lockDurationMs: config.orchestrator.job_lock_duration,
    stalledIntervalMs: config.orchestrator.stalled_interval,
    onError: warn,
  });
  const bus = new RedisEventBus(connection, { onError: (err) => warn(err, 'event-bus') });
  const cache = new RedisCache(connection);
  const counters = new RedisRateLimiter(connection);
  const timings = leaseTimings(config);
  const elector = new RedisLeaderElector(connection, {
    // The display name; the elector adds a per-process-start suffix (two containers alike never share it).
    instanceName: config.server.instance_id,
    ...timings,
  });
  return {
    kind: 'redis',
    queue,
    bus,
    cache,
    counters,
    elector,
    async check() {
      try {
        await connection.ping(1500);
        return { ok: true };
      } catch (err) {
        const status = connection.status();
        return {
          ok: false,
          detail: `redis ${status.state}: ${status.lastError?.message ?? (err as Error).message}`,
        };
      }
    },
    redisConnectedClients: () => connection.connectedClients(),
    queueWorkerRecoveries: () => queue.workerRecoveries,
    async close() {
      await Promise.allSettled([bus.close(), cache.close(), counters.close()]);
      await connection.close();
    },
  };
}
