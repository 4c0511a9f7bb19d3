import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';
import { EVENT_NAMES, type EventName } from '../../contracts/index.ts';
import { StreamClient, typeMask, type StreamHub } from './stream.hub.ts';

export { SLOW_CONSUMER_CLOSE_CODE, StreamHub, type StreamHubOptions } from './stream.hub.ts';

/** The event names of a `types` filter, in the client's order, once each; unknown names dropped. */
function knownTypes(types: string): EventName[] {
  const names = types.split(',').map((t) => t.trim());
  return [...new Set(names.filter((t): t is EventName => (EVENT_NAMES as readonly string[]).includes(t)))];
}

export const streamRoutes =
  (deps: ApiDeps, hub: StreamHub): FastifyPluginAsyncTypebox =>
  async (app) => {
    hub.use(deps.bus, () => deps.metrics.wsSlowConsumers.inc());
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
        const wanted = types ? knownTypes(types) : undefined;
        const client = new StreamClient(socket, typeMask(wanted), incidentId ?? null);
        const filters = { incident_id: incidentId ?? null, types: wanted ?? null };
        // Nothing here outlives the handshake: per-socket state is the StreamClient alone.
        try {
          await hub.add(client, filters, since);
        } catch (err) {
          request.log.warn({ err: String(err) }, 'stream subscription failed');
          socket.close(1011, 'event bus unavailable; retry shortly');
        }
      },
    );
  };
