import type { Migration } from '../migrations.ts';

/**
 * Guardrails policy versions (issue 12 part 1, docs/POLICY.md). Every version is kept with the YAML as
 * submitted; exactly one is active (a partial unique index forbids two; every write deactivates the
 * old one and activates the new one in one transaction, under an advisory lock). A rollback stores
 * the older document again as a new version, so the history only grows. `source_hash` lets a start-up
 * tell whether `response.policy_file` changed since it was last loaded. Two indexes serve the audit
 * API's actor and action filters.
 */
export const migration: Migration = {
  id: '0013_policies',
  sql: `
CREATE TABLE policy_versions (
  version integer PRIMARY KEY CHECK (version > 0),
  source text NOT NULL,
  source_hash text NOT NULL,
  origin text NOT NULL CHECK (origin IN ('builtin','file','api','rollback')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  comment text,
  active boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX policy_versions_active_idx ON policy_versions ((true)) WHERE active;
CREATE INDEX policy_versions_origin_idx ON policy_versions (origin, version DESC);
-- GET /api/v1/audit filters by actor and by action (exact or prefix), newest first.
CREATE INDEX audit_log_actor_idx ON audit_log (actor, seq);
CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, seq);
`,
};
