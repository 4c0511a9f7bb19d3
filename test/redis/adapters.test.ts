import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMqJobQueue } from '../../src/adapters/bullmq/index.ts';
import {
  RedisCache,
  RedisConnection,
  RedisLeaderElector,
  RedisRateLimiter,
  toPublicId,
  toStreamId,
} from '../../src/adapters/redis/index.ts';
import { isAppError } from '../../src/contracts/index.ts';
import { sleep, waitFor } from '../contract/helpers.ts';
import { freePorts } from './redis-servers.ts';

/** What the port contracts do not cover: errors crossing the ports, revival, fencing, id mapping. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
});

function connect(
  options: { url?: string; commandTimeoutMs?: number; onError?: (err: Error) => void } = {},
): RedisConnection {
  const connection = new RedisConnection({
    url: options.url ?? 'redis://127.0.0.1:6379',
    keyPrefix: `twtest-${randomUUID().slice(0, 8)}`,
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    maxReconnectDelayMs: 200,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  cleanups.push(() => connection.close());
  return connection;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isAppError(err) ? err.code : `not ours: ${String(err)}`;
  }
  return 'resolved';
}

describe('RedisConnection', () => {
  it('reports status and connected clients', async () => {
    const connection = connect();
    await connection.ping();
    expect(connection.status()).toMatchObject({
      architecture: 'standalone',
      connected: true,
      state: 'ready',
    });
    expect(await connection.connectedClients()).toBeGreaterThanOrEqual(1);
  });

  it('an unreachable Redis is an operational error at the port, never an unhandled error event', async () => {
    const [port] = await freePorts(1); // nothing listens there
    const seen: string[] = [];
    const connection = connect({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 300,
      onError: (e) => seen.push(e.message),
    });
    expect(await codeOf(connection.ping(300))).toBe('SERVICE_UNAVAILABLE');
    expect(await codeOf(new RedisCache(connection).get('k'))).toBe('SERVICE_UNAVAILABLE');
    expect(await codeOf(new RedisRateLimiter(connection).consume('k', 1, 1000))).toBe('SERVICE_UNAVAILABLE');
    const queue = new BullMqJobQueue(connection, { name: 'down' });
    cleanups.push(() => queue.close({ graceMs: 100 }));
    expect(await codeOf(queue.enqueue('triage', 'inc-1', {}))).toBe('SERVICE_UNAVAILABLE');
    expect(await codeOf(queue.counts())).toBe('SERVICE_UNAVAILABLE');
    expect(connection.status()).toMatchObject({
      connected: false,
      lastError: { message: expect.stringMatching(/ECONNREFUSED/) },
    });
    expect(seen.some((m) => /ECONNREFUSED/.test(m))).toBe(true);
  });

  it('a command Redis rejects is a bug (INTERNAL_ERROR), not an outage', async () => {
    const connection = connect();
    await connection.client.lpush(connection.keys.plain('cache', 'list'), 'x');
    expect(await codeOf(new RedisCache(connection).get('list'))).toBe('INTERNAL_ERROR');
  });

  it('a client that ioredis ends is started again', async () => {
    const seen: string[] = [];
    const connection = connect({ onError: (e) => seen.push(e.message) });
    await connection.ping();
    connection.client.disconnect(); // what ioredis does to itself when a connect attempt rejects
    await waitFor(() => connection.status().state === 'end', { what: 'client ended' });
    await waitFor(() => connection.status().connected, { what: 'client revived' });
    expect(await connection.client.ping()).toBe('PONG');
    expect(seen.some((m) => /ended unexpectedly/.test(m))).toBe(true);
  });
});

describe('RedisLeaderElector', () => {
  const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 };

  it('a frozen leader is replaced with a larger term, and steps down as soon as it thaws', async () => {
    const connection = connect();
    const a = new RedisLeaderElector(connection, { ...timings, name: 'fencing' });
    const b = new RedisLeaderElector(connection, { ...timings, name: 'fencing' });
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    await a.start();
    await b.start();
    const oldToken = a.state().term;
    expect(oldToken).toBeGreaterThan(0);
    const thaw = a.pauseForTest();
    await waitFor(() => b.state().isLeader, { timeoutMs: 5000, what: 'b takes over' });
    // Frozen, `a` still believes it leads with its old token: fencing is what stops its writes.
    expect(a.state()).toEqual({ isLeader: true, term: oldToken });
    expect(b.state().term).toBeGreaterThan(oldToken);
    thaw();
    expect(a.state()).toEqual({ isLeader: false, term: 0 });
    await sleep(300);
    expect([a.state().isLeader, b.state().isLeader]).toEqual([false, true]);
  });

  it('terms keep growing when Redis loses the term counter (restart without persistence, failover)', async () => {
    const connection = connect();
    const e = new RedisLeaderElector(connection, { ...timings, name: 'amnesia' });
    cleanups.push(() => e.stop());
    await e.start();
    const first = e.state().term;
    await e.stop();
    await connection.client.del(connection.keys.tagged('leader', 'amnesia', 'term'));
    await e.start();
    expect(e.state().term).toBeGreaterThan(first);
  });
});

describe('id mappings', () => {
  it('event ids sort as strings where raw stream ids do not', () => {
    const raw = ['1796000000000-9', '1796000000000-10', '1796000000001-0'];
    expect([...raw].sort()).not.toEqual(raw);
    const ids = raw.map(toPublicId);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(toStreamId)).toEqual(raw);
    expect(toStreamId('not-an-id')).toBeUndefined();
  });

  it('job ids BullMQ would refuse (integers, colons) round-trip', async () => {
    const connection = connect();
    const queue = new BullMqJobQueue(connection, { name: 'ids' });
    cleanups.push(() => queue.close({ graceMs: 100 }));
    for (const id of ['42', 'tenant:7:incident', '100%~'])
      expect(await queue.enqueue('triage', id, {})).toEqual({ added: true });
    expect(await queue.enqueue('triage', '42', {})).toEqual({ added: false });
    const seen: string[] = [];
    queue.process(async (job) => void seen.push(job.id), { concurrency: 3 });
    await waitFor(() => seen.length === 3, { what: 'jobs with odd ids' });
    expect(seen.sort()).toEqual(['100%~', '42', 'tenant:7:incident']);
  });
});
