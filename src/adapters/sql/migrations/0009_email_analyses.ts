import type { Migration } from '../migrations.ts';

// Email analyses (issue 11 part 3, docs/EMAIL-ANALYSIS.md): one row per raw message analysed for an
// incident (uploaded, or found in one of its alerts), deduplicated by the message's SHA-256. The
// findings are kept whole as JSON; the columns are what lists and audits need.
export const migration: Migration = {
  id: '0009_email_analyses',
  sql: `
CREATE TABLE email_analyses (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  message_id text,
  subject text,
  from_address text,
  source text NOT NULL CHECK (source IN ('upload','alert')),
  alert_id uuid REFERENCES alerts(id) ON DELETE SET NULL,
  score smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
  verdict text NOT NULL CHECK (verdict IN ('malicious','suspicious','benign')),
  analysis jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (incident_id, sha256)
);
CREATE INDEX email_analyses_incident_idx ON email_analyses (incident_id, created_at DESC, id DESC);
CREATE INDEX email_analyses_alert_idx ON email_analyses (alert_id) WHERE alert_id IS NOT NULL;
-- Alerts whose payload triage has looked through for raw messages: each alert is read once, not on
-- every triage run of its incident. Metadata-only (constant default).
ALTER TABLE alerts ADD COLUMN email_scanned boolean NOT NULL DEFAULT false;
`,
};
