import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaderElector, LeadershipState, LeaseTimings } from '../../src/ports/index.ts';
import { sleep, waitFor } from './helpers.ts';

/** What the leader-elector contract needs from an adapter. One harness = one isolated lease. */
export interface LeaderElectorHarness {
  /**
   * A new elector, not yet started, competing for the harness's one lease with these timings; with
   * `instanceName`, configured with that instance name (`server.instance_id`).
   */
  create(timings: LeaseTimings, instanceName?: string): Promise<LeaderElector>;
  /**
   * Optional. Cuts `elector` off from the lease backend from now on, as a network partition or an
   * overloaded process would: its claims and renewals fail (or never answer) while its own timers keep
   * running. Tests that need it are skipped when the adapter cannot provide it.
   */
  pause?(elector: LeaderElector): void;
  /** Stops every elector it created (stop is idempotent) and deletes the lease. */
  cleanup(): Promise<void>;
}

/** Short, but in the seed's proportions: renewDeadline < leaseDuration, retryPeriod < renewDeadline. */
export const TEST_LEASE_TIMINGS: Readonly<LeaseTimings> = Object.freeze({
  leaseDurationMs: 1500,
  renewDeadlineMs: 1000,
  retryPeriodMs: 200,
});

function leaders(electors: LeaderElector[]): LeaderElector[] {
  return electors.filter((e) => e.state().isLeader);
}

function recordChanges(e: LeaderElector): LeadershipState[] {
  const changes: LeadershipState[] = [];
  e.onChange((s) => changes.push({ ...s }));
  return changes;
}

export function describeLeaderElectorContract(
  name: string,
  factory: () => Promise<LeaderElectorHarness>,
): void {
  describe(`LeaderElector contract: ${name}`, () => {
    let h: LeaderElectorHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('a lone elector is leader once start() resolves, with a term > 0', async () => {
      const e = await h.create(TEST_LEASE_TIMINGS);
      expect(e.state()).toEqual({ isLeader: false, term: 0 });
      await e.start();
      expect(e.state().isLeader).toBe(true);
      expect(e.state().term).toBeGreaterThan(0);
    });

    it('exactly one of three electors leads, and keeps leading past the lease duration', async () => {
      const all = await Promise.all([0, 1, 2].map(() => h.create(TEST_LEASE_TIMINGS)));
      expect(new Set(all.map((e) => e.id)).size).toBe(3);
      await Promise.all(all.map((e) => e.start()));
      await waitFor(() => leaders(all).length === 1, { what: 'one leader' });
      const leader = leaders(all)[0]!;
      const term = leader.state().term;
      expect(term).toBeGreaterThan(0);
      const until = Date.now() + TEST_LEASE_TIMINGS.leaseDurationMs * 1.5;
      while (Date.now() < until) {
        expect(leaders(all)).toEqual([leader]);
        expect(leader.state().term).toBe(term);
        for (const e of all) if (e !== leader) expect(e.state()).toEqual({ isLeader: false, term: 0 });
        await sleep(50);
      }
    });

    it('two electors configured with the same instance name get distinct ids and never both lead', async () => {
      // Containers alike (same hostname, pid 1, same configured instance id): the holder id must
      // still differ per process start, or both would "renew" the one lease and both lead.
      const pair = await Promise.all([0, 1].map(() => h.create(TEST_LEASE_TIMINGS, 'same-instance')));
      expect(pair[0]!.id).not.toBe(pair[1]!.id);
      for (const e of pair) expect(e.id.startsWith('same-instance-')).toBe(true);
      await Promise.all(pair.map((e) => e.start()));
      await waitFor(() => leaders(pair).length === 1, { what: 'one leader' });
      const until = Date.now() + TEST_LEASE_TIMINGS.leaseDurationMs * 1.5;
      while (Date.now() < until) {
        expect(leaders(pair)).toHaveLength(1);
        await sleep(50);
      }
    });

    it('stop() releases the lease: a peer leads well before it would expire, with a larger term', async () => {
      const a = await h.create(TEST_LEASE_TIMINGS);
      const b = await h.create(TEST_LEASE_TIMINGS);
      await a.start();
      await b.start();
      expect(a.state().isLeader).toBe(true);
      expect(b.state().isLeader).toBe(false);
      const oldTerm = a.state().term;
      const stoppedAt = Date.now();
      await a.stop();
      expect(a.state()).toEqual({ isLeader: false, term: 0 });
      await waitFor(() => b.state().isLeader, { timeoutMs: 3000, intervalMs: 5, what: 'peer takeover' });
      expect(Date.now() - stoppedAt).toBeLessThan(TEST_LEASE_TIMINGS.leaseDurationMs);
      expect(b.state().term).toBeGreaterThan(oldTerm);
    });

    it('onChange fires on gain and on loss, and its unsubscribe function works', async () => {
      const e = await h.create(TEST_LEASE_TIMINGS);
      const changes = recordChanges(e);
      const removed: LeadershipState[] = [];
      const off = e.onChange((s) => removed.push(s));
      off();
      await e.start();
      await waitFor(() => changes.length === 1);
      const term = e.state().term;
      await e.stop();
      await waitFor(() => changes.length === 2);
      expect(changes).toEqual([
        { isLeader: true, term },
        { isLeader: false, term: 0 },
      ]);
      expect(removed).toEqual([]);
    });

    it('a throwing onChange listener does not stop the elector or other listeners', async () => {
      const e = await h.create(TEST_LEASE_TIMINGS);
      e.onChange(() => {
        throw new Error('listener bug');
      });
      const changes = recordChanges(e);
      await e.start();
      await waitFor(() => changes.length === 1);
      expect(e.state().isLeader).toBe(true);
      await sleep(TEST_LEASE_TIMINGS.leaseDurationMs);
      expect(e.state().isLeader).toBe(true);
    });

    it('start() and stop() are idempotent, and an elector can start again after stopping', async () => {
      const e = await h.create(TEST_LEASE_TIMINGS);
      const changes = recordChanges(e);
      await e.stop();
      await Promise.all([e.start(), e.start()]);
      await e.start();
      const first = e.state().term;
      expect(first).toBeGreaterThan(0);
      await e.stop();
      await e.stop();
      await sleep(50);
      expect(changes).toEqual([
        { isLeader: true, term: first },
        { isLeader: false, term: 0 },
      ]);
      await e.start();
      expect(e.state().isLeader).toBe(true);
      expect(e.state().term).toBeGreaterThan(first);
    });

    it('a leader cut off from the lease steps down before a peer takes over with a larger term', async (ctx) => {
      if (!h.pause) {
        ctx.skip();
        return;
      }
      const a = await h.create(TEST_LEASE_TIMINGS);
      const b = await h.create(TEST_LEASE_TIMINGS);
      await a.start();
      await b.start();
      const changesA = recordChanges(a);
      const oldTerm = a.state().term;
      expect(a.state().isLeader).toBe(true);
      h.pause(a);
      const deadline = Date.now() + TEST_LEASE_TIMINGS.leaseDurationMs * 3;
      while (!b.state().isLeader) {
        expect(leaders([a, b]).length).toBeLessThanOrEqual(1);
        expect(Date.now()).toBeLessThan(deadline);
        await sleep(10);
      }
      expect(a.state()).toEqual({ isLeader: false, term: 0 });
      expect(changesA).toEqual([{ isLeader: false, term: 0 }]);
      expect(b.state().term).toBeGreaterThan(oldTerm);
      await sleep(TEST_LEASE_TIMINGS.retryPeriodMs * 3);
      expect(leaders([a, b])).toEqual([b]);
    });
  });
}
