import type { BusEvent, EventMap, EventName } from '../contracts/index.ts';

/**
 * Receives one event. Called asynchronously, never inside `publish`; one listener's events arrive one
 * at a time in order. A listener that throws is isolated: the bus reports the error and goes on.
 * Listeners must not mutate the event (it may be shared with other listeners).
 */
export type EventListener = (event: BusEvent) => void;

/** One event to publish: a name and its payload, typed together. */
export type EventInput = { [K in EventName]: { type: K; data: EventMap[K] } }[EventName];

export interface SubscribeOptions {
  /**
   * Replay events published after this id (exclusive) before live ones, as far as the bus still
   * holds them (a bounded window of the most recent events, sized by the adapter). Too-old ids replay
   * what is held; the latest id replays nothing. No gap and no duplicate between the replay and live
   * events. An id this bus cannot have issued (wrong shape) or one after the newest event rejects the
   * subscription with {@link EventCursorError}: waiting for it would deliver nothing, silently.
   */
  since?: string;
}

/** Why a `since` cannot be resumed from: not an id of this bus, or after its newest event. */
export type EventCursorProblem = 'unknown' | 'future';

/**
 * `subscribe({since})` was given an id it cannot resume from. Matched by `name` (it may cross
 * process boundaries); `problem` says which case.
 */
export class EventCursorError extends Error {
  override readonly name = 'EventCursorError';

  constructor(readonly problem: EventCursorProblem) {
    super(
      problem === 'future'
        ? 'since is after the newest event of the stream'
        : 'since is not an event id of this stream',
    );
  }
}

/** True for an {@link EventCursorError}, also across realms. */
export function isEventCursorError(err: unknown): err is EventCursorError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'EventCursorError';
}

/**
 * Typed events across processes (DESIGN.md: EventBus). Every subscriber in every process sees every
 * event published after it subscribed, in publish order per publisher.
 *
 * Event ids are unique on the backend and increase in the order a subscriber receives events under
 * plain string comparison (`a < b`), so adapters zero-pad numeric parts. Data crosses the bus as JSON.
 */
export interface EventBus {
  /** Publishes and resolves with the event id once the bus has accepted it. */
  publish<K extends EventName>(type: K, data: EventMap[K]): Promise<string>;
  /**
   * Publishes several events in one round trip, in the order given (as consecutive `publish` calls
   * would: subscribers see them in this order), and resolves with their ids once the bus has accepted
   * them all. On rejection any prefix of them may have been published.
   */
  publishMany(events: readonly EventInput[]): Promise<string[]>;
  /** Resolves once the subscription is live; the returned function unsubscribes. */
  subscribe(listener: EventListener, options?: SubscribeOptions): Promise<() => void>;
  /** Removes this bus's subscriptions; publish and subscribe reject afterwards. Idempotent. */
  close(): Promise<void>;
}
