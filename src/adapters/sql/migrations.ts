import { migration as m0012ResponseActions } from './migrations/0012_response_actions.ts';
import { migration as policiesMigration } from './migrations/0013_policies.ts';
import { migration as m0014Connectors } from './migrations/0014_connectors.ts';
import { migration as casework0015 } from './migrations/0015_casework.ts';
import { migration as closedAt0016 } from './migrations/0016_incident_closed_at.ts';
import { migration as m0017Instances } from './migrations/0017_instances.ts';

/**
 * The one set of migrations, run unchanged on PGlite (PostgreSQL 18) and PostgreSQL 15. Append only:
 * never edit a migration that has shipped. Each runs in its own transaction.
 */

export interface Migration {
  id: string;
  sql: string;
}

const STATUS_CHECK = `'new','enriching','analyzing','pending_review','pending_approval','executing','resolved','false_positive','dismissed','escalated','closed'`;
const SEVERITY_CHECK = `'info','low','medium','high','critical'`;

export const MIGRATIONS: readonly Migration[] = [
  {
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
  },
  {
    // The incident list (#5): every index ends in the list's sort key plus the id tiebreak, so a
    // keyset cursor is one index range; the composite ones let the capped count run as an index-only
    // scan. Each btree replaces a 0001 index; the one addition is a partial GIN for high/critical.
    // JIT off for the database (a per-database setting: no session SET, so it holds through PgBouncer
    // and on replicas): on 1M incidents it added 6-60 ms to 0001's count(*) and 108 ms to an
    // unindexed sort, for short OLTP statements. Only the owner may set it; otherwise the database
    // keeps the server's setting. Likewise client_connection_check_interval = 1s: a statement whose
    // client died (a worker killed with -9 while its step waits on a lock) is aborted within a second
    // instead of committing later on its own; each step is one autocommitted statement since #5.
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
  },
  {
    // Identity and access (#9): users (password or single sign-on), API keys and dashboard sessions
    // (only hashes of their secrets), and the authentication events admins query.
    id: '0003_identity',
    sql: `
CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL,
  email text,
  display_name text,
  role text NOT NULL CHECK (role IN ('admin','analyst','viewer')),
  approval_level text NOT NULL DEFAULT 'analyst' CHECK (approval_level IN ('analyst','senior','manager')),
  password_hash text,
  disabled boolean NOT NULL DEFAULT false,
  sso_issuer text,
  sso_subject text,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((sso_issuer IS NULL) = (sso_subject IS NULL))
);
CREATE UNIQUE INDEX users_username_idx ON users (lower(username));
CREATE UNIQUE INDEX users_sso_idx ON users (sso_issuer, sso_subject);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  prefix text NOT NULL UNIQUE,
  key_hash text NOT NULL UNIQUE,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin','analyst','viewer')),
  scopes text[],
  created_by text NOT NULL,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_created_idx ON api_keys (created_at DESC, id DESC);

CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE auth_events (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  actor text NOT NULL,
  subject text,
  ip text,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_events_created_idx ON auth_events (created_at DESC, id DESC);
CREATE INDEX auth_events_type_idx ON auth_events (type, created_at DESC);
CREATE INDEX auth_events_actor_idx ON auth_events (actor, created_at DESC);
`,
  },
  {
    // Managed webhook sources (#9 part 7) and a durable replay guard (#10 item 7). 0001's plaintext
    // `secret` column was never written: it goes, so that no secret can land there in clear. A
    // secret is an AES-256-GCM envelope (core/webhooks/secret-box.ts) with the id of the key that
    // sealed it; during a rotation the previous one stays valid until retired or its grace ends.
    id: '0004_webhook_sources',
    sql: `
ALTER TABLE webhook_sources DROP COLUMN secret;
ALTER TABLE webhook_sources
  ADD COLUMN secret_sealed text,
  ADD COLUMN secret_key_id text,
  ADD COLUMN previous_secret_sealed text,
  ADD COLUMN previous_key_id text,
  ADD COLUMN previous_valid_until timestamptz,
  ADD COLUMN require_timestamp boolean NOT NULL DEFAULT true,
  ADD COLUMN rate_limit integer CHECK (rate_limit IS NULL OR rate_limit > 0),
  ADD COLUMN rotated_at timestamptz,
  ADD COLUMN version integer NOT NULL DEFAULT 1;

-- One row per signed request (source + signature) while its timestamp can still pass the window:
-- a replay finds the row. committed is false while the alert is being ingested (a lease that
-- expires, so a crash mid-ingest does not block the vendor's retry for the whole window).
CREATE TABLE webhook_replays (
  key text PRIMARY KEY,
  committed boolean NOT NULL DEFAULT false,
  expires_at timestamptz NOT NULL
);
CREATE INDEX webhook_replays_expires_idx ON webhook_replays (expires_at);
`,
  },
  {
    // Incident lifecycle (issue 10 items 4 and 5). Repeats after closure open a new incident linked
    // to the old one (related_incident_id); triage that keeps failing is dead-lettered after
    // triage.max_attempts (triage_failed_at set, the last sanitised error kept) instead of being
    // retried forever; a leader fence taken over from a stale holder of another deployment starts a
    // new epoch, compared before the term. Every ADD COLUMN is metadata-only (constant default).
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
  },
  {
    // Playbooks (issue 11 part 1). 0001's playbooks table was never written: it is replaced by one
    // keyed by name that keeps the YAML as written (compiled by each process), where it came from and
    // the hash of the file it was last loaded from (so a restart does not undo an API edit unless the
    // file changed). History per version, and each SLA breach recorded once per incident and kind.
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
  },
  {
    // The LLM analyst (issue 11 part 4): one transcript per (incident, pipeline step, run/attempt),
    // what left the process (redacted), the verdict and who decided it. The unique key is what lets a
    // redelivered job find the stored result instead of calling the model again.
    id: '0007_llm_transcripts',
    sql: `
CREATE TABLE llm_transcripts (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  step_key text NOT NULL,
  attempt_key text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  -- in_progress: the conversation so far, stored after each model turn so a redelivered job resumes it.
  outcome text NOT NULL CHECK (outcome IN ('verdict','fallback','in_progress')),
  decided_by text CHECK (decided_by IN ('llm','deterministic')),
  fallback_reason text,
  verdict jsonb,
  messages jsonb NOT NULL DEFAULT '[]',
  iterations integer NOT NULL DEFAULT 0,
  tool_calls integer NOT NULL DEFAULT 0,
  unknown_tool_calls integer NOT NULL DEFAULT 0,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost_usd double precision,
  latency_ms integer NOT NULL DEFAULT 0,
  injection jsonb NOT NULL DEFAULT '[]',
  redactions jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (incident_id, step_key, attempt_key),
  CHECK ((outcome = 'in_progress') = (verdict IS NULL) AND (outcome = 'in_progress') = (decided_by IS NULL))
);
`,
  },
  {
    // Triage as playbook steps (issue 11): each triage run of an incident is numbered (triage_run,
    // raised when triage starts) and remembers the playbook that drove it; each step of a run that
    // was applied, skipped or decided is one triage_steps row, so a redelivered job resumes after the
    // last recorded step and never applies one twice. Every ADD COLUMN is metadata-only.
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
  },
  {
    // Email analyses (issue 11 part 3, docs/EMAIL-ANALYSIS.md): one row per raw message analysed for an
    // incident (uploaded, or found in one of its alerts), deduplicated by the message's SHA-256. The
    // findings are kept whole as JSON; the columns are what lists and audits need.
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
  },
  {
    // Threat intel (issue 11): the intel vocabulary is malicious / suspicious / clean / unknown
    // ("benign" stays the incident classification only), and each enrichment keeps when its source
    // first and last saw the indicator. The inline CHECK of 0001 is named enrichments_verdict_check
    // on every PostgreSQL; both ADD COLUMNs are metadata-only (no default).
    id: '0010_intel',
    sql: `
ALTER TABLE enrichments DROP CONSTRAINT enrichments_verdict_check;
UPDATE enrichments SET verdict = 'clean' WHERE verdict = 'benign';
ALTER TABLE enrichments
  ADD CONSTRAINT enrichments_verdict_check CHECK (verdict IN ('malicious','suspicious','clean','unknown')),
  ADD COLUMN first_seen timestamptz,
  ADD COLUMN last_seen timestamptz;
`,
  },
  {
    // Audit chain (issue 12, docs/AUDIT.md): audit_log outlives incidents (no foreign key, its own
    // retention) and every row is hash-chained to the previous one. A BEFORE INSERT trigger takes the
    // single-row chain head FOR UPDATE (held to commit: writers of the deployment append one at a
    // time, so the chain never forks), numbers the row (seq), links it (prev_hash) and hashes it. Every
    // existing INSERT INTO audit_log is chained without a change and without an extra round trip.
    // UPDATE is refused; DELETE is retention's job, which moves the recorded anchor forward.
    id: '0011_audit_chain',
    sql: `
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_incident_id_fkey;
ALTER TABLE audit_log ADD COLUMN seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;

-- The canonical serialisation of a row (docs/AUDIT.md), mirrored by src/adapters/sql/audit-chain.ts:
-- 'tw-audit-v1;' then each field as <octets>:<text>; (null as 'null;'), created_at as epoch microseconds.
CREATE FUNCTION audit_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT CASE WHEN v IS NULL THEN 'null;' ELSE octet_length(v)::text || ':' || v || ';' END
$f$;
CREATE FUNCTION audit_row_hash(seq bigint, prev_hash text, created_at timestamptz, actor text,
    action text, incident_id uuid, details jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT encode(sha256(convert_to('tw-audit-v1;' || audit_field(seq::text) || audit_field(prev_hash)
    || audit_field((extract(epoch FROM created_at) * 1000000)::bigint::text) || audit_field(actor)
    || audit_field(action) || audit_field(incident_id::text) || audit_field(details::text), 'UTF8')), 'hex')
$f$;

-- The head (last seq and hash) and the anchor (the oldest retained row's seq and prev_hash).
CREATE TABLE audit_chain (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash text NOT NULL
);
CREATE TABLE audit_anchor (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  prev_hash text NOT NULL,
  moved_at timestamptz
);

DO $d$
DECLARE
  r record;
  s bigint := 0;
  h text := repeat('0', 64);
BEGIN
  INSERT INTO audit_anchor (seq, prev_hash) VALUES (1, h);
  FOR r IN SELECT id, created_at, actor, action, incident_id, details FROM audit_log ORDER BY id LOOP
    s := s + 1;
    UPDATE audit_log SET seq = s, prev_hash = h,
      hash = audit_row_hash(s, h, r.created_at, r.actor, r.action, r.incident_id, r.details)
    WHERE id = r.id RETURNING hash INTO h;
  END LOOP;
  INSERT INTO audit_chain (seq, hash) VALUES (s, h);
END
$d$;

ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log (seq);

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM audit_chain WHERE id FOR UPDATE;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.hash := audit_row_hash(NEW.seq, NEW.prev_hash, NEW.created_at, NEW.actor, NEW.action,
    NEW.incident_id, NEW.details);
  UPDATE audit_chain SET seq = NEW.seq, hash = NEW.hash WHERE id;
  RETURN NEW;
END
$f$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$f$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
`,
  },
  m0012ResponseActions,
  policiesMigration,
  m0014Connectors,
  casework0015,
  closedAt0016,
  m0017Instances,
];
