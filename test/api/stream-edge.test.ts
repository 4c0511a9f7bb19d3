import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { RedisConnection, RedisEventBus } from '../../src/adapters/redis/index.ts';
import {
  FUTURE_SINCE_CLOSE_CODE,
  SLOW_CONSUMER_CLOSE_CODE,
  UNKNOWN_SINCE_CLOSE_CODE,
} from '../../src/api/routes/stream.routes.ts';
import { StreamClient, StreamHub, typeMask } from '../../src/api/routes/stream.hub.ts';
import type { EventBus } from '../../src/ports/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { createInProcessTransports, type Transports } from '../../src/runtime/transports.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';

/**
 * The WebSocket stream refuses what it cannot serve, loudly (issue 10, item 9): a `since` it cannot
 * resume from, an unknown event type, an upgrade anywhere but /api/v1/stream; it bounds what it holds
 * per client; embedded event ids keep growing across a restart. Real listener, real `ws` client, on
 * the in-process bus and on Redis.
 */

interface Outcome {
  /** HTTP status when the server refused the upgrade. */
  status?: number;
  /** Close code and reason when the socket opened and was then closed. */
  close?: { code: number; reason: string };
  messages: { id?: string; type: string }[];
}

/** Connects and collects until the socket closes (or `settle` ms pass after it opened). */
function connect(url: string, settleMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: asAdmin() });
    const out: Outcome = { messages: [] };
    let timer: NodeJS.Timeout | undefined;
    ws.on('unexpected-response', (_req, res) => {
      out.status = res.statusCode;
      // The server ends the socket right after its answer: wait for that, not for a timeout.
      res.socket.once('close', () => resolve(out));
      res.resume();
    });
    ws.on('open', () => {
      timer = setTimeout(() => {
        ws.terminate();
        resolve(out);
      }, settleMs);
    });
    ws.on('message', (raw) => out.messages.push(JSON.parse(raw.toString()) as Outcome['messages'][number]));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      out.close = { code, reason: reason.toString() };
      resolve(out);
    });
    ws.on('error', (err) => {
      if (out.status === undefined) reject(err);
    });
  });
}

const redisMissing = await requireServices(['redis']);

/** Transports with the event bus on Redis under a unique key prefix (the rest in-process). */
async function redisBusTransports(base: Transports): Promise<Transports> {
  const keyPrefix = `twtest-${randomUUID().slice(0, 8)}`;
  const connection = new RedisConnection({
    url: 'redis://127.0.0.1:6379',
    architecture: 'standalone',
    keyPrefix,
    commandTimeoutMs: 2000,
  });
  const bus = new RedisEventBus(connection, { blockMs: 1000 });
  return {
    ...base,
    bus,
    async close() {
      await base.close();
      await bus.close();
      const keys = await connection.client.keys(`{${keyPrefix}}*`);
      if (keys.length) await connection.client.del(...keys);
      await connection.close();
    },
  };
}

const MODES = [
  { name: 'in-process', redis: false },
  { name: 'Redis', redis: true },
] as const;

describe.each(MODES)('the stream on the $name bus', ({ redis }) => {
  let rt: Runtime;
  const ws = (query: string, path = '/api/v1/stream') =>
    `${rt.url!.replace(/^http/, 'ws')}${path}${query ? `?${query}` : ''}`;

  beforeAll(async () => {
    if (redis && redisMissing) return;
    const config = testConfig();
    const base = createInProcessTransports(config);
    const transports = redis ? await redisBusTransports(base) : base;
    rt = await startRuntime(config, { listen: true, transports });
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it.skipIf(redis && redisMissing)(
    'since after the newest event → close 4416 with a reason, and nothing is held for the socket',
    async () => {
      const last = await rt.transports.bus.publish('kill_switch_deactivated', { by: 'stream edge' });
      const ahead = last.replace(/\d/g, '9');
      const out = await connect(ws(`since=${ahead}`));
      expect(out.close?.code).toBe(FUTURE_SINCE_CLOSE_CODE);
      expect(out.close?.reason).toMatch(/since is after the newest event/);
      expect(out.messages).toEqual([]);
      await eventually(async () => rt.hub.size === 0, 'the hub to forget the refused socket', 5_000);
      // The latest id itself is fine: a live event follows.
      const resumed = new WebSocket(ws(`since=${last}`), { headers: asAdmin() });
      const got: string[] = [];
      resumed.on('message', (raw) => got.push((JSON.parse(raw.toString()) as { type: string }).type));
      await eventually(async () => got.includes('subscribed'), 'subscribed', 10_000);
      await rt.transports.bus.publish('kill_switch_deactivated', { by: 'stream edge 2' });
      await eventually(async () => got.includes('kill_switch_deactivated'), 'the live event', 10_000);
      resumed.terminate();
    },
    30_000,
  );

  it.skipIf(redis && redisMissing)(
    'since that is not an event id of this stream → close 4400 with a reason',
    async () => {
      const out = await connect(ws('since=1-2-3'));
      expect(out.close?.code).toBe(UNKNOWN_SINCE_CLOSE_CODE);
      expect(out.close?.reason).toMatch(/since is not an event id/);
      expect(out.messages).toEqual([]);
    },
    30_000,
  );

  it.skipIf(redis && redisMissing)('an unknown types value → 400 at the handshake, not silence', async () => {
    for (const types of ['not_an_event', 'status_changed,statuschanged']) {
      const out = await connect(ws(`types=${types}`));
      expect(out.status, types).toBe(400);
    }
    // Known names (spaces and an empty item tolerated) still subscribe.
    const ok = await connect(ws('types=status_changed,%20incident_created,'), 300);
    expect(ok.messages[0]).toEqual({
      type: 'subscribed',
      filters: { incident_id: null, types: ['status_changed', 'incident_created'] },
    });
  });

  it.skipIf(redis && redisMissing)(
    'only /api/v1/stream accepts an upgrade: /live, /metrics and REST paths refuse it at once (404, socket closed)',
    async () => {
      for (const path of [
        '/live',
        '/metrics',
        '/ready',
        '/api/v1/incidents',
        '/api/v1/openapi.json',
        '/nowhere',
      ]) {
        const out = await connect(ws('', path));
        expect(out.status, path).toBe(404);
        expect(out.close, path).toBeUndefined();
      }
    },
    60_000,
  );
});

describe('embedded event ids across a restart', () => {
  it("grow: a client resuming with the previous run's last id gets every event of the new run", async () => {
    const first = await startRuntime(testConfig());
    const ids: string[] = [];
    for (let i = 0; i < 2; i++)
      ids.push(await first.transports.bus.publish('kill_switch_deactivated', { by: 'run 1' }));
    await first.stop();

    const second = await startRuntime(testConfig(), { listen: true });
    try {
      const fresh: string[] = [];
      for (let i = 0; i < 5; i++)
        fresh.push(await second.transports.bus.publish('kill_switch_deactivated', { by: 'run 2' }));
      expect(fresh[0]! > ids.at(-1)!).toBe(true);
      const socket = new WebSocket(
        `${second.url!.replace(/^http/, 'ws')}/api/v1/stream?since=${ids.at(-1)}`,
        {
          headers: asAdmin(),
        },
      );
      const got: string[] = [];
      socket.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as { id?: string };
        if (m.id) got.push(m.id);
      });
      await eventually(
        async () => fresh.every((id) => got.includes(id)),
        'the replay of the new run',
        10_000,
      ).catch(() => undefined);
      // Everything the new run published (its own start-up events too), none skipped.
      expect(got.filter((id) => fresh.includes(id))).toEqual(fresh);
      expect(got.every((id) => id > ids.at(-1)!)).toBe(true);
      socket.terminate();
    } finally {
      await second.stop();
    }
  }, 120_000);
});

describe('StreamHub per-client bound while resuming', () => {
  it('a replay that never catches up holds at most maxBufferedBytes for its socket, then 1013 and counted', async () => {
    const inner = new InProcessEventBus();
    // A `since` subscription that never delivers (a replay stuck behind): the shared stream goes on.
    const stalled: EventBus = {
      publish: (type, data) => inner.publish(type, data),
      publishMany: (events) => inner.publishMany(events),
      subscribe: (listener, options) =>
        options?.since === undefined ? inner.subscribe(listener) : Promise.resolve(() => {}),
      close: () => inner.close(),
    };
    const hub = new StreamHub({ maxBufferedBytes: 64 * 1024 });
    let slow = 0;
    hub.use(stalled, () => slow++);
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket) => {
      void hub.add(new StreamClient(socket, typeMask(undefined), null), {}, '0000000000000001');
    });
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new WebSocket(`ws://127.0.0.1:${port}`);
      const messages: string[] = [];
      let closed: { code: number; reason: string } | undefined;
      client.on('message', (raw) => messages.push(raw.toString()));
      client.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
      await eventually(async () => messages.length === 1, 'subscribed', 10_000);
      const big = 'x'.repeat(1024);
      for (let i = 0; i < 200 && !closed; i++) {
        await inner.publish('kill_switch_activated', { by: 't', reason: big });
        await new Promise((r) => setImmediate(r));
      }
      await eventually(async () => closed, 'the close of the held client', 10_000).catch(() => undefined);
      expect(closed?.code).toBe(SLOW_CONSUMER_CLOSE_CODE);
      expect(closed?.reason).toMatch(/held while resuming.*since=/);
      expect(slow).toBe(1);
      expect(hub.size).toBe(0);
    } finally {
      hub.closeAll();
      await new Promise((r) => server.close(r));
      await inner.close();
    }
  }, 30_000);
});
