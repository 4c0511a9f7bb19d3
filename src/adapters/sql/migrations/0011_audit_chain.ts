import type { Migration } from '../migrations.ts';

// Audit chain (issue 12, docs/AUDIT.md): audit_log outlives incidents (no foreign key, its own
// retention) and every row is hash-chained to the previous one. A BEFORE INSERT trigger takes the
// single-row chain head FOR UPDATE (held to commit: writers of the deployment append one at a
// time, so the chain never forks), numbers the row (seq), links it (prev_hash) and hashes it. Every
// existing INSERT INTO audit_log is chained without a change and without an extra round trip.
// UPDATE is refused; DELETE is retention's job, which moves the recorded anchor forward.
export const migration: Migration = {
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
};
