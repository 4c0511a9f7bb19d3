import { sql } from 'kysely';
import {
  CLASSIFICATIONS,
  INCIDENT_STATUSES,
  NO_VERDICT,
  SEVERITIES,
  STATS_WINDOW_SHAPE,
  type DurationStats,
  type OverviewStats,
  type StatsBucket,
  type StatsWindow,
} from '../../contracts/index.ts';
import type { IncidentStatsStore } from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';

const HOUR = 3_600_000;
const VERDICT_KEYS = [...CLASSIFICATIONS, NO_VERDICT] as const;
const DAY = 24 * HOUR;

/** The window's bounds: whole UTC hours or days, the last bucket holding `now`. */
export function windowBounds(window: StatsWindow, now: Date): { from: Date; to: Date; stepMs: number } {
  const shape = STATS_WINDOW_SHAPE[window];
  const stepMs = shape.bucket === 'hour' ? HOUR : DAY;
  // Epoch milliseconds are UTC: flooring them to a multiple of an hour or a day is date_trunc in UTC.
  const to = new Date(Math.floor(now.getTime() / stepMs) * stepMs + stepMs);
  return { from: new Date(to.getTime() - shape.count * stepMs), to, stepMs };
}

type Row = {
  created: [number, number, ...number[]][] | null;
  triaged: [number, number][] | null;
  closed: [number, number][] | null;
  statuses: Record<string, number> | null;
  ttt_n: number;
  ttt_mean: number | null;
  ttt_p50: number | null;
  ttt_p90: number | null;
  ttr_n: number;
  ttr_mean: number | null;
  ttr_p50: number | null;
  ttr_p90: number | null;
};

/**
 * The one statement behind {@link SqlIncidentStatsStore.overview} (exported for EXPLAIN in
 * scripts/measure-overview-stats.mts). Incidents created in the window are read once
 * (`incidents_created_at_idx`) and grouped by bucket, severity and verdict, with the duration
 * aggregates over the same rows; triaged and closed counts range over `incidents_triaged_at_idx` /
 * `incidents_closed_at_idx` (migration 0016); the status counts over `incidents_status_created_idx`.
 * The bucket of a time is `floor((epoch - from) / step)`: date_bin with the window's start as origin,
 * independent of the session time zone. `date_part` answers float8 (EXTRACT answers numeric, slower).
 */
export function overviewStatement(from: Date, to: Date, stepMs: number) {
  const fromSec = from.getTime() / 1000;
  const step = stepMs / 1000;
  const bucketOf = (col: string) =>
    sql`floor((date_part('epoch', ${sql.ref(col)}) - ${fromSec}::float8) / ${step}::float8)::int`;
  const bySeverity = SEVERITIES.map((s) => sql`count(*) FILTER (WHERE severity = ${sql.lit(s)})`);
  const byVerdict = CLASSIFICATIONS.map((c) => sql`count(*) FILTER (WHERE classification = ${sql.lit(c)})`);
  return sql<Row>`
    WITH w AS MATERIALIZED (
      SELECT ${bucketOf('created_at')} AS b, severity, classification,
        date_part('epoch', triaged_at - created_at) AS ttt,
        date_part('epoch', closed_at - created_at) AS ttr
      FROM incidents WHERE created_at >= ${from} AND created_at < ${to}
    ), per_created AS (
      SELECT json_build_array(b, count(*), ${sql.join(bySeverity)}, ${sql.join(byVerdict)},
        count(*) FILTER (WHERE classification IS NULL)) AS v
      FROM w GROUP BY b
    ), per_triaged AS (
      SELECT json_build_array(b, count(*)) AS v FROM (SELECT ${bucketOf('triaged_at')} AS b FROM incidents
        WHERE triaged_at >= ${from} AND triaged_at < ${to}) AS x GROUP BY b
    ), per_closed AS (
      SELECT json_build_array(b, count(*)) AS v FROM (SELECT ${bucketOf('closed_at')} AS b FROM incidents
        WHERE closed_at >= ${from} AND closed_at < ${to}) AS x GROUP BY b
    ), per_status AS (
      SELECT status, count(*) AS n FROM incidents GROUP BY status
    )
    SELECT
      (SELECT json_agg(v) FROM per_created) AS created,
      (SELECT json_agg(v) FROM per_triaged) AS triaged,
      (SELECT json_agg(v) FROM per_closed) AS closed,
      (SELECT json_object_agg(status, n) FROM per_status) AS statuses,
      count(ttt)::int AS ttt_n, avg(ttt) AS ttt_mean,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ttt) AS ttt_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ttt) AS ttt_p90,
      count(ttr)::int AS ttr_n, avg(ttr) AS ttr_mean,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ttr) AS ttr_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ttr) AS ttr_p90
    FROM w`;
}

/** The Overview statistics on PostgreSQL and PGlite: one aggregate statement, read where reads may be stale. */
export class SqlIncidentStatsStore implements IncidentStatsStore {
  constructor(private readonly database: SqlDatabase) {}

  async overview(window: StatsWindow, now: Date = new Date()): Promise<OverviewStats> {
    const { from, to, stepMs } = windowBounds(window, now);
    const row = await this.database.read(
      async (db) => (await overviewStatement(from, to, stepMs).execute(db)).rows[0]!,
    );

    const count = STATS_WINDOW_SHAPE[window].count;
    const buckets: StatsBucket[] = Array.from({ length: count }, (_, n) => ({
      start: new Date(from.getTime() + n * stepMs).toISOString(),
      created: 0,
      by_severity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as StatsBucket['by_severity'],
      by_verdict: Object.fromEntries(VERDICT_KEYS.map((c) => [c, 0])) as StatsBucket['by_verdict'],
      triaged: 0,
      closed: 0,
    }));
    for (const [b, n, ...rest] of row.created ?? []) {
      const bucket = buckets[b];
      if (!bucket) continue;
      bucket.created = Number(n);
      SEVERITIES.forEach((s, k) => (bucket.by_severity[s] = Number(rest[k])));
      VERDICT_KEYS.forEach((c, k) => (bucket.by_verdict[c] = Number(rest[SEVERITIES.length + k])));
    }
    for (const [b, n] of row.triaged ?? []) if (buckets[b]) buckets[b].triaged = Number(n);
    for (const [b, n] of row.closed ?? []) if (buckets[b]) buckets[b].closed = Number(n);
    const statuses = row.statuses ?? {};
    return {
      window,
      bucket: STATS_WINDOW_SHAPE[window].bucket,
      from: from.toISOString(),
      to: to.toISOString(),
      buckets,
      by_status: Object.fromEntries(
        INCIDENT_STATUSES.map((s) => [s, Number(statuses[s] ?? 0)]),
      ) as OverviewStats['by_status'],
      time_to_triage: durations(row.ttt_n, row.ttt_mean, row.ttt_p50, row.ttt_p90),
      time_to_respond: durations(row.ttr_n, row.ttr_mean, row.ttr_p50, row.ttr_p90),
      generated_at: now.toISOString(),
    };
  }
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
function durations(n: number, mean: number | null, p50: number | null, p90: number | null): DurationStats {
  return { count: Number(n), mean_seconds: num(mean), p50_seconds: num(p50), p90_seconds: num(p90) };
}
