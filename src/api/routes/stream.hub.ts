import type { WebSocket } from 'ws';
import { EVENT_NAMES, type BusEvent } from '../../contracts/index.ts';
import type { EventBus } from '../../ports/index.ts';

/** Close code for a client whose unsent buffer outgrew the limit ("try again later"; resume with `since`). */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;
const SLOW_CONSUMER_REASON = 'client too slow; reconnect with since=<last event id>';
const HELD_TOO_LONG_REASON = 'too many events held while resuming; reconnect with since=<last event id>';
/** Close code for a `since` that is not an event id of this stream (another deployment's, or malformed). */
export const UNKNOWN_SINCE_CLOSE_CODE = 4400;
/** Close code for a `since` after the newest event (the stream was reset, or the id is made up). */
export const FUTURE_SINCE_CLOSE_CODE = 4416;
/** Close reasons of the two `since` codes (a close reason holds at most 123 bytes). */
export const SINCE_CLOSE_REASONS = {
  [UNKNOWN_SINCE_CLOSE_CODE]: 'since is not an event id of this stream; reconnect without since',
  [FUTURE_SINCE_CLOSE_CODE]: 'since is after the newest event; reconnect without since',
} as const;
const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const DEFAULT_HEARTBEAT_MS = 30_000;

/** Bit of each event name, so a `types` filter is one AND per event. */
const TYPE_BIT = new Map<string, number>(EVENT_NAMES.map((name, i) => [name, 2 ** i]));
const ALL_TYPES = 2 ** EVENT_NAMES.length - 1;
/** A Buffer sent as a text frame: the JSON of an event, encoded once for every socket. */
const TEXT = { binary: false } as const;

/** The `types` filter as a bit mask (unknown names are ignored), or every type when absent. */
export function typeMask(types: readonly string[] | undefined): number {
  if (!types) return ALL_TYPES;
  let mask = 0;
  for (const t of types) mask |= TYPE_BIT.get(t) ?? 0;
  return mask;
}

/**
 * One client of the stream: its socket, filters and delivery state. Kept small on purpose (10,000 of
 * them per process): no closures, timers or bus subscriptions of its own once it is live.
 */
export class StreamClient {
  /** Answered the last ping. */
  alive = true;
  /**
   * Frames held while the client is not live yet (before `subscribed` is sent, or while a `since`
   * replay runs); `null` once live.
   */
  held: { id: string; frame: Buffer }[] | null = [];
  /** Bytes of the frames in `held`; bounded by the hub's `maxBufferedBytes` like the socket's buffer. */
  heldBytes = 0;
  /** While resuming: the first event id the hub saw after this client joined (any type). */
  hubFirst: string | undefined;
  /**
   * Id of the last event sent by a `since` replay: the shared subscription skips up to it. Cleared
   * once the shared stream passes it, so live clients pay one comparison with `undefined`.
   */
  after: string | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly types: number,
    readonly incidentId: string | null,
  ) {}

  wants(type: number, incidentId: string | undefined): boolean {
    return (this.types & type) !== 0 && (this.incidentId === null || this.incidentId === incidentId);
  }
}

export interface StreamHubOptions {
  /**
   * A client whose unsent bytes exceed this is closed with 1013 (counted as a slow consumer); so is
   * one for which more than this is held while it resumes. Default 4 MiB.
   */
  maxBufferedBytes?: number;
  /** Ping interval; a client that did not answer the previous ping is terminated. Default 30 000 ms. */
  heartbeatMs?: number;
}

interface Encoded {
  id: string;
  type: number;
  incidentId: string | undefined;
  frame: Buffer;
}

function encode(event: BusEvent): Encoded {
  const incidentId = (event.data as { incident_id?: unknown } | null)?.incident_id;
  return {
    id: event.id,
    type: TYPE_BIT.get(event.type) ?? 0,
    incidentId: typeof incidentId === 'string' ? incidentId : undefined,
    frame: Buffer.from(JSON.stringify(event)),
  };
}

const CLIENT = Symbol('stream client');
type HubSocket = WebSocket & { [CLIENT]?: StreamClient };

// Listeners shared by every socket (`this` is the socket): no closures per client.
function onPong(this: HubSocket): void {
  const client = this[CLIENT];
  if (client) client.alive = true;
}
function onError(this: HubSocket): void {
  this.terminate();
}

/**
 * The open WebSockets of this process and their one subscription to the event bus. Each event is
 * serialised once (one Buffer shared by every socket that wants it) and written to the matching
 * sockets in one pass; one interval pings every client. A client resuming with `since` replays
 * through its own short-lived bus subscription, then joins the shared one without gap or duplicate.
 */
export class StreamHub {
  /** {@inheritDoc StreamHubOptions.maxBufferedBytes} */
  maxBufferedBytes: number;
  private readonly heartbeatMs: number;
  private readonly clients = new Set<StreamClient>();
  private bus: EventBus | undefined;
  private onSlowConsumer: () => void = () => {};
  private subscription: Promise<() => void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly onClose: (this: HubSocket) => void;

  constructor(options: StreamHubOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- one listener for all sockets
    const hub = this;
    this.onClose = function (this: HubSocket) {
      const client = this[CLIENT];
      if (client) hub.remove(client);
    };
  }

  /** Open clients (the `tw_websocket_connections` gauge). */
  get size(): number {
    return this.clients.size;
  }

  /** Wires the hub to the bus it relays and the counter of slow-consumer closes. */
  use(bus: EventBus, onSlowConsumer: () => void): void {
    this.bus = bus;
    this.onSlowConsumer = onSlowConsumer;
  }

  /**
   * Registers a client and sends `subscribed` (with `filters`) as its first message, then the events
   * after `since` when given, then live events. Rejects when the bus is unavailable (the caller
   * closes the socket).
   */
  async add(client: StreamClient, filters: object, since: string | undefined): Promise<void> {
    const socket = client.socket as HubSocket;
    socket[CLIENT] = client;
    socket.on('pong', onPong);
    socket.on('close', this.onClose);
    socket.on('error', onError);
    this.clients.add(client);
    this.startHeartbeat();
    await this.subscribe();
    if (client.held === null || socket.readyState !== socket.OPEN) return;
    if (since === undefined) {
      socket.send(JSON.stringify({ type: 'subscribed', filters }));
      this.flush(client);
    } else await this.resume(client, since, filters);
  }

  /** Forgets a closed client. */
  remove(client: StreamClient): void {
    this.clients.delete(client);
    client.held = null;
    client.heldBytes = 0;
    if (this.clients.size === 0) this.stopHeartbeat();
  }

  /** Closes every client with 1012 (service restart): the client should reconnect elsewhere. */
  closeAll(): void {
    for (const { socket } of this.clients) {
      try {
        socket.close(1012, 'server restarting; reconnect with since=<last event id>');
      } catch {
        socket.terminate();
      }
    }
    this.stopHeartbeat();
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  private subscribe(): Promise<() => void> {
    if (!this.bus) throw new Error('StreamHub.use() was not called');
    const subscription = (this.subscription ??= this.bus.subscribe((event) => this.dispatch(event)));
    // A failed subscription is retried by the next client.
    subscription.catch(() => {
      if (this.subscription === subscription) this.subscription = undefined;
    });
    return subscription;
  }

  private dispatch(event: BusEvent): void {
    const e = encode(event);
    for (const client of this.clients) {
      if (client.held === null) {
        if (client.after !== undefined) {
          if (e.id <= client.after) continue;
          client.after = undefined;
        }
        if (client.wants(e.type, e.incidentId)) this.write(client, e.frame);
        continue;
      }
      client.hubFirst ??= e.id;
      if (!client.wants(e.type, e.incidentId)) continue;
      client.held.push({ id: e.id, frame: e.frame });
      client.heldBytes += e.frame.length;
      // A replay that never catches up must not hold the shared stream for this socket forever.
      if (client.heldBytes > this.maxBufferedBytes) this.drop(client, HELD_TOO_LONG_REASON);
    }
  }

  /** Closes a client that fell too far behind (1013), counts it, and lets go of what it held. */
  private drop(client: StreamClient, reason: string): void {
    this.onSlowConsumer();
    this.remove(client);
    const { socket } = client;
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.close(SLOW_CONSUMER_CLOSE_CODE, reason);
    }
  }

  private write(client: StreamClient, frame: Buffer): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.drop(client, SLOW_CONSUMER_REASON);
      return;
    }
    socket.send(frame, TEXT);
  }

  /** Makes a held client live: sends what the shared subscription held for it past `after`. */
  private flush(client: StreamClient): void {
    const held = client.held;
    if (held === null) return;
    client.held = null;
    client.heldBytes = 0;
    client.hubFirst = undefined;
    for (const { id, frame } of held) {
      if (client.after !== undefined && id <= client.after) continue;
      client.after = id;
      this.write(client, frame);
    }
  }

  /**
   * Replays through a subscription of the client's own with `since`, sending its events directly,
   * until it delivers an event the shared subscription delivered too (an id at or after the first
   * one the hub saw since the client joined): from there the shared stream has everything, so the
   * own subscription ends and the held shared events after the last replayed id follow.
   */
  private async resume(client: StreamClient, since: string, filters: object): Promise<void> {
    let started = false;
    let early: BusEvent[] = [];
    let done = false;
    const own = (event: BusEvent) => {
      if (done) return;
      if (!started) {
        early.push(event);
        return;
      }
      if (client.after !== undefined && event.id <= client.after) return;
      client.after = event.id;
      const e = encode(event);
      if (client.wants(e.type, e.incidentId)) this.write(client, e.frame);
      if (client.hubFirst !== undefined && event.id >= client.hubFirst) {
        done = true;
        unsubscribe();
        this.flush(client);
      }
    };
    // `own` uses `unsubscribe` only once `started`, i.e. after this assignment.
    const unsubscribe = await this.bus!.subscribe(own, { since });
    if (client.held === null || client.socket.readyState !== client.socket.OPEN) {
      done = true;
      unsubscribe();
      return;
    }
    client.socket.send(JSON.stringify({ type: 'subscribed', filters }));
    started = true;
    const pending = early;
    early = [];
    for (const event of pending) own(event);
    // Nothing more to replay and nothing live yet: the own subscription stays until the first live
    // event reaches both, which hands over.
    if (done) return;
    client.socket.once('close', () => {
      done = true;
      unsubscribe();
    });
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) {
        if (!client.alive) {
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
