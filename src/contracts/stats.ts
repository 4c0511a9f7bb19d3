/**
 * The Overview page's statistics (issue 13): `GET /api/v1/stats/overview?window=24h|7d|30d`
 * [incidents:read]. The shape the HTTP API returns; the dashboard imports it. Semantics in
 * docs/DASHBOARD.md#overview-statistics.
 */
import type { Classification, IncidentStatus, Severity } from './vocabulary.ts';

export const STATS_WINDOWS = ['24h', '7d', '30d'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];

/** How each window is cut: `count` buckets of `bucket` (UTC hours or days), the last one holding now. */
export const STATS_WINDOW_SHAPE: Readonly<Record<StatsWindow, { bucket: 'hour' | 'day'; count: number }>> =
  Object.freeze({
    '24h': { bucket: 'hour', count: 24 },
    '7d': { bucket: 'day', count: 7 },
    '30d': { bucket: 'day', count: 30 },
  });

/** Verdict key of an incident with no verdict yet. */
export const NO_VERDICT = 'none';

/** One hour or day of the window. */
export interface StatsBucket {
  /** Bucket start (UTC, ISO 8601); it ends where the next one starts. */
  start: string;
  /** Incidents created in the bucket. */
  created: number;
  /** The same incidents by their current severity. */
  by_severity: Record<Severity, number>;
  /** The same incidents by their current verdict classification (`none`: not analysed yet). */
  by_verdict: Record<Classification | typeof NO_VERDICT, number>;
  /** Incidents whose triage finished in the bucket (throughput; any creation time). */
  triaged: number;
  /** Incidents that entered a closed status in the bucket and are still closed. */
  closed: number;
}

/** Durations in seconds over the incidents created in the window that have reached the end point. */
export interface DurationStats {
  /** How many incidents the figures are over. */
  count: number;
  mean_seconds: number | null;
  p50_seconds: number | null;
  p90_seconds: number | null;
}

export interface OverviewStats {
  window: StatsWindow;
  bucket: 'hour' | 'day';
  /** Start of the first bucket (inclusive), UTC. */
  from: string;
  /** End of the last bucket (exclusive), UTC; later than `generated_at`. */
  to: string;
  buckets: StatsBucket[];
  /** Incidents in each status now, all time (every status listed, 0 included). */
  by_status: Record<IncidentStatus, number>;
  /** created_at → triaged_at (triage finished: verdict or a human decision). */
  time_to_triage: DurationStats;
  /** created_at → closed_at (resolved, false positive, dismissed or closed). */
  time_to_respond: DurationStats;
  generated_at: string;
}
