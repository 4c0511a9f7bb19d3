import type { BusEvent, EventMap, EventName } from '../../contracts/index.ts';
import { EventCursorError } from '../../ports/index.ts';
import type { EventBus, EventInput, EventListener, SubscribeOptions } from '../../ports/index.ts';

const ID_DIGITS = 16;
const DEFAULT_REPLAY_WINDOW = 10_000;

/** One subscription: delivers its events one at a time, in order, outside the publisher's stack. */
class Subscription {
  private readonly queue: BusEvent[] = [];
  private scheduled = false;
  active = true;

  constructor(
    private readonly listener: EventListener,
    private readonly onError: (error: unknown, event: BusEvent) => void,
  ) {}

  deliver(event: BusEvent): void {
    this.queue.push(event);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    // Events published by a listener during the drain join the same queue, so order holds.
    for (let event = this.queue.shift(); event && this.active; event = this.queue.shift()) {
      try {
        this.listener(event);
      } catch (error) {
        try {
          this.onError(error, event);
        } catch {
          // A failing error reporter must not stop delivery either.
        }
      }
    }
    this.queue.length = 0;
    this.scheduled = false;
  }
}

export interface InProcessEventBackendOptions {
  /** How many of the most recent events are held for `since` replay. Default 10 000. */
  replayWindow?: number;
  /**
   * The sequence number the first id follows. Default: the wall clock in microseconds
   * (`Date.now() * 1000`), so a restarted process issues ids above every id of its previous run.
   */
  startAfter?: number;
}

const ID_PATTERN = new RegExp(`^\\d{1,${ID_DIGITS}}$`);

/**
 * The shared medium of in-process buses: several InProcessEventBus instances on one backend behave as
 * several processes on one Redis. Ids are a sequence number zero-padded to 16 digits, so they sort as
 * strings; a ring buffer holds the last `replayWindow` events.
 *
 * Ids must grow across restarts, or a client resuming with the `since` of the previous run would skip
 * the new run's first events. The sequence starts at the wall clock in microseconds instead of 0: the
 * previous run issued fewer ids than microseconds passed (that would take a million events a second
 * sustained over its whole life), so the next run starts above them without storing a high-water
 * mark. What this does not survive is a wall clock stepped back across a restart by more than the
 * downtime; a persisted mark can be passed as `startAfter` then. Microseconds stay below 2^53 until
 * the year 2255.
 */
export class InProcessEventBackend {
  private readonly ring: (BusEvent | undefined)[];
  private readonly subscriptions = new Set<Subscription>();
  private seq: number;
  private published = 0;

  constructor(options: InProcessEventBackendOptions = {}) {
    const window = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    if (!Number.isInteger(window) || window < 1) throw new RangeError('replayWindow must be an integer >= 1');
    this.ring = new Array<BusEvent | undefined>(window);
    const start = options.startAfter ?? Date.now() * 1000;
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError('startAfter must be a safe integer >= 0');
    this.seq = start;
  }

  /** @internal */
  publish<K extends EventName>(type: K, data: EventMap[K]): BusEvent<K> {
    this.seq += 1;
    this.published += 1;
    const event: BusEvent<K> = {
      id: String(this.seq).padStart(ID_DIGITS, '0'),
      type,
      occurred_at: new Date().toISOString(),
      // As JSON, like every other transport: the publisher's later mutations do not leak.
      data: JSON.parse(JSON.stringify(data)) as EventMap[K],
    };
    this.ring[this.seq % this.ring.length] = event;
    for (const s of this.subscriptions) s.deliver(event);
    return event;
  }

  /**
   * @internal Registers `s`, first queueing the held events after `since` when given.
   * @throws EventCursorError when `since` is not an id of this shape or is after the newest event.
   */
  subscribe(s: Subscription, since: string | undefined): void {
    if (since !== undefined) for (const event of this.replay(since)) s.deliver(event);
    this.subscriptions.add(s);
  }

  /** @internal */
  unsubscribe(s: Subscription): void {
    s.active = false;
    this.subscriptions.delete(s);
  }

  private replay(since: string): BusEvent[] {
    if (!ID_PATTERN.test(since)) throw new EventCursorError('unknown');
    const after = Number(since);
    if (after > this.seq) throw new EventCursorError('future');
    const held = Math.min(this.published, this.ring.length);
    const oldest = this.seq - held + 1;
    // Ids of an earlier run are below every held one: all that is held is replayed.
    const events: BusEvent[] = [];
    for (let n = Math.max(after + 1, oldest); n <= this.seq; n += 1) {
      const event = this.ring[n % this.ring.length];
      if (event) events.push(event);
    }
    return events;
  }
}

export interface InProcessEventBusOptions {
  /** Shared medium for several buses. Default: a private backend with `replayWindow`. */
  backend?: InProcessEventBackend;
  /** Replay window of the private backend; ignored with `backend`. Default 10 000. */
  replayWindow?: number;
  /** Told about listener exceptions. Default: a process warning (`process.emitWarning`). */
  onListenerError?: (error: unknown, event: BusEvent) => void;
}

function warnListenerError(error: unknown, event: BusEvent): void {
  process.emitWarning(
    `event listener threw on ${event.type} ${event.id}: ${error instanceof Error ? error.message : String(error)}`,
    { type: 'EventListenerError' },
  );
}

/** The embedded-mode EventBus: events travel inside this process only. */
export class InProcessEventBus implements EventBus {
  private readonly backend: InProcessEventBackend;
  private readonly onListenerError: (error: unknown, event: BusEvent) => void;
  private readonly own = new Set<Subscription>();
  private closed = false;

  constructor(options: InProcessEventBusOptions = {}) {
    this.backend =
      options.backend ??
      new InProcessEventBackend(
        options.replayWindow === undefined ? {} : { replayWindow: options.replayWindow },
      );
    this.onListenerError = options.onListenerError ?? warnListenerError;
  }

  async publish<K extends EventName>(type: K, data: EventMap[K]): Promise<string> {
    if (this.closed) throw new Error('event bus is closed');
    return this.backend.publish(type, data).id;
  }

  async publishMany(events: readonly EventInput[]): Promise<string[]> {
    if (this.closed) throw new Error('event bus is closed');
    return events.map((e) => this.backend.publish(e.type, e.data).id);
  }

  async subscribe(listener: EventListener, options?: SubscribeOptions): Promise<() => void> {
    if (this.closed) throw new Error('event bus is closed');
    const subscription = new Subscription(listener, this.onListenerError);
    this.backend.subscribe(subscription, options?.since);
    this.own.add(subscription);
    return () => {
      this.own.delete(subscription);
      this.backend.unsubscribe(subscription);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.own) this.backend.unsubscribe(s);
    this.own.clear();
  }
}
