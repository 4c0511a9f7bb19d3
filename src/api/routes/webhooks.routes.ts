import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, type NormalizedAlert } from '../../contracts/index.ts';
import { parseAlerts } from '../../core/ingest/index.ts';
import { verifySignature } from '../../core/webhooks/signature.ts';
import type { DetailCache } from '../detail-cache.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorSchema, IngestResponseSchema, IngestBatchResponseSchema } from '../schemas.ts';
import { ingestAll } from './ingest-response.ts';

const SOURCE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

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
            'Sources: crowdstrike, splunk, microsoft-graph (defender, m365), guardduty, okta, elastic, or any other name: the generic format, or any JSON object (a vendor event). The body is one event, a JSON array of events, or a vendor batch envelope ({"value": [...]}, {"items": [...]}, {"records": [...]}, {"Records": [...]}, {"events": [...]}, an Okta event hook), at most 500 events (413 PAYLOAD_TOO_LARGE beyond; an empty batch is 400). One alert is answered with the single-alert body, several with {accepted, results}; all are committed before the 202, or none is answered 202. Sign the raw body with HMAC-SHA256 in X-Webhook-Signature.',
          params: Type.Object({ source: Type.String({ maxLength: 64 }) }),
          body: Type.Unknown(),
          response: {
            202: Type.Union([IngestResponseSchema, IngestBatchResponseSchema]),
            400: ErrorSchema,
            401: ErrorSchema,
            413: ErrorSchema,
            415: ErrorSchema,
            503: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const source = request.params.source.toLowerCase();
        if (!SOURCE_PATTERN.test(source)) {
          throw new AppError('BAD_REQUEST', 'source must be 1-64 characters of a-z, 0-9, - and _');
        }
        const settings = deps.webhookSource(source);
        let replay: Promise<number> | undefined;
        if (settings?.secret) {
          const verified = verifySignature({
            secret: settings.secret,
            rawBody: request.rawBody ?? Buffer.alloc(0),
            headers: request.headers,
            now: new Date(),
            toleranceMs: deps.config.webhooks.timestamp_tolerance,
          });
          if (verified.timestamp !== undefined) {
            // A signed timestamp makes an exact resend within the window a replay: refuse it. The
            // alert is parsed while the counter's round trip is in flight (awaited before ingest).
            replay = deps.counters.increment(
              `webhook-replay:${source}:${verified.signature}`,
              deps.config.webhooks.timestamp_tolerance * 2,
            );
            replay.catch(() => undefined);
          }
        } else if (!settings?.unsigned) {
          throw new AppError(
            'UNAUTHORIZED',
            `webhook source ${source} is not configured: set webhooks.sources.${source}.secret or TW_WEBHOOK_SECRET_${source.toUpperCase().replace(/-/g, '_')}`,
          );
        }
        let alerts: NormalizedAlert[] | undefined;
        let invalid: unknown;
        try {
          if (request.body === undefined || request.body === null)
            throw new AppError('BAD_REQUEST', 'empty body');
          alerts = parseAlerts(source, request.body, new Date());
        } catch (err) {
          invalid = err;
        }
        // A replay is refused first, as it was before the body was looked at.
        if (replay !== undefined && (await replay) > 1)
          throw new AppError('INVALID_SIGNATURE', 'replayed request (signature already used)');
        if (!alerts) throw invalid;
        return reply.status(202).send(await ingestAll(deps, cache, alerts));
      },
    );
  };
