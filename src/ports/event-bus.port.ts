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
   * holds them (a bounded window of the most recent events, sized by the adapter). Unknown or too-old
   * ids replay what is held; the latest id replays nothing. No gap and no duplicate between the replay
   * and live events.
   */
  since?: string;
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
