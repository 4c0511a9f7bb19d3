import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  InProcessCache,
  InProcessCacheStore,
  InProcessCounterStore,
  InProcessEventBackend,
  InProcessEventBus,
  InProcessJobQueue,
  InProcessLeaderElector,
  InProcessLeaseStore,
  InProcessQueueBackend,
  InProcessRateLimiter,
} from '../../src/adapters/in-process/index.ts';
import type { LeaseStore } from '../../src/adapters/in-process/index.ts';
import type { LeaderElector } from '../../src/ports/index.ts';
import { describeCacheContract } from './cache.contract.ts';
import { describeEventBusContract } from './event-bus.contract.ts';
import { describeJobQueueContract } from './job-queue.contract.ts';
import { describeLeaderElectorContract } from './leader-elector.contract.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';

/** Every instance a harness makes, closed at cleanup. */
function closer<T extends { close(options?: { graceMs?: number }): Promise<void> }>(): {
  track(x: T): T;
  closeAll(options?: { graceMs?: number }): Promise<void>;
} {
  const made: T[] = [];
  return {
    track: (x) => (made.push(x), x),
    closeAll: async (options) => {
      await Promise.all(made.splice(0).map((x) => x.close(options)));
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

describeJobQueueContract('in-process', async () => {
  const backend = new InProcessQueueBackend();
  const queues = closer<InProcessJobQueue>();
  return {
    create: async ({ retry, retryByName }) =>
      queues.track(
        new InProcessJobQueue({ name: 'contract', retry, ...(retryByName ? { retryByName } : {}), backend }),
      ),
    cleanup: async () => {
      // A short grace: a failed test may leave a handler blocked forever.
      await queues.closeAll({ graceMs: 100 });
      backend.clear();
    },
  };
});

describeEventBusContract('in-process', async ({ replayWindow }) => {
  const backend = new InProcessEventBackend({ replayWindow });
  const buses = closer<InProcessEventBus>();
  return {
    create: async () => buses.track(new InProcessEventBus({ backend, onListenerError: () => {} })),
    cleanup: () => buses.closeAll(),
  };
});

describeCacheContract('in-process', async () => {
  const store = new InProcessCacheStore();
  const caches = closer<InProcessCache>();
  return {
    create: async () => caches.track(new InProcessCache({ store })),
    cleanup: async () => {
      await caches.closeAll();
      store.clear();
    },
  };
});

describeLeaderElectorContract('in-process', async () => {
  const store = new InProcessLeaseStore();
  const electors = new Map<LeaderElector, { cut: boolean }>();
  return {
    create: async (timings, instanceName) => {
      const link = { cut: false };
      const reach = (): LeaseStore => {
        if (link.cut) throw new Error('partitioned from the lease store');
        return store;
      };
      const view: LeaseStore = {
        claim: (holder, ms) => reach().claim(holder, ms),
        renew: (holder, term, ms) => reach().renew(holder, term, ms),
        release: (holder, term) => reach().release(holder, term),
      };
      const elector = new InProcessLeaderElector({
        store: view,
        timings,
        onListenerError: () => {},
        ...(instanceName ? { instanceName } : {}),
      });
      electors.set(elector, link);
      return elector;
    },
    pause: (elector) => {
      const link = electors.get(elector);
      if (link) link.cut = true;
    },
    cleanup: async () => {
      await Promise.all([...electors.keys()].map((e) => e.stop()));
      electors.clear();
    },
  };
});

describeRateLimiterContract('in-process', async () => {
  const store = new InProcessCounterStore();
  const limiters = closer<InProcessRateLimiter>();
  return {
    create: async () => limiters.track(new InProcessRateLimiter({ store })),
    cleanup: async () => {
      await limiters.closeAll();
      store.clear();
    },
  };
});

it('InProcessCache evicts the least recently used entry beyond maxEntries', async () => {
  const cache = new InProcessCache({ maxEntries: 3 });
  for (const k of ['a', 'b', 'c']) await cache.set(k, k, 60_000);
  expect(await cache.get('a')).toBe('a');
  await cache.set('d', 'd', 60_000);
  expect(await cache.get('b')).toBeUndefined();
  expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual(['a', 'c', 'd']);
  await cache.close();
});

it('InProcessEventBus ids sort as strings past a power of ten', async () => {
  const bus = new InProcessEventBus({
    backend: new InProcessEventBackend({ replayWindow: 3, startAfter: 0 }),
  });
  const ids: string[] = [];
  for (let i = 0; i < 12; i += 1) ids.push(await bus.publish('kill_switch_deactivated', { by: 't' }));
  expect([...ids].sort()).toEqual(ids);
  await bus.close();
});

it('InProcessEventBus ids grow across a restart (a new backend starts above the previous one), so a resume skips nothing', async () => {
  const before = new InProcessEventBus();
  const old: string[] = [];
  for (let i = 0; i < 50; i += 1) old.push(await before.publish('kill_switch_deactivated', { by: 'run 1' }));
  await before.close();
  // The restarted process: a new backend, after some downtime (a real restart takes far longer).
  await new Promise((r) => setTimeout(r, 5));
  const after = new InProcessEventBus();
  const fresh: string[] = [];
  for (let i = 0; i < 100; i += 1)
    fresh.push(await after.publish('kill_switch_deactivated', { by: 'run 2' }));
  expect(fresh[0]! > old.at(-1)!).toBe(true);
  // A client of the first run resumes with its last id: it gets every event of the second run.
  const got: string[] = [];
  await after.subscribe((e) => got.push(e.id), { since: old.at(-1)! });
  await new Promise((r) => setTimeout(r, 20));
  expect(got).toEqual(fresh);
  await after.close();
});

it('a lone InProcessLeaderElector with the default store leads at once', async () => {
  const e = new InProcessLeaderElector();
  await e.start();
  expect(e.state()).toEqual({ isLeader: true, term: 1 });
  await e.stop();
});
