import type { BusEvent, EventMap, EventName } from '../../contracts/index.ts';
import { EventCursorError } from '../../ports/index.ts';
import type { EventBus, EventInput, EventListener, SubscribeOptions } from '../../ports/index.ts';
import type { RedisClient, RedisConnection } from './redis.connection.ts';
import { RedisKeyspace } from './redis.keyspace.ts';
import { translated } from './redis.errors.ts';

export interface RedisEventBusOptions {
  /** Key root, overriding the connection's. Default: the connection's `keyPrefix`. */
  keyPrefix?: string;
  /** Stream name, under the tagged root: `{tw}:<stream>`. Default `events`. */
  stream?: string;
  /** Replay window: the stream holds exactly the last this-many events (XADD MAXLEN). Default 10 000. */
  replayWindow?: number;
  /** How long one XREAD blocks before it is re-issued. Default 5000 ms. */
  blockMs?: number;
  /** Events read per XREAD / XRANGE call. Default 500. */
  batchSize?: number;
  /** Called when the reader loop hits an error (it retries) or a listener throws. Default: none. */
  onError?: (err: unknown) => void;
}

interface Subscriber {
  listener: EventListener;
  /** Public id of the last event this subscriber has seen (or must not see). */
  after: string;
  /** Events read live while the subscriber's replay was running; delivered once it ends. */
  pending: BusEvent[] | undefined;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Public ids are stream ids with both parts zero-padded (`0001796000000000-00000003`), so that they
 * sort as strings too — the raw form does not (`…-10` < `…-9`).
 */
const PUBLIC_ID = /^(\d{1,16})-(\d{1,10})$/;

export function toPublicId(streamId: string): string {
  const [ms = '0', seq = '0'] = streamId.split('-');
  return `${ms.padStart(16, '0')}-${seq.padStart(10, '0')}`;
}

/** The stream id of a public (or raw) id, or undefined when `id` is neither. */
export function toStreamId(id: string): string | undefined {
  const match = PUBLIC_ID.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  return `${BigInt(match[1])}-${BigInt(match[2])}`;
}

/**
 * {@link EventBus} on one Redis Stream. `publish` is an XADD (MAXLEN bounds the replay window; exact
 * trimming costs one entry per XADD, and makes the window what it says) and the event id is the
 * stream id (padded, see {@link toPublicId}), so ids grow across all publishers. Each bus runs one blocking XREAD
 * loop on its own connection and fans events out to the local subscribers; the loop reads from the
 * last id it delivered, so after a lost connection it resumes where it stopped and skips nothing
 * still held by the stream. `since` replays from the stream with XRANGE before going live.
 */
export class RedisEventBus implements EventBus {
  private readonly connection: RedisConnection;
  private readonly key: string;
  private readonly replayWindow: number;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private readonly onError: (err: unknown) => void;
  private readonly subscribers = new Set<Subscriber>();
  private reader: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  private cursor = '0-0';
  private closed = false;

  constructor(connection: RedisConnection, options: RedisEventBusOptions = {}) {
    this.connection = connection;
    const keys = options.keyPrefix ? new RedisKeyspace(options.keyPrefix) : connection.keys;
    this.key = keys.tagged(options.stream ?? 'events');
    this.replayWindow = options.replayWindow ?? 10_000;
    this.blockMs = options.blockMs ?? 5000;
    this.batchSize = options.batchSize ?? 500;
    this.onError = options.onError ?? (() => {});
  }

  async publish<K extends EventName>(type: K, data: EventMap[K]): Promise<string> {
    if (this.closed) throw new Error('Event bus is closed');
    const at = new Date().toISOString();
    const id = await translated('event publish', () =>
      this.connection.client.xadd(
        this.key,
        'MAXLEN',
        this.replayWindow,
        '*',
        'type',
        type,
        'at',
        at,
        'data',
        JSON.stringify(data),
      ),
    );
    return toPublicId(id as string);
  }

  /** One pipeline of XADDs: one write and one reply batch for the lot, in order. */
  async publishMany(events: readonly EventInput[]): Promise<string[]> {
    if (this.closed) throw new Error('Event bus is closed');
    if (events.length === 0) return [];
    const at = new Date().toISOString();
    const replies = await translated('event publish', async () => {
      const pipeline = this.connection.client.pipeline();
      for (const e of events) {
        pipeline.xadd(
          this.key,
          'MAXLEN',
          this.replayWindow,
          '*',
          'type',
          e.type,
          'at',
          at,
          'data',
          JSON.stringify(e.data),
        );
      }
      const result = await pipeline.exec();
      if (!result) throw new Error('event publish pipeline aborted');
      for (const [err] of result) if (err) throw err;
      return result;
    });
    return replies.map(([, id]) => toPublicId(id as string));
  }

  async subscribe(listener: EventListener, options: SubscribeOptions = {}): Promise<() => void> {
    if (this.closed) throw new Error('Event bus is closed');
    // Registered before anything is read, buffering: whatever the live loop reads from now on is
    // kept until the starting point (and replay) is settled, so nothing falls between the two.
    const sub: Subscriber = { listener, after: toPublicId('0-0'), pending: [] };
    this.subscribers.add(sub);
    try {
      const head = await this.lastId();
      this.startReader(head);
      if (options.since === undefined) {
        sub.after = toPublicId(head);
      } else {
        // Waiting for an id this bus cannot have issued, or for one after the newest event, would
        // deliver nothing while live events pile up behind it: refuse instead.
        const from = toStreamId(options.since);
        if (from === undefined) throw new EventCursorError('unknown');
        if (toPublicId(from) > toPublicId(head)) throw new EventCursorError('future');
        sub.after = toPublicId(from);
        await this.replay(sub);
      }
    } catch (err) {
      this.subscribers.delete(sub);
      throw err;
    }
    const pending = sub.pending ?? [];
    sub.pending = undefined;
    for (const event of pending) this.deliver(sub, event);
    return () => {
      this.subscribers.delete(sub);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscribers.clear();
    // The reader is blocked in XREAD: drop the socket rather than QUIT behind it.
    if (this.reader) await this.connection.release(this.reader, { immediate: true });
    await this.loop;
  }

  private async lastId(): Promise<string> {
    const last = (await translated('event stream head', () =>
      this.connection.client.xrevrange(this.key, '+', '-', 'COUNT', 1),
    )) as StreamEntry[];
    return last[0]?.[0] ?? '0-0';
  }

  private async replay(sub: Subscriber): Promise<void> {
    for (;;) {
      const from = toStreamId(sub.after) ?? '0-0';
      const start = from === '0-0' ? '-' : `(${from}`;
      const entries = (await translated('event replay', () =>
        this.connection.client.xrange(this.key, start, '+', 'COUNT', this.batchSize),
      )) as StreamEntry[];
      for (const entry of entries) {
        const event = this.parse(entry);
        if (event) this.deliver(sub, event);
        else sub.after = toPublicId(entry[0]);
      }
      if (entries.length < this.batchSize) return;
    }
  }

  private startReader(head: string): void {
    if (this.loop || this.closed) return;
    this.cursor = head;
    this.reader = this.connection.duplicate('events', { blocking: true });
    this.loop = this.readLoop(this.reader);
  }

  private async readLoop(reader: RedisClient): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        const reply = (await this.watchdog(
          reader,
          reader.xread('COUNT', this.batchSize, 'BLOCK', this.blockMs, 'STREAMS', this.key, this.cursor),
        )) as [string, StreamEntry[]][] | null;
        failures = 0;
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            this.cursor = entry[0];
            const event = this.parse(entry);
            if (event) this.dispatch(event);
          }
        }
      } catch (err) {
        if (this.closed) break;
        this.onError(err);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** failures++)));
      }
    }
  }

  /**
   * A blocking read on a half-open socket would wait forever: if XREAD has not answered well after
   * its BLOCK time, drop the socket; ioredis reconnects and re-sends it from the same cursor.
   */
  private async watchdog<T>(reader: RedisClient, read: Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      if (!this.closed && reader.status === 'ready') reader.disconnect(true);
    }, this.blockMs + 10_000);
    try {
      return await read;
    } finally {
      clearTimeout(timer);
    }
  }

  private parse([id, fields]: StreamEntry): BusEvent | undefined {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
    try {
      return {
        id: toPublicId(id),
        type: record.type as EventName,
        occurred_at: record.at ?? '',
        data: JSON.parse(record.data ?? 'null'),
      } as BusEvent;
    } catch (err) {
      this.onError(err);
      return undefined;
    }
  }

  private dispatch(event: BusEvent): void {
    for (const sub of this.subscribers) {
      if (sub.pending) sub.pending.push(event);
      else this.deliver(sub, event);
    }
  }

  private deliver(sub: Subscriber, event: BusEvent): void {
    if (event.id <= sub.after || !this.subscribers.has(sub)) return;
    sub.after = event.id;
    try {
      sub.listener(event);
    } catch (err) {
      this.onError(err);
    }
  }
}
