import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TriageRetryService } from '../../core/triage/triage-retry.service.ts';
import type { DetailCache } from '../detail-cache.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema, IdParamsSchema, IncidentSchema } from '../schemas.ts';

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema };

/** Retrying dead-lettered triage (docs/INCIDENT-LIFECYCLE.md). */
export const triageRetryRoutes =
  (retry: TriageRetryService, cache: DetailCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/incidents/:id/retry-triage',
      {
        config: { permission: 'incidents:decide' },
        schema: {
          tags: ['incidents'],
          summary: 'Retry the triage of a dead-lettered incident (its failure count starts again at 0)',
          params: IdParamsSchema,
          response: {
            202: Type.Object({ incident: IncidentSchema, queued: Type.Boolean() }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { incidents, queued } = await retry.retry(request.params.id, actorOf(request));
        cache.invalidate(request.params.id);
        return reply.status(202).send({ incident: incidents[0]!, queued });
      },
    );

    app.post(
      '/incidents/retry-failed',
      {
        config: { permission: 'incidents:decide' },
        schema: {
          tags: ['incidents'],
          summary: 'Retry the triage of every dead-lettered incident (up to 1000 per call, oldest first)',
          response: {
            202: Type.Object({
              retried: Type.Integer(),
              incident_ids: Type.Array(Type.String({ format: 'uuid' })),
              queued: Type.Boolean(),
            }),
            503: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const { incidents, queued } = await retry.retryAll(actorOf(request));
        for (const i of incidents) cache.invalidate(i.id);
        return reply
          .status(202)
          .send({ retried: incidents.length, incident_ids: incidents.map((i) => i.id), queued });
      },
    );
  };
