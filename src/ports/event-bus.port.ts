import type { BusEvent, EventMap, EventName } from '../contracts/index.ts';

export type EventListener = (event: BusEvent) => void;

export interface SubscribeOptions {
  /**
   * Replay events published after this id (exclusive) before live ones, as far as the bus still
   * holds them (a bounded window). Unknown or too-old ids replay what is held.
   */
  since?: string;
}

/**
 * Typed events across processes (DESIGN.md: EventBus). Every subscriber in every process sees every
 * event published after it subscribed, in publish order per publisher.
 */
export interface EventBus {
  /** Publishes and resolves with the event id once the bus has accepted it. */
  publish<K extends EventName>(type: K, data: EventMap[K]): Promise<string>;
  /** Resolves once the subscription is live; the returned function unsubscribes. */
  subscribe(listener: EventListener, options?: SubscribeOptions): Promise<() => void>;
  /** Idempotent. */
  close(): Promise<void>;
}
