import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import type { ClusterView } from '../../contracts/cluster.ts';
import { ErrorSchema } from '../schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Status = Type.Union([Type.Literal('live'), Type.Literal('stale'), Type.Literal('gone')], {
  description: 'live: seen within stale_after_s; stale: not since; gone: shut down gracefully',
});
const Count = Type.Integer({ minimum: 0 });

const LoadSchema = Type.Object({
  interval_s: Type.Number({ description: 'seconds the *_in_interval figures cover' }),
  rss_mb: Type.Number(),
  heap_used_mb: Type.Number(),
  event_loop_lag_p99_ms: Nullable(Type.Number()),
  cpu_percent: Nullable(Type.Number({ description: 'of the CPU the process may use (cgroup quota)' })),
  http_requests_in_interval: Type.Integer(),
  http_in_flight: Type.Integer(),
  websocket_clients: Type.Integer(),
  jobs_active: Type.Integer(),
  jobs_completed_in_interval: Type.Integer(),
  jobs_failed_in_interval: Type.Integer(),
  db_pool: Nullable(
    Type.Object(
      { total: Count, idle: Count, waiting: Count },
      { description: 'the primary pool; null on PGlite (one in-process connection)' },
    ),
  ),
});

const InstanceSchema = Type.Object({
  id: Type.String({ description: 'election id, <server.instance_id>-<pid>-<random>' }),
  name: Type.String({ description: 'server.instance_id' }),
  role: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('orchestrator')]),
  hostname: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  seen_at: Type.String({ format: 'date-time' }),
  uptime_s: Type.Number(),
  seen_ago_s: Type.Number(),
  status: Status,
  leader: Type.Boolean({ description: 'holds the leader fence' }),
  load: LoadSchema,
});

export const ClusterSchema = Type.Object({
  heartbeat_interval_s: Type.Number(),
  stale_after_s: Type.Number(),
  instances: Type.Array(InstanceSchema),
  leader: Nullable(
    Type.Object({
      id: Type.String(),
      term: Type.Integer(),
      epoch: Type.Integer(),
      claimed_at: Type.String({
        format: 'date-time',
        description: "the leader's last pass through the fence",
      }),
      status: Nullable(Status),
    }),
  ),
  queue: Nullable(
    Type.Object(
      { depth: Count, waiting: Count, active: Count, delayed: Count, failed: Count },
      { description: 'the work queue, cluster-wide (null when it cannot be read)' },
    ),
  ),
});

/** GET /cluster: every process of the deployment, the leader and its term, the queue (docs/DASHBOARD.md). */
export const clusterRoutes =
  (cluster: { view(): Promise<ClusterView> }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/cluster',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['health'],
          summary:
            'API and orchestrator processes seen recently with their load, the leader and term, queue depth',
          response: { 200: ClusterSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema },
        },
      },
      async () => cluster.view(),
    );
  };
