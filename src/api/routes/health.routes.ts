import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';

const Checks = Type.Record(
  Type.String(),
  Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }),
);

/** /live, /ready and /metrics: outside /api, public, cheap. */
export const healthRoutes =
  (deps: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/live',
      {
        config: { permission: 'public' },
        logLevel: 'warn',
        schema: {
          tags: ['health'],
          summary: 'Process is up',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/ready',
      {
        config: { permission: 'public' },
        logLevel: 'warn',
        schema: {
          tags: ['health'],
          summary: 'Ready for traffic: database and (when configured) Redis answer, not shutting down',
          response: {
            200: Type.Object({ status: Type.String(), checks: Checks }),
            503: Type.Object({ status: Type.String(), checks: Checks }),
          },
        },
      },
      async (_request, reply) => {
        if (deps.isShuttingDown()) {
          return reply
            .status(503)
            .send({ status: 'shutting_down', checks: { shutdown: { ok: false, detail: 'draining' } } });
        }
        const report = await deps.readiness();
        return reply
          .status(report.ready ? 200 : 503)
          .send({ status: report.ready ? 'ready' : 'unavailable', checks: report.checks });
      },
    );

    app.get(
      '/metrics',
      {
        config: { permission: 'public' },
        logLevel: 'warn',
        schema: { tags: ['health'], summary: 'Prometheus metrics' },
      },
      async (_request, reply) => {
        const { contentType, body } = await deps.metrics.render();
        return reply.type(contentType).send(body);
      },
    );
  };
