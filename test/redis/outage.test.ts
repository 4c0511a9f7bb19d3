import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMqJobQueue } from '../../src/adapters/bullmq/index.ts';
import { RedisConnection, RedisEventBus, withDeadline } from '../../src/adapters/redis/index.ts';
import type { BusEvent } from '../../src/contracts/index.ts';
import { sleep, waitFor } from '../contract/helpers.ts';
import { RedisProcess, freePorts } from './redis-servers.ts';
import { TcpProxy } from './tcp-proxy.ts';

/** Things to stop after each test, last made first stopped. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Each step bounded, so a hung one cannot keep the next (a server to stop) from running.
  for (const fn of cleanups.splice(0).reverse()) await withDeadline(fn(), 10_000, 'cleanup').catch(() => {});
});

function connect(url: string, keyPrefix: string): RedisConnection {
  const connection = new RedisConnection({
    url,
    keyPrefix,
    commandTimeoutMs: 2000,
    maxReconnectDelayMs: 500,
  });
  cleanups.push(() => connection.close());
  return connection;
}

describe('Redis outages', () => {
  it('a BullMQ worker goes on consuming after its Redis server is killed and restarted', async () => {
    // AOF with fsync on every write, so jobs enqueued before the crash survive it.
    const [port] = await freePorts(1);
    const server = new RedisProcess(port!, { args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    cleanups.push(() => server.destroy());
    await server.start();
    const connection = connect(`redis://127.0.0.1:${port}`, 'outage');
    const errors: string[] = [];
    const queue = new BullMqJobQueue(connection, {
      name: 'outage',
      retry: { attempts: 3, backoffMs: 100 },
      healthCheckIntervalMs: 1000,
      onError: (err, context) => void errors.push(`${context}: ${(err as Error).message}`),
    });
    cleanups.push(() => queue.close({ graceMs: 500 }));
    const done: string[] = [];
    let releaseSlow!: () => void;
    const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve));
    queue.process(
      async (job) => {
        if (job.id === 'slow') await slowReleased;
        done.push(`${job.id}#${job.attempt}`);
      },
      { concurrency: 3 },
    );

    for (const id of ['before-1', 'before-2']) await queue.enqueue('triage', id, {});
    await queue.enqueue('triage', 'slow', {});
    await queue.enqueue('triage', 'delayed', {}, { delayMs: 1500 });
    await waitFor(() => done.length === 2, { what: 'jobs before the outage' });

    await server.kill();
    // Longer than BullMQ's 5 s blocking wait, so the worker sees its blocking call fail too.
    await sleep(6000);
    expect(connection.status().connected).toBe(false);
    expect(connection.status().lastError?.message).toMatch(/ECONNREFUSED/);
    await server.start();
    releaseSlow();

    for (const id of ['after-1', 'after-2', 'after-3']) await queue.enqueue('triage', id, {});
    await waitFor(() => done.length === 7, {
      timeoutMs: 25_000,
      what: `every job after the restart (done: ${done.join(' ')}; errors: ${errors.slice(-5).join(' | ')})`,
    }).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; done: ${done.join(' ')}; counts: ${JSON.stringify(await queue.counts())}; last errors: ${errors.slice(-6).join(' | ')}`,
      );
    });
    expect([...done].sort()).toEqual(
      ['after-1#1', 'after-2#1', 'after-3#1', 'before-1#1', 'before-2#1', 'delayed#1', 'slow#1'].sort(),
    );
    await waitFor(async () => (await queue.counts()).active === 0, { what: 'no active job' });
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(errors.some((e) => e.startsWith('worker:'))).toBe(true);
    // Logged, not asserted: BullMQ 6.7 reconnects by itself; the supervisor is the safety net.
    console.info(`worker recoveries during the outage: ${queue.workerRecoveries}`);
  }, 60_000);

  it("a killed worker process's active job comes back to a live worker (stalled check)", async () => {
    const keyPrefix = `twtest-${randomUUID().slice(0, 8)}`;
    const fixture = fileURLToPath(new URL('./fixtures/hanging-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, keyPrefix, 'stalled', '2000', '500'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    await waitFor(() => out.includes('ready'), { timeoutMs: 20_000, what: 'worker process up' });

    const connection = connect('redis://127.0.0.1:6379', keyPrefix);
    const producer = new BullMqJobQueue(connection, { name: 'stalled' });
    cleanups.push(() => producer.close({ graceMs: 100 }));
    await producer.enqueue('triage', 'inc-7', { n: 7 });
    await waitFor(() => out.includes('started inc-7 1'), {
      timeoutMs: 10_000,
      what: 'job taken by the process',
    });
    child.kill('SIGKILL'); // no close, no hand-back: its lock just stops being renewed

    const live = new BullMqJobQueue(connection, {
      name: 'stalled',
      lockDurationMs: 2000,
      stalledIntervalMs: 500,
    });
    cleanups.push(() => live.close({ graceMs: 100 }));
    const runs: string[] = [];
    live.process(async (job) => void runs.push(`${job.id}#${job.attempt}`), { concurrency: 1 });
    await waitFor(() => runs.length === 1, { timeoutMs: 10_000, what: 'redelivery after the lock lapsed' });
    expect(runs).toEqual(['inc-7#2']);
    await waitFor(async () => (await live.counts()).active === 0, { what: 'job done' });
    expect(await live.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  }, 40_000);

  it('a worker whose connections hang (half-open) is replaced, and the jobs run', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanups.push(() => proxy.close());
    const connection = connect(`redis://127.0.0.1:${proxy.port}`, `twtest-${randomUUID().slice(0, 8)}`);
    const recoveries: string[] = [];
    const errors: string[] = [];
    const queue = new BullMqJobQueue(connection, {
      name: 'half-open',
      healthCheckIntervalMs: 500,
      // A job the hung worker had fetched comes back once its lock lapses (stalled check).
      lockDurationMs: 3000,
      stalledIntervalMs: 500,
      onError: (err, context) => {
        if (context === 'recovery') recoveries.push((err as Error).message);
        else errors.push(`${context}: ${(err as Error).message}`);
      },
    });
    cleanups.push(() => queue.close({ graceMs: 200 }));
    await queue.counts(); // the shared client is connected: the proxy's first connection
    const shared = proxy.connectionCount;
    const done: string[] = [];
    queue.process(async (job) => void done.push(job.id), { concurrency: 2 });
    await waitFor(() => proxy.connectionCount >= shared + 2, { what: "the worker's two connections" });
    await queue.enqueue('triage', 'first', {});
    await waitFor(() => done.length === 1, { what: 'a job before the sockets hang' });

    proxy.blackholeExisting(shared); // the worker's sockets go silent; the shared one still works
    for (const id of ['a', 'b', 'c']) await queue.enqueue('triage', id, {});
    // Without the supervisor BullMQ waits here for TCP keepalive to notice, minutes later.
    await waitFor(() => done.length === 4, {
      timeoutMs: 20_000,
      what: 'jobs taken by the replacement worker',
    }).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; done: ${done.join(' ')}; recoveries: ${recoveries.join(' | ')}; counts: ${JSON.stringify(await queue.counts())}; errors: ${errors.slice(-5).join(' | ')}`,
      );
    });
    expect(queue.workerRecoveries).toBe(1);
    expect(recoveries).toEqual(['BullMQ worker replaced: worker idle while jobs wait']);
  }, 40_000);

  it('the event bus resumes from the last delivered id after its connection drops or hangs', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanups.push(() => proxy.close());
    const keyPrefix = `twtest-${randomUUID().slice(0, 8)}`;
    const subscriberSide = new RedisEventBus(connect(`redis://127.0.0.1:${proxy.port}`, keyPrefix), {
      blockMs: 500,
    });
    const publisherSide = new RedisEventBus(connect('redis://127.0.0.1:6379', keyPrefix));
    cleanups.push(
      () => subscriberSide.close(),
      () => publisherSide.close(),
    );
    const seen: BusEvent[] = [];
    await subscriberSide.subscribe((e) => void seen.push(e));
    let n = 0;
    const publish = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += 1) {
        await publisherSide.publish('kill_switch_deactivated', { by: `p${n}` });
        n += 1;
      }
    };

    await publish(3);
    await waitFor(() => seen.length === 3, { what: 'events before the drop' });
    proxy.reset(); // connections dropped: ioredis reconnects and re-sends the blocked XREAD
    await publish(5);
    await sleep(300);
    await publish(2);
    await waitFor(() => seen.length === 10, { timeoutMs: 10_000, what: 'events across the drop' });

    proxy.blackhole(); // now a hang: nothing refused, nothing answered
    await publish(5);
    await sleep(1500);
    proxy.heal();
    await publish(1);
    await waitFor(() => seen.length === 16, { timeoutMs: 10_000, what: 'events across the hang' });
    await sleep(200);
    expect(seen.map((e) => (e.data as { by: string }).by)).toEqual(
      Array.from({ length: 16 }, (_, i) => `p${i}`),
    );
  }, 40_000);
});
