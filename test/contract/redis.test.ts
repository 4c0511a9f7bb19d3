import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { BullMqJobQueue } from '../../src/adapters/bullmq/index.ts';
import {
  RedisCache,
  RedisConnection,
  RedisEventBus,
  RedisLeaderElector,
  RedisRateLimiter,
} from '../../src/adapters/redis/index.ts';
import type { LeaderElector } from '../../src/ports/index.ts';
import { TcpProxy } from '../redis/tcp-proxy.ts';
import { describeCacheContract } from './cache.contract.ts';
import { describeEventBusContract } from './event-bus.contract.ts';
import { describeJobQueueContract } from './job-queue.contract.ts';
import { describeLeaderElectorContract } from './leader-elector.contract.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';

/** The machine's Redis (SERVICES.md); each harness works under its own key prefix. */
const REDIS = { host: '127.0.0.1', port: 6379 };
const REDIS_URL = `redis://${REDIS.host}:${REDIS.port}`;

function connect(keyPrefix: string, url = REDIS_URL): RedisConnection {
  return new RedisConnection({ url, architecture: 'standalone', keyPrefix, commandTimeoutMs: 2000 });
}

/** A harness's isolated key root, its connection, and cleanup that deletes every key under it. */
function isolated(): { keyPrefix: string; connection: RedisConnection; destroy(): Promise<void> } {
  const keyPrefix = `twtest-${randomUUID().slice(0, 8)}`;
  const connection = connect(keyPrefix);
  return {
    keyPrefix,
    connection,
    destroy: async () => {
      for (const pattern of [`{${keyPrefix}}*`, `${keyPrefix}:*`]) {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await connection.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        if (keys.length) await connection.client.del(...keys);
      }
      await connection.close();
    },
  };
}

/** Every instance a harness makes, closed at cleanup. */
function closer<T extends { close(): Promise<void> }>(): { track(x: T): T; closeAll(): Promise<void> } {
  const made: T[] = [];
  return {
    track: (x) => (made.push(x), x),
    closeAll: async () => {
      await Promise.all(made.splice(0).map((x) => x.close()));
    },
  };
}

// No adapter may leave a rejection unhandled, in any suite of this file.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describeJobQueueContract('BullMQ on Redis', async () => {
  const space = isolated();
  const queues = closer<BullMqJobQueue>();
  return {
    create: async ({ retry, retryByName }) =>
      queues.track(
        new BullMqJobQueue(space.connection, {
          name: 'contract',
          retry,
          ...(retryByName ? { retryByName } : {}),
          lockDurationMs: 5000,
          stalledIntervalMs: 1000,
        }),
      ),
    cleanup: async () => {
      await queues.closeAll();
      await space.destroy();
    },
  };
});

describeEventBusContract('Redis Stream', async ({ replayWindow }) => {
  const space = isolated();
  const buses = closer<RedisEventBus>();
  return {
    create: async () => buses.track(new RedisEventBus(space.connection, { replayWindow, blockMs: 1000 })),
    cleanup: async () => {
      await buses.closeAll();
      await space.destroy();
    },
  };
});

describeCacheContract('Redis', async () => {
  const space = isolated();
  const caches = closer<RedisCache>();
  return {
    create: async () => caches.track(new RedisCache(space.connection)),
    cleanup: async () => {
      await caches.closeAll();
      await space.destroy();
    },
  };
});

describeRateLimiterContract('Redis', async () => {
  const space = isolated();
  const limiters = closer<RedisRateLimiter>();
  return {
    create: async () => limiters.track(new RedisRateLimiter(space.connection)),
    cleanup: async () => {
      await limiters.closeAll();
      await space.destroy();
    },
  };
});

/**
 * Each elector reaches Redis through its own TCP proxy, so `pause` is a real partition: the
 * elector's commands stop being answered while its timers run on.
 */
describeLeaderElectorContract('Redis', async () => {
  const space = isolated();
  const electors = new Map<LeaderElector, { proxy: TcpProxy; connection: RedisConnection }>();
  return {
    create: async (timings, instanceName) => {
      const proxy = await TcpProxy.start(REDIS);
      const connection = connect(space.keyPrefix, `redis://127.0.0.1:${proxy.port}`);
      const elector = new RedisLeaderElector(connection, {
        ...timings,
        name: 'contract',
        ...(instanceName ? { instanceName } : {}),
      });
      electors.set(elector, { proxy, connection });
      return elector;
    },
    pause: (elector) => electors.get(elector)?.proxy.blackhole(),
    cleanup: async () => {
      await Promise.all([...electors.keys()].map((e) => e.stop()));
      for (const { proxy, connection } of electors.values()) {
        await connection.close();
        await proxy.close();
      }
      electors.clear();
      await space.destroy();
    },
  };
});
