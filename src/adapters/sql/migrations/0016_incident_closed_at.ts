import type { Migration } from '../migrations.ts';

const CLOSED = `'resolved','false_positive','dismissed','closed'`;

/**
 * When an incident was closed (docs/INCIDENT-LIFECYCLE.md#closed_at): set when its status enters a
 * closed status from an open one, kept while it moves between closed statuses (an archived resolved
 * incident keeps its resolution time), cleared on reopen. The overview's time to respond and closed
 * counts read it (docs/DASHBOARD.md#overview-statistics).
 *
 * Backfill for incidents already closed: the time of the last audit entry that moved the incident
 * from an open status into a closed one (after it the incident stayed closed, or it would be open
 * now); `updated_at` when no such entry exists. One indexed lookup per closed incident
 * (`audit_log_incident_idx`).
 *
 * Indexes: the overview counts incidents triaged and closed per hour or day of a window; partial,
 * since most rows of a busy system are untriaged noise or still open.
 */
export const migration: Migration = {
  id: '0016_incident_closed_at',
  sql: `
ALTER TABLE incidents ADD COLUMN closed_at timestamptz;
UPDATE incidents AS i SET closed_at = COALESCE((
  SELECT max(a.created_at) FROM audit_log AS a
  WHERE a.incident_id = i.id
    AND a.details->>'to' IN (${CLOSED})
    AND COALESCE(a.details->>'from', '') NOT IN (${CLOSED})
), i.updated_at)
WHERE i.status IN (${CLOSED});
CREATE INDEX incidents_closed_at_idx ON incidents (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX incidents_triaged_at_idx ON incidents (triaged_at) WHERE triaged_at IS NOT NULL;
`,
};
