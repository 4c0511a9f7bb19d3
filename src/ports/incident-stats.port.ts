import type { OverviewStats, StatsWindow } from '../contracts/stats.ts';

/**
 * Aggregate figures over incidents for the Overview page (docs/DASHBOARD.md#overview-statistics):
 * a bounded number of aggregate statements whatever the number of incidents; nothing per row leaves
 * the database. May read a replica (the figures are a view of the recent past).
 */
export interface IncidentStatsStore {
  /** The window ending in the bucket that holds `now` (default: the current time). */
  overview(window: StatsWindow, now?: Date): Promise<OverviewStats>;
}
