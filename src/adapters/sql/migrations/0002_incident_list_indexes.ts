import type { Migration } from '../migrations.ts';

// The incident list (#5): every index ends in the list's sort key plus the id tiebreak, so a
// keyset cursor is one index range; the composite ones let the capped count run as an index-only
// scan. Each btree replaces a 0001 index; the one addition is a partial GIN for high/critical.
// JIT off for the database (a per-database setting: no session SET, so it holds through PgBouncer
// and on replicas): on 1M incidents it added 6-60 ms to 0001's count(*) and 108 ms to an
// unindexed sort, for short OLTP statements. Only the owner may set it; otherwise the database
// keeps the server's setting. Likewise client_connection_check_interval = 1s: a statement whose
// client died (a worker killed with -9 while its step waits on a lock) is aborted within a second
// instead of committing later on its own; each step is one autocommitted statement since #5.
export const migration: Migration = {
  id: '0002_incident_list_indexes',
  sql: `
DROP INDEX incidents_status_created_idx;
DROP INDEX incidents_severity_created_idx;
DROP INDEX incidents_type_created_idx;
DROP INDEX incidents_source_created_idx;
DROP INDEX incidents_updated_at_idx;
-- status (+ severity) filters: the triage queues, and their counts without touching the table.
CREATE INDEX incidents_status_list_idx ON incidents (status, severity_rank, created_at DESC, id DESC);
-- sort=severity (severity, newest first), and severity filters.
CREATE INDEX incidents_severity_list_idx ON incidents (severity_rank DESC, created_at DESC, id DESC);
-- incident_type (+ status) filters.
CREATE INDEX incidents_type_list_idx ON incidents (incident_type, status, created_at DESC, id DESC);
-- source filters with a time window, newest first.
CREATE INDEX incidents_source_list_idx ON incidents (source, created_at DESC, id DESC);
-- sort=updated_at.
CREATE INDEX incidents_updated_list_idx ON incidents (updated_at DESC, id DESC);
-- Full-text within high/critical, the view analysts search most: the GIN alone yields the matches,
-- so the capped count stops after cap + 1 heap rows instead of AND-ing 28 % of the table's TIDs.
CREATE INDEX incidents_search_high_idx ON incidents USING gin (search) WHERE severity_rank IN (3, 4);
DO $jit$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'jit left as configured: not the owner of the database';
END $jit$;
DO $check$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET client_connection_check_interval = %L', current_database(), '1s');
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'client_connection_check_interval left as configured: %', SQLERRM;
END $check$;
`,
};
