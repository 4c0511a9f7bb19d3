import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';
import { ErrorSchema } from '../schemas.ts';

const DetailedChecks = Type.Record(
  Type.String(),
  Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }),
);
const ReadinessDetail = Type.Object({
  ready: Type.Boolean(),
  shutting_down: Type.Boolean(),
  checks: DetailedChecks,
});

/**
 * GET /system/readiness: what /ready says, with each check's detail (driver and Redis messages)
 * for operators holding `system:read`. Always 200: the body says whether the instance is ready.
 */
export const readinessRoutes =
  (deps: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/system/readiness',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['health'],
          summary: 'Readiness with the detail of each check (database, Redis); admins only',
          response: { 200: ReadinessDetail, 401: ErrorSchema, 403: ErrorSchema },
        },
      },
      async () => {
        const report = await deps.readiness();
        const shuttingDown = deps.isShuttingDown();
        return { ready: report.ready && !shuttingDown, shutting_down: shuttingDown, checks: report.checks };
      },
    );
  };
