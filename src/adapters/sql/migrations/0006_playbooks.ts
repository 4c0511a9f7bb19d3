import type { Migration } from '../migrations.ts';

// Playbooks (issue 11 part 1). 0001's playbooks table was never written: it is replaced by one
// keyed by name that keeps the YAML as written (compiled by each process), where it came from and
// the hash of the file it was last loaded from (so a restart does not undo an API edit unless the
// file changed). History per version, and each SLA breach recorded once per incident and kind.
export const migration: Migration = {
  id: '0006_playbooks',
  sql: `
DROP TABLE playbooks;
CREATE TABLE playbooks (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  version integer NOT NULL DEFAULT 1,
  enabled boolean NOT NULL DEFAULT true,
  priority integer NOT NULL DEFAULT 0,
  source text NOT NULL,
  origin text NOT NULL,
  file_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);
CREATE TABLE playbook_versions (
  id bigserial PRIMARY KEY,
  name text NOT NULL REFERENCES playbooks(name) ON DELETE CASCADE,
  version integer NOT NULL,
  source text NOT NULL,
  change text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);
CREATE INDEX playbook_versions_name_idx ON playbook_versions (name, version DESC);
CREATE TABLE playbook_sla_breaches (
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('time_to_triage','time_to_respond')),
  playbook text NOT NULL,
  due_at timestamptz NOT NULL,
  breached_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, kind)
);
`,
};
