import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusEvent, EventMap } from '../../src/contracts/index.ts';
import { isEventCursorError, type EventBus } from '../../src/ports/index.ts';
import { sleep, waitFor } from './helpers.ts';

/** Options the suite passes to the factory. */
export interface EventBusHarnessOptions {
  /** How many of the most recent events the backend holds for `since` replay (exactly this many). */
  replayWindow: number;
}

/** What the event-bus contract needs from an adapter. One harness = one isolated backend (channel/stream). */
export interface EventBusHarness {
  /** A new bus instance on the harness's backend: two instances behave as two processes. */
  create(): Promise<EventBus>;
  /** Closes every bus it created (close is idempotent) and deletes the backend's data. */
  cleanup(): Promise<void>;
}

const REPLAY_WINDOW = 5;

function status(n: number): EventMap['status_changed'] {
  return { incident_id: `inc-${n}`, from: 'new', to: 'enriching', by: 'test' };
}

function indexOf(e: BusEvent): number {
  return Number((e.data as EventMap['status_changed']).incident_id.slice(4));
}

function expectIncreasingIds(events: BusEvent[]): void {
  for (let i = 1; i < events.length; i += 1) expect(events[i]!.id > events[i - 1]!.id).toBe(true);
}

async function collect(bus: EventBus, since?: string): Promise<{ events: BusEvent[]; off: () => void }> {
  const events: BusEvent[] = [];
  const off = await bus.subscribe((e) => events.push(e), since === undefined ? undefined : { since });
  return { events, off };
}

export function describeEventBusContract(
  name: string,
  factory: (options: EventBusHarnessOptions) => Promise<EventBusHarness>,
): void {
  describe(`EventBus contract: ${name}`, () => {
    let h: EventBusHarness;
    beforeEach(async () => {
      h = await factory({ replayWindow: REPLAY_WINDOW });
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('delivers events in publish order, with the ids publish returned, increasing', async () => {
      const bus = await h.create();
      const { events } = await collect(bus);
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) ids.push(await bus.publish('status_changed', status(i)));
      await waitFor(() => events.length === 20, { what: '20 events' });
      expect(events.map(indexOf)).toEqual([...Array(20).keys()]);
      expect(events.map((e) => e.id)).toEqual(ids);
      expectIncreasingIds(events);
      expect(new Set(ids).size).toBe(20);
      expect(events[0]).toMatchObject({ type: 'status_changed', data: status(0) });
      expect(Number.isNaN(Date.parse(events[0]!.occurred_at))).toBe(false);
    });

    it('publishMany delivers its events in order, after and before single publishes, with the ids it returned', async () => {
      const bus = await h.create();
      const other = await h.create();
      const { events } = await collect(other);
      expect(await bus.publishMany([])).toEqual([]);
      const first = await bus.publish('status_changed', status(0));
      const many = await bus.publishMany([
        { type: 'status_changed', data: status(1) },
        { type: 'status_changed', data: status(2) },
        { type: 'status_changed', data: status(3) },
      ]);
      const last = await bus.publish('status_changed', status(4));
      await waitFor(() => events.length === 5, { what: '5 events' });
      expect(events.map(indexOf)).toEqual([0, 1, 2, 3, 4]);
      expect(events.map((e) => e.id)).toEqual([first, ...many, last]);
      expectIncreasingIds(events);
      expect(events[2]).toMatchObject({ type: 'status_changed', data: status(2) });
      // Replay sees them like any others.
      const { events: replayed } = await collect(await h.create(), first);
      await waitFor(() => replayed.length === 4, { what: 'replayed events' });
      expect(replayed.map((e) => e.id)).toEqual([...many, last]);
    });

    it('without `since`, a subscriber sees only events published after it subscribed', async () => {
      const bus = await h.create();
      await bus.publish('status_changed', status(0));
      await bus.publish('status_changed', status(1));
      const { events } = await collect(bus);
      await bus.publish('status_changed', status(2));
      await waitFor(() => events.length >= 1);
      await sleep(100);
      expect(events.map(indexOf)).toEqual([2]);
    });

    it("two buses on one backend (two processes) see each other's events", async () => {
      const a = await h.create();
      const b = await h.create();
      const seenByA = await collect(a);
      const seenByB = await collect(b);
      await a.publish('status_changed', status(0));
      await b.publish('status_changed', status(1));
      await a.publish('status_changed', status(2));
      await b.publish('status_changed', status(3));
      for (const seen of [seenByA.events, seenByB.events]) {
        await waitFor(() => seen.length === 4, { what: '4 events on each bus' });
        const fromA = seen.map(indexOf).filter((n) => n % 2 === 0);
        const fromB = seen.map(indexOf).filter((n) => n % 2 === 1);
        expect(fromA).toEqual([0, 2]);
        expect(fromB).toEqual([1, 3]);
        expectIncreasingIds(seen);
      }
      expect(seenByA.events.map((e) => e.id).sort()).toEqual(seenByB.events.map((e) => e.id).sort());
    });

    it('unsubscribe stops delivery to that listener only', async () => {
      const bus = await h.create();
      const one = await collect(bus);
      const two = await collect(bus);
      await bus.publish('status_changed', status(0));
      await waitFor(() => one.events.length === 1 && two.events.length === 1);
      one.off();
      one.off();
      await bus.publish('status_changed', status(1));
      await waitFor(() => two.events.length === 2);
      await sleep(100);
      expect(one.events.map(indexOf)).toEqual([0]);
    });

    it('`since` replays the events after that id, then live ones, without gaps or duplicates', async () => {
      const bus = await h.create();
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) ids.push(await bus.publish('status_changed', status(i)));
      const other = await h.create();
      const { events } = await collect(other, ids[1]);
      await bus.publish('status_changed', status(4));
      await waitFor(() => events.length >= 3, { what: 'replayed and live events' });
      await sleep(100);
      expect(events.map(indexOf)).toEqual([2, 3, 4]);
      expect(events.slice(0, 2).map((e) => e.id)).toEqual(ids.slice(2));
      expectIncreasingIds(events);
    });

    it('`since` the latest id replays nothing', async () => {
      const bus = await h.create();
      const last = await bus.publish('status_changed', status(0));
      const { events } = await collect(bus, last);
      await bus.publish('status_changed', status(1));
      await waitFor(() => events.length >= 1);
      await sleep(100);
      expect(events.map(indexOf)).toEqual([1]);
    });

    it('`since` an id older than the bounded window replays what is held: the last `replayWindow` events', async () => {
      const bus = await h.create();
      const ids: string[] = [];
      for (let i = 0; i < REPLAY_WINDOW * 2 + 2; i += 1)
        ids.push(await bus.publish('status_changed', status(i)));
      const { events } = await collect(bus, ids[0]);
      await waitFor(() => events.length >= REPLAY_WINDOW, { what: 'replayed window' });
      await sleep(100);
      expect(events.map((e) => e.id)).toEqual(ids.slice(-REPLAY_WINDOW));
    });

    it('`since` after the newest event rejects with EventCursorError "future" (it would deliver nothing)', async () => {
      const bus = await h.create();
      const last = await bus.publish('status_changed', status(0));
      const ahead = last.replace(/\d/g, '9');
      const err = await bus
        .subscribe(() => {}, { since: ahead })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isEventCursorError(err) && err.problem).toBe('future');
      // The bus still works for everyone else.
      const { events } = await collect(bus, last);
      await bus.publish('status_changed', status(1));
      await waitFor(() => events.length === 1, { what: 'the live event' });
    });

    it('`since` that is not an id of this bus rejects with EventCursorError "unknown"', async () => {
      const bus = await h.create();
      await bus.publish('status_changed', status(0));
      for (const since of ['not-an-id', '1-2-3', '']) {
        const err = await bus
          .subscribe(() => {}, { since })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isEventCursorError(err) && err.problem, since).toBe('unknown');
      }
    });

    it('a throwing listener neither breaks the bus nor other listeners', async () => {
      const bus = await h.create();
      let calls = 0;
      await bus.subscribe(() => {
        calls += 1;
        throw new Error('listener bug');
      });
      const { events } = await collect(bus);
      for (let i = 0; i < 3; i += 1) await bus.publish('status_changed', status(i));
      await waitFor(() => events.length === 3 && calls === 3, { what: 'all deliveries' });
      expect(events.map(indexOf)).toEqual([0, 1, 2]);
    });

    it('close is idempotent and stops delivery to that bus while others go on', async () => {
      const a = await h.create();
      const b = await h.create();
      const onA = await collect(a);
      const onB = await collect(b);
      await a.close();
      await a.close();
      await b.publish('status_changed', status(0));
      await waitFor(() => onB.events.length === 1);
      await sleep(100);
      expect(onA.events).toHaveLength(0);
      onA.off();
    });
  });
}
