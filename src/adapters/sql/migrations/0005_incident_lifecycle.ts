import type { Migration } from '../migrations.ts';

// Incident lifecycle (issue 10 items 4 and 5). Repeats after closure open a new incident linked
// to the old one (related_incident_id); triage that keeps failing is dead-lettered after
// triage.max_attempts (triage_failed_at set, the last sanitised error kept) instead of being
// retried forever; a leader fence taken over from a stale holder of another deployment starts a
// new epoch, compared before the term. Every ADD COLUMN is metadata-only (constant default).
export const migration: Migration = {
  id: '0005_incident_lifecycle',
  sql: `
ALTER TABLE incidents
  ADD COLUMN related_incident_id uuid REFERENCES incidents(id) ON DELETE SET NULL,
  ADD COLUMN triage_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN triage_error text,
  ADD COLUMN triage_failed_at timestamptz;
-- The reconciler's keyset walk: incidents owed triage and not dead-lettered, oldest first.
CREATE INDEX incidents_reconcile_idx ON incidents (updated_at, id)
  WHERE status IN ('new','enriching','analyzing') AND triage_failed_at IS NULL;
CREATE INDEX incidents_dead_letter_idx ON incidents (triage_failed_at, id) WHERE triage_failed_at IS NOT NULL;
CREATE INDEX incidents_related_idx ON incidents (related_incident_id) WHERE related_incident_id IS NOT NULL;
ALTER TABLE leader_fences ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
`,
};
