import type { Migration } from '../migrations.ts';

const STATUS_CHECK = `'new','enriching','analyzing','pending_review','pending_approval','executing','resolved','false_positive','dismissed','escalated','closed'`;
const SEVERITY_CHECK = `'info','low','medium','high','critical'`;

export const migration: Migration = {
  id: '0001_initial',
  sql: `
CREATE TABLE incidents (
  id uuid PRIMARY KEY,
  incident_type text NOT NULL,
  source text NOT NULL,
  severity text NOT NULL CHECK (severity IN (${SEVERITY_CHECK})),
  severity_rank smallint NOT NULL,
  status text NOT NULL DEFAULT 'new' CHECK (status IN (${STATUS_CHECK})),
  title text NOT NULL,
  description text,
  fingerprint text NOT NULL,
  occurrence_count integer NOT NULL DEFAULT 1,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  -- When we last received an alert for it (our clock): the dedup window runs on this, not vendor time.
  last_received_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  tags text[] NOT NULL DEFAULT '{}',
  assets jsonb NOT NULL DEFAULT '[]',
  mitre_techniques text[] NOT NULL DEFAULT '{}',
  vendor_confidence real,
  classification text CHECK (classification IN ('malicious','suspicious','benign','inconclusive')),
  confidence real,
  triaged_at timestamptz,
  resolution_reason text,
  search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))
  ) STORED
);
CREATE INDEX incidents_created_at_idx ON incidents (created_at DESC, id DESC);
CREATE INDEX incidents_status_created_idx ON incidents (status, created_at DESC);
CREATE INDEX incidents_severity_created_idx ON incidents (severity_rank, created_at DESC);
CREATE INDEX incidents_type_created_idx ON incidents (incident_type, created_at DESC);
CREATE INDEX incidents_source_created_idx ON incidents (source, created_at DESC);
CREATE INDEX incidents_updated_at_idx ON incidents (updated_at DESC);
CREATE INDEX incidents_dedup_idx ON incidents (source, fingerprint, last_received_at DESC);
CREATE INDEX incidents_search_idx ON incidents USING gin (search);
CREATE INDEX incidents_pending_idx ON incidents (updated_at) WHERE status IN ('new','enriching','analyzing');

CREATE TABLE alerts (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  source text NOT NULL,
  vendor_id text,
  title text NOT NULL,
  severity text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  raw jsonb NOT NULL
);
CREATE INDEX alerts_incident_idx ON alerts (incident_id, received_at);

CREATE TABLE indicators (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  type text NOT NULL,
  value text NOT NULL,
  context text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (incident_id, type, value)
);
CREATE INDEX indicators_value_idx ON indicators (type, value);

CREATE TABLE enrichments (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  indicator_type text NOT NULL,
  indicator_value text NOT NULL,
  provider text NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('malicious','suspicious','benign','unknown')),
  score real,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrichments_incident_idx ON enrichments (incident_id);

CREATE TABLE analyses (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  analyzer text NOT NULL,
  classification text NOT NULL CHECK (classification IN ('malicious','suspicious','benign','inconclusive')),
  confidence real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  category text NOT NULL,
  reasoning text NOT NULL,
  reasons jsonb NOT NULL DEFAULT '[]',
  recommended_actions jsonb NOT NULL DEFAULT '[]',
  mitre_techniques jsonb NOT NULL DEFAULT '[]',
  indicators jsonb NOT NULL DEFAULT '[]',
  score real,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analyses_incident_idx ON analyses (incident_id, created_at DESC);

CREATE TABLE actions (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  action_type text NOT NULL,
  target text NOT NULL,
  parameters jsonb NOT NULL DEFAULT '{}',
  approval_status text NOT NULL DEFAULT 'pending'
    CHECK (approval_status IN ('pending','auto_approved','approved','denied','executing','executed','failed')),
  approval_level text CHECK (approval_level IN ('analyst','senior','manager')),
  requested_by text NOT NULL,
  decided_by text,
  decided_at timestamptz,
  executed_at timestamptz,
  result jsonb,
  error text,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX actions_incident_idx ON actions (incident_id);
CREATE INDEX actions_pending_idx ON actions (approval_status, created_at) WHERE approval_status = 'pending';

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  incident_id uuid REFERENCES incidents(id) ON DELETE CASCADE,
  actor text NOT NULL,
  action text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_incident_idx ON audit_log (incident_id, id);
CREATE INDEX audit_log_created_idx ON audit_log (created_at);

CREATE TABLE playbooks (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  incident_type text,
  description text,
  definition jsonb NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_sources (
  name text PRIMARY KEY,
  secret text,
  unsigned boolean NOT NULL DEFAULT false,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

-- Fencing for leader-only jobs: a leader writes only while its term is the highest seen.
CREATE TABLE leader_fences (
  name text PRIMARY KEY,
  term bigint NOT NULL,
  holder text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
};
