import type { Migration } from '../migrations.ts';

/**
 * Response actions (issue #12, docs/RESPONSE.md): the `actions` table of 0001 gets what the action
 * store needs: the target's type (the value stays in `target`), who asked and why, the operation mode
 * and the policy decision stored with the action, the approver's comment, the connector, a stable
 * error code, a per-incident dedupe key (a redelivered triage job proposes once), and who claimed it
 * for execution and when (the at-most-once claim; rate limits count `executing_since`). Every ADD
 * COLUMN is metadata-only; 0001 created no rows.
 */
export const migration: Migration = {
  id: '0012_response_actions',
  sql: `
ALTER TABLE actions
  ADD COLUMN target_type text NOT NULL DEFAULT 'host',
  ADD COLUMN origin text NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual','recommended')),
  ADD COLUMN reason text,
  ADD COLUMN mode text NOT NULL DEFAULT 'supervised' CHECK (mode IN ('assisted','supervised','autonomous')),
  ADD COLUMN decision jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN policy_version integer NOT NULL DEFAULT 0,
  ADD COLUMN decision_comment text,
  ADD COLUMN connector text,
  ADD COLUMN dry_run boolean NOT NULL DEFAULT false,
  ADD COLUMN error_code text,
  ADD COLUMN dedupe_key text,
  ADD COLUMN executing_since timestamptz,
  ADD COLUMN claimed_by text;
CREATE UNIQUE INDEX actions_dedupe_idx ON actions (incident_id, dedupe_key);
DROP INDEX actions_pending_idx;
CREATE INDEX actions_pending_idx ON actions (approval_level, created_at) WHERE approval_status = 'pending';
CREATE INDEX actions_expiry_idx ON actions (expires_at) WHERE approval_status = 'pending';
CREATE INDEX actions_executing_idx ON actions (executing_since) WHERE approval_status = 'executing';
CREATE INDEX actions_started_idx ON actions (action_type, executing_since) WHERE executing_since IS NOT NULL;
CREATE INDEX actions_created_idx ON actions (created_at DESC, id);
`,
};
