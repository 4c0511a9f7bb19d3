import { SqlIncidentStatsStore, type SqlDatabase } from '../adapters/sql/index.ts';
import type { IncidentStatsStore } from '../ports/index.ts';

/** The Overview statistics over the database (docs/DASHBOARD.md#overview-statistics): what the API serves. */
export function createStats(database: SqlDatabase): { stats: IncidentStatsStore } {
  return { stats: new SqlIncidentStatsStore(database) };
}
