import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import {
  CLASSIFICATIONS,
  INCIDENT_STATUSES,
  NO_VERDICT,
  SEVERITIES,
  STATS_WINDOWS,
  type OverviewStats,
} from '../../contracts/index.ts';
import type { IncidentStatsStore } from '../../ports/index.ts';
import { ErrorSchema } from '../schemas.ts';

const Counts = (keys: readonly string[], description: string) =>
  Type.Object(
    Object.fromEntries(keys.map((k) => [k, Type.Integer({ minimum: 0 })])) as Record<string, TSchema>,
    {
      description,
    },
  );
// OpenAPI 3.0 nullable (see schemas.ts): an anyOf with null would slow the serializer down.
const Seconds = Type.Unsafe<number | null>({ type: 'number', nullable: true });
const DurationSchema = Type.Object({
  count: Type.Integer({
    minimum: 0,
    description: 'incidents created in the window that reached the end point',
  }),
  mean_seconds: Seconds,
  p50_seconds: Seconds,
  p90_seconds: Seconds,
});

const BucketSchema = Type.Object({
  start: Type.String({
    format: 'date-time',
    description: 'bucket start, UTC; it ends where the next starts',
  }),
  created: Type.Integer({ minimum: 0, description: 'incidents created in the bucket' }),
  by_severity: Counts(SEVERITIES, 'incidents created in the bucket, by current severity'),
  by_verdict: Counts(
    [...CLASSIFICATIONS, NO_VERDICT],
    'incidents created in the bucket, by current verdict (none: no verdict yet)',
  ),
  triaged: Type.Integer({
    minimum: 0,
    description: 'incidents whose triage finished in the bucket (throughput)',
  }),
  closed: Type.Integer({ minimum: 0, description: 'incidents closed in the bucket (and still closed)' }),
});

export const OverviewStatsSchema = Type.Object(
  {
    window: Type.Unsafe<OverviewStats['window']>({ type: 'string', enum: [...STATS_WINDOWS] }),
    bucket: Type.Unsafe<OverviewStats['bucket']>({ type: 'string', enum: ['hour', 'day'] }),
    from: Type.String({ format: 'date-time', description: 'start of the first bucket (inclusive)' }),
    to: Type.String({ format: 'date-time', description: 'end of the last bucket (exclusive)' }),
    buckets: Type.Array(BucketSchema),
    by_status: Counts(INCIDENT_STATUSES, 'incidents in each status now (all time)'),
    time_to_triage: DurationSchema,
    time_to_respond: DurationSchema,
    generated_at: Type.String({ format: 'date-time' }),
  },
  { description: 'docs/DASHBOARD.md#overview-statistics' },
);

const QuerySchema = Type.Object(
  {
    window: Type.Optional(
      Type.Unsafe<OverviewStats['window']>({
        type: 'string',
        enum: [...STATS_WINDOWS],
        default: '24h',
        description: '24h: 24 hourly buckets; 7d, 30d: daily buckets (UTC); the last bucket holds now',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Aggregate figures for the dashboard's Overview (docs/DASHBOARD.md#overview-statistics). */
export const statsRoutes =
  (stats: IncidentStatsStore): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/stats/overview',
      {
        config: { permission: 'incidents:read' },
        schema: {
          tags: ['incidents'],
          summary:
            'Incidents over time (created by severity and verdict, triaged, closed), counts by status, time to triage and to respond',
          querystring: QuerySchema,
          response: { 200: OverviewStatsSchema, 400: ErrorSchema, 503: ErrorSchema },
        },
      },
      async (request) => stats.overview(request.query.window ?? '24h'),
    );
  };
