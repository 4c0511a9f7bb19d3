import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { ApiDeps, ReadinessReport } from '../deps.ts';

/** Public readiness: ok or not per check, never the driver's words (those go to admins only). */
const Checks = Type.Record(Type.String(), Type.Object({ ok: Type.Boolean() }));

/** The report without details, for the unauthenticated /ready. */
export function publicChecks(report: ReadinessReport): Record<string, { ok: boolean }> {
  return Object.fromEntries(Object.entries(report.checks).map(([name, c]) => [name, { ok: c.ok }]));
}

/** Constant-time check of `Authorization: Bearer <token>` (hashing first equalises the lengths). */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  const given = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/**
 * /live, /ready and /metrics: outside /api, cheap, exempt from rate limits. /metrics needs
 * `Authorization: Bearer <metrics.token>` when that is set.
 */
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
          return reply.status(503).send({ status: 'shutting_down', checks: { shutdown: { ok: false } } });
        }
        const report = await deps.readiness();
        return reply
          .status(report.ready ? 200 : 503)
          .send({ status: report.ready ? 'ready' : 'unavailable', checks: publicChecks(report) });
      },
    );

    app.get(
      '/metrics',
      {
        config: { permission: 'public' },
        logLevel: 'warn',
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (Authorization: Bearer <metrics.token> when one is configured)',
        },
      },
      async (request, reply) => {
        const token = deps.config.metrics.token;
        if (token && !bearerMatches(request, token)) {
          void reply.header('www-authenticate', 'Bearer realm="metrics"');
          throw new AppError('UNAUTHORIZED', 'metrics need Authorization: Bearer <metrics.token>');
        }
        const { contentType, body } = await deps.metrics.render();
        return reply.type(contentType).send(body);
      },
    );
  };
