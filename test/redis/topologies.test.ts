import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import { BullMqJobQueue } from '../../src/adapters/bullmq/index.ts';
import {
  RedisCache,
  RedisConnection,
  RedisEventBus,
  RedisLeaderElector,
  RedisRateLimiter,
} from '../../src/adapters/redis/index.ts';
import type { RedisConnectionOptions } from '../../src/adapters/redis/index.ts';
import type { BusEvent } from '../../src/contracts/index.ts';
import { waitFor } from '../contract/helpers.ts';
import { ClusterTopology, SentinelTopology, freePorts } from './redis-servers.ts';

/**
 * Every adapter against the two topologies other than standalone, each started here from the
 * redis-server binary in temp dirs on ports 17000-17999: Sentinel (master, replica, one sentinel)
 * and a three-master Cluster. Where a topology cannot start, CI fails and a laptop skips, saying why.
 */

type Topology = {
  sentinel?: SentinelTopology;
  cluster?: ClusterTopology;
  unavailable: Record<string, string>;
};
const topology: Topology = { unavailable: {} };

beforeAll(async () => {
  const [[sentinelBase], [clusterBase]] = await Promise.all([
    freePorts(1, 3),
    freePorts(1, 3, { clusterBus: true }),
  ]);
  const sentinel = new SentinelTopology({
    master: sentinelBase!,
    replica: sentinelBase! + 1,
    sentinel: sentinelBase! + 2,
  });
  const cluster = new ClusterTopology(clusterBase!);
  await Promise.all([
    sentinel.start().then(
      () => void (topology.sentinel = sentinel),
      async (err: Error) => {
        topology.unavailable.sentinel = err.message;
        await sentinel.destroy();
      },
    ),
    cluster.start().then(
      () => void (topology.cluster = cluster),
      async (err: Error) => {
        topology.unavailable.cluster = err.message;
        await cluster.destroy();
      },
    ),
  ]);
}, 45_000);

afterAll(async () => {
  await Promise.all([topology.sentinel?.destroy(), topology.cluster?.destroy()]);
});

function requireTopology(ctx: TestContext, name: 'sentinel' | 'cluster'): void {
  const why = topology.unavailable[name];
  if (!why) return;
  const message = `Redis ${name} topology could not be started on this machine: ${why}`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipped: ${message}`);
  ctx.skip();
}

/** One adapter of each port on `options`, exercised end to end, then closed. */
async function smokeEveryAdapter(
  options: Omit<RedisConnectionOptions, 'keyPrefix'>,
): Promise<RedisConnection[]> {
  const keyPrefix = `twsmoke-${randomUUID().slice(0, 8)}`;
  const a = new RedisConnection({ ...options, keyPrefix, connectionName: 'smoke-a' });
  const b = new RedisConnection({ ...options, keyPrefix, connectionName: 'smoke-b' });
  await Promise.all([a.ping(10_000), b.ping(10_000)]);
  expect(a.status()).toMatchObject({ architecture: options.architecture, connected: true });
  expect(await a.connectedClients()).toBeGreaterThanOrEqual(1);

  // JobQueue: idempotent enqueue (a MULTI, so the keys must share a slot), processing, counts.
  const queue = new BullMqJobQueue(a, { name: 'smoke', retry: { attempts: 2, backoffMs: 50 } });
  const done: string[] = [];
  expect(await queue.enqueue('triage', 'inc-1', { n: 1 })).toEqual({ added: true });
  expect(await queue.enqueue('triage', 'inc-1', { n: 2 })).toEqual({ added: false });
  await queue.enqueue('triage', 'inc:2', { n: 3 });
  queue.process(async (job) => void done.push(`${job.id}=${(job.payload as { n: number }).n}`), {
    concurrency: 2,
  });
  await waitFor(() => done.length === 2, { timeoutMs: 10_000, what: 'jobs processed' });
  expect(done.sort()).toEqual(['inc-1=1', 'inc:2=3']);
  await waitFor(async () => (await queue.counts()).active === 0, { what: 'queue idle' });
  expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });

  // EventBus: across two connections, live then replayed.
  const pubBus = new RedisEventBus(a, { blockMs: 1000 });
  const subBus = new RedisEventBus(b, { blockMs: 1000 });
  const seen: BusEvent[] = [];
  await subBus.subscribe((e) => void seen.push(e));
  const first = await pubBus.publish('kill_switch_activated', { by: 'smoke', reason: 'r' });
  await pubBus.publish('kill_switch_deactivated', { by: 'smoke' });
  await waitFor(() => seen.length === 2, { what: 'events on the other connection' });
  expect(seen.map((e) => e.type)).toEqual(['kill_switch_activated', 'kill_switch_deactivated']);
  const replayed: BusEvent[] = [];
  await subBus.subscribe((e) => void replayed.push(e), { since: first });
  expect(replayed.map((e) => e.type)).toEqual(['kill_switch_deactivated']);

  // Cache.
  const cache = new RedisCache(b);
  await cache.set('ioc:203.0.113.7', { score: 0.9 }, 60_000);
  expect(await new RedisCache(a).get('ioc:203.0.113.7')).toEqual({ score: 0.9 });
  await cache.delete('ioc:203.0.113.7');
  expect(await cache.get('ioc:203.0.113.7')).toBeUndefined();

  // Leader lock: one leader; release hands over with a larger term.
  const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 };
  const e1 = new RedisLeaderElector(a, { ...timings, name: 'smoke' });
  const e2 = new RedisLeaderElector(b, { ...timings, name: 'smoke' });
  await e1.start();
  await e2.start();
  expect([e1.state().isLeader, e2.state().isLeader]).toEqual([true, false]);
  const term = e1.state().term;
  await e1.stop();
  await waitFor(() => e2.state().isLeader, { what: 'takeover' });
  expect(e2.state().term).toBeGreaterThan(term);
  await e2.stop();

  // Rate limiter and counters, shared by both connections.
  const l1 = new RedisRateLimiter(a);
  const l2 = new RedisRateLimiter(b);
  expect((await l1.consume('api:key1', 2, 10_000)).allowed).toBe(true);
  expect((await l2.consume('api:key1', 2, 10_000)).remaining).toBe(0);
  expect(await l1.consume('api:key1', 2, 10_000)).toMatchObject({ allowed: false, remaining: 0 });
  expect(await l2.increment('llm-calls', 10_000, 3)).toBe(3);

  await Promise.all([queue.close({ graceMs: 1000 }), pubBus.close(), subBus.close()]);
  return [a, b];
}

describe('Redis Sentinel (replication)', () => {
  it('every adapter works through Sentinel, and again after a failover', async (ctx) => {
    requireTopology(ctx, 'sentinel');
    const t = topology.sentinel!;
    const options = {
      architecture: 'replication' as const,
      sentinels: t.sentinels,
      sentinelMasterName: t.masterName,
      maxReconnectDelayMs: 200,
    };
    const connections = await smokeEveryAdapter(options);

    // Failover: the master dies, Sentinel promotes the replica, the clients follow it.
    const connection = new RedisConnection({ ...options, keyPrefix: `twfail-${randomUUID().slice(0, 8)}` });
    connections.push(connection);
    const queue = new BullMqJobQueue(connection, { name: 'failover' });
    const done: string[] = [];
    queue.process(async (job) => void done.push(job.id), { concurrency: 1 });
    const bus = new RedisEventBus(connection, { blockMs: 500 });
    const seen: string[] = [];
    await bus.subscribe((e) => void seen.push((e.data as { by: string }).by));
    await queue.enqueue('triage', 'before', {});
    await waitFor(() => done.length === 1, { what: 'job before failover' });

    const oldMaster = await t.currentMasterPort();
    await (oldMaster === t.master.port ? t.master : t.replica).kill();
    await waitFor(async () => (await t.currentMasterPort()) !== oldMaster, {
      timeoutMs: 15_000,
      what: 'Sentinel failover',
    });
    await waitFor(
      async () => {
        try {
          return (await queue.enqueue('triage', 'after', {})).added;
        } catch {
          return false; // still reconnecting to the new master
        }
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'enqueue on the new master' },
    );
    await waitFor(() => done.length === 2, { timeoutMs: 15_000, what: 'job after failover' });
    await bus.publish('kill_switch_deactivated', { by: 'after-failover' });
    await waitFor(() => seen.includes('after-failover'), { timeoutMs: 10_000, what: 'event after failover' });
    expect(done).toEqual(['before', 'after']);

    await Promise.all([queue.close({ graceMs: 500 }), bus.close()]);
    await Promise.all(connections.map((c) => c.close()));
  }, 60_000);
});

describe('Redis Cluster (3 masters)', () => {
  it('every adapter works on the cluster, keys spread over its shards', async (ctx) => {
    requireTopology(ctx, 'cluster');
    const t = topology.cluster!;
    const connections = await smokeEveryAdapter({ architecture: 'cluster', clusterNodes: t.addresses });
    // The hash-tagged queue keys share one slot; plain cache keys land on their own.
    const client = connections[0]!.client as Cluster;
    const slotOf = async (key: string): Promise<number> => Number(await client.cluster('KEYSLOT', key));
    expect(await slotOf('{tw}:incidents:wait')).toBe(await slotOf('{tw}:leader:orchestrator:term'));
    const cacheSlots = new Set(
      await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => slotOf(`tw:cache:${k}`))),
    );
    expect(cacheSlots.size).toBeGreaterThan(1);
    await Promise.all(connections.map((c) => c.close()));
  }, 30_000);
});
