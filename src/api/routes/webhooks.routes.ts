import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, type NormalizedAlert } from '../../contracts/index.ts';
import { fingerprint, parseAlerts } from '../../core/ingest/index.ts';
import { SOURCE_NAME_PATTERN } from '../../core/webhooks/source-names.ts';
import { authenticateWebhook } from '../../core/webhooks/webhook-auth.ts';
import type { DetailCache } from '../detail-cache.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorSchema, IngestResponseSchema, IngestBatchResponseSchema } from '../schemas.ts';
import { ingestAll } from './ingest-response.ts';

/**
 * How long a claimed replay slot waits for its ingest before another identical request may take it
 * (only matters when a process dies mid-ingest: a failed ingest releases its slot at once).
 */
const REPLAY_LEASE_MS = 120_000;

/** The alert as the authenticated source: the path decides `source`, never the body. */
function asSource(alert: NormalizedAlert, source: string): NormalizedAlert {
  if (alert.source === source) return alert;
  return { ...alert, source, fingerprint: fingerprint(source, alert) };
}

export const webhookRoutes =
  (deps: ApiDeps, cache: DetailCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/webhooks/:source',
      {
        config: { permission: 'webhooks:ingest' },
        schema: {
          tags: ['webhooks'],
          summary: 'Receive vendor alerts (HMAC-signed); committed before the 202',
          description:
            'Sources: crowdstrike, splunk, microsoft-graph (defender, m365), guardduty, okta, elastic, or any other name: the generic format, or any JSON object (a vendor event). The body is one event, a JSON array of events, or a vendor batch envelope ({"value": [...]}, {"items": [...]}, {"records": [...]}, {"Records": [...]}, {"events": [...]}, an Okta event hook), at most 500 events (413 PAYLOAD_TOO_LARGE beyond; an empty batch is 400). One alert is answered with the single-alert body, several with {accepted, results}; all are committed before the 202, or none is answered 202. Sign the raw body with HMAC-SHA256 in X-Webhook-Signature, with X-Webhook-Timestamp (required by sources created through the API or CLI). The incident source is the authenticated source of the path, whatever the body says.',
          params: Type.Object({ source: Type.String({ maxLength: 64 }) }),
          body: Type.Unknown(),
          response: {
            202: Type.Union([IngestResponseSchema, IngestBatchResponseSchema]),
            400: ErrorSchema,
            401: ErrorSchema,
            409: ErrorSchema,
            413: ErrorSchema,
            415: ErrorSchema,
            429: ErrorSchema,
            503: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const name = request.params.source.toLowerCase();
        if (!SOURCE_NAME_PATTERN.test(name)) {
          throw new AppError('BAD_REQUEST', 'source must be 1-64 characters of a-z, 0-9, - and _');
        }
        const tolerance = deps.config.webhooks.timestamp_tolerance;
        const { source, replayKey } = await authenticateWebhook({
          name,
          rawBody: request.rawBody ?? Buffer.alloc(0),
          headers: request.headers,
          now: new Date(),
          toleranceMs: tolerance,
          resolve: (n) => deps.webhookSources.resolve(n),
          log: request.log,
        });
        if (source.rateLimit !== null) {
          const r = await deps.counters.consume(`webhook-source:${source.name}`, source.rateLimit, 60_000);
          if (!r.allowed) {
            throw Object.assign(
              new AppError(
                'RATE_LIMIT_EXCEEDED',
                `webhook source rate limit of ${source.rateLimit}/min reached`,
              ),
              { headers: { 'retry-after': String(Math.max(1, Math.ceil(r.resetMs / 1000))) } },
            );
          }
        }
        if (request.body === undefined || request.body === null)
          throw new AppError('BAD_REQUEST', 'empty body');
        const alerts = parseAlerts(source.canonical, request.body, new Date()).map((alert) =>
          asSource(alert, source.canonical),
        );

        // The replay slot is claimed before ingest (two identical concurrent requests: one waits for
        // the other's outcome as 409), committed once the alert is durable, and released when ingest
        // fails, so that the vendor's identical retry after our 5xx is accepted.
        if (replayKey !== undefined) {
          const claim = await deps.replays.claim(replayKey, REPLAY_LEASE_MS);
          if (claim === 'replay')
            throw new AppError('INVALID_SIGNATURE', 'replayed request (signature already used)');
          if (claim === 'in_progress')
            throw new AppError('CONFLICT', 'an identical request is being processed; retry in a few seconds');
        }
        let answer;
        try {
          answer = await ingestAll(deps, cache, alerts);
        } catch (err) {
          if (replayKey !== undefined) {
            await deps.replays
              .release(replayKey)
              .catch((e: unknown) =>
                request.log.warn(
                  { err: (e as Error).message },
                  'replay slot not released (its lease ends it)',
                ),
              );
          }
          throw err;
        }
        if (replayKey !== undefined) {
          // The alert is durable: a failure here must not turn the answer into a 5xx (a retry would
          // then fold into the incident as a repeat, the lesser harm).
          await deps.replays
            .commit(replayKey, tolerance * 2)
            .catch((e: unknown) =>
              request.log.warn({ err: (e as Error).message }, 'replay slot not committed'),
            );
        }
        return reply.status(202).send(answer);
      },
    );
  };
