import type { Migration } from '../migrations.ts';

/**
 * The cluster registry (issue #13 page 7, docs/DASHBOARD.md "Cluster"): one row per process start,
 * keyed by its election id, upserted by its heartbeat (seen_at by the database clock) with its load;
 * gone_at set on a graceful shutdown. The leader prunes rows not seen for an hour.
 */
export const migration: Migration = {
  id: '0017_instances',
  sql: `
CREATE TABLE instances (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('all','api','orchestrator')),
  hostname text NOT NULL,
  pid integer NOT NULL,
  version text NOT NULL,
  started_at timestamptz NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now(),
  gone_at timestamptz,
  load jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX instances_seen_idx ON instances (seen_at);
`,
};
