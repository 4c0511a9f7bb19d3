import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import { EVENT_NAMES, type BusEvent, type EventName } from '../../contracts/index.ts';
import type { ApiDeps } from '../deps.ts';

/** A client whose unsent buffer grows past this is too slow: it is closed and may reconnect with `since`. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

/** The open WebSockets of this process, for the gauge and for closing them on shutdown. */
export class StreamHub {
  readonly sockets = new Set<WebSocket>();

  get size(): number {
    return this.sockets.size;
  }

  /** Closes every client with 1012 (service restart): the client should reconnect elsewhere. */
  closeAll(): void {
    for (const ws of this.sockets) {
      try {
        ws.close(1012, 'server restarting; reconnect with since=<last event id>');
      } catch {
        ws.terminate();
      }
    }
  }
}

export const streamRoutes =
  (deps: ApiDeps, hub: StreamHub): FastifyPluginAsyncTypebox =>
  async (app) => {
    // @fastify/websocket hides WebSocket routes from the OpenAPI document; this one is part of the
    // API (filters, resume), so it is listed. Scoped hooks run after the root ones that hid it.
    app.addHook('onRoute', (route) => {
      if (route.websocket && route.schema) route.schema.hide = false;
    });
    app.get(
      '/stream',
      {
        websocket: true,
        config: { permission: 'stream:read' },
        schema: {
          tags: ['stream'],
          summary: 'WebSocket of live events; optional filters and resume',
          description:
            'Messages are JSON `{id, type, occurred_at, data}`. Filter with `incident_id` and `types` (comma list of event names); resume after a reconnect with `since=<last id seen>`.',
          querystring: Type.Object(
            {
              incident_id: Type.Optional(Type.String({ format: 'uuid' })),
              types: Type.Optional(Type.String({ maxLength: 1000 })),
              since: Type.Optional(Type.String({ maxLength: 64, pattern: '^[0-9-]+$' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (socket, request) => {
        const { incident_id: incidentId, types, since } = request.query;
        const wanted = types
          ? new Set(
              types
                .split(',')
                .map((t) => t.trim())
                .filter((t): t is EventName => (EVENT_NAMES as readonly string[]).includes(t)),
            )
          : null;
        hub.sockets.add(socket);
        let alive = true;
        // Events (replayed ones especially) can arrive before subscribe() returns; they wait here so
        // that `subscribed` is always the first message.
        let held: BusEvent[] | null = [];
        const send = (event: BusEvent) => {
          if (wanted && !wanted.has(event.type)) return;
          if (incidentId && (event.data as { incident_id?: string }).incident_id !== incidentId) return;
          if (held) {
            held.push(event);
            return;
          }
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            socket.close(1013, 'client too slow; reconnect with since=<last event id>');
            return;
          }
          socket.send(JSON.stringify(event));
        };
        let unsubscribe: (() => void) | undefined;
        const heartbeat = setInterval(() => {
          if (!alive) return socket.terminate();
          alive = false;
          socket.ping();
        }, HEARTBEAT_MS);
        heartbeat.unref();
        socket.on('pong', () => (alive = true));
        socket.on('close', () => {
          clearInterval(heartbeat);
          hub.sockets.delete(socket);
          unsubscribe?.();
        });
        socket.on('error', () => socket.terminate());
        try {
          unsubscribe = await deps.bus.subscribe(send, since ? { since } : {});
          if (socket.readyState !== socket.OPEN) unsubscribe();
          else {
            socket.send(
              JSON.stringify({
                type: 'subscribed',
                filters: { incident_id: incidentId ?? null, types: wanted ? [...wanted] : null },
              }),
            );
            const pending = held;
            held = null;
            for (const event of pending) send(event);
          }
        } catch (err) {
          request.log.warn({ err: String(err) }, 'stream subscription failed');
          socket.close(1011, 'event bus unavailable; retry shortly');
        }
      },
    );
  };
