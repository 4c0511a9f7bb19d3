import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';
import { AppError, EVENT_NAMES, type EventName } from '../../contracts/index.ts';
import { isEventCursorError } from '../../ports/index.ts';
import { UUID_PATTERN } from '../schemas.ts';
import {
  FUTURE_SINCE_CLOSE_CODE,
  SINCE_CLOSE_REASONS,
  StreamClient,
  typeMask,
  UNKNOWN_SINCE_CLOSE_CODE,
  type StreamHub,
} from './stream.hub.ts';

export {
  FUTURE_SINCE_CLOSE_CODE,
  SLOW_CONSUMER_CLOSE_CODE,
  StreamHub,
  UNKNOWN_SINCE_CLOSE_CODE,
  type StreamHubOptions,
} from './stream.hub.ts';

/**
 * The event names of a `types` filter, in the client's order, once each (empty items are ignored).
 * An unknown name is a VALIDATION_ERROR at the handshake (400): silently dropping it would leave a
 * client with a typo waiting for events that never come. The name is not echoed back.
 */
function knownTypes(types: string): EventName[] {
  const names = types
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = names.filter((t) => !(EVENT_NAMES as readonly string[]).includes(t)).length;
  if (unknown > 0) {
    throw new AppError(
      'VALIDATION_ERROR',
      `types: ${unknown} unknown event name(s); known: ${EVENT_NAMES.join(', ')}`,
      {
        path: '/querystring/types',
      },
    );
  }
  return [...new Set(names as EventName[])];
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
        // Before the upgrade, so that an unknown event name is an HTTP 400, not a silent socket.
        preHandler: async (request) => {
          if (request.query.types) knownTypes(request.query.types);
        },
        schema: {
          tags: ['stream'],
          summary: 'WebSocket of live events; optional filters and resume',
          description:
            'Messages are JSON `{id, type, occurred_at, data}`. Filter with `incident_id` and `types` (comma list of event names; an unknown name is 400 at the handshake); resume after a reconnect with `since=<last id seen>`. Close codes: 1013 too slow (reconnect with since), 1012 server restart, 1011 event bus unavailable, 4400 `since` is not an event id of this stream, 4416 `since` is after the newest event (both: reconnect without since).',
          querystring: Type.Object(
            {
              incident_id: Type.Optional(Type.String({ format: 'uuid', pattern: UUID_PATTERN })),
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
          if (isEventCursorError(err)) {
            const code = err.problem === 'future' ? FUTURE_SINCE_CLOSE_CODE : UNKNOWN_SINCE_CLOSE_CODE;
            request.log.info({ code }, 'stream resume refused');
            socket.close(code, SINCE_CLOSE_REASONS[code]);
            return;
          }
          request.log.warn({ err: String(err) }, 'stream subscription failed');
          socket.close(1011, 'event bus unavailable; retry shortly');
        }
      },
    );
  };
