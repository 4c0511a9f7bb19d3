import type { Migration } from '../migrations.ts';

// Triage as playbook steps (issue 11): each triage run of an incident is numbered (triage_run,
// raised when triage starts) and remembers the playbook that drove it; each step of a run that
// was applied, skipped or decided is one triage_steps row, so a redelivered job resumes after the
// last recorded step and never applies one twice. Every ADD COLUMN is metadata-only.
export const migration: Migration = {
  id: '0008_triage_steps',
  sql: `
ALTER TABLE incidents
  ADD COLUMN triage_run integer NOT NULL DEFAULT 0,
  ADD COLUMN playbook_name text,
  ADD COLUMN playbook_version integer;
CREATE TABLE triage_steps (
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  run integer NOT NULL,
  step_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('enrich','analyze','condition','propose_action','notify')),
  outcome text NOT NULL CHECK (outcome IN ('done','skipped','stop','continue')),
  result jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, run, step_id)
);
`,
};
