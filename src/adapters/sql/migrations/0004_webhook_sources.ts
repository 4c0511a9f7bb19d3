import type { Migration } from '../migrations.ts';

// Managed webhook sources (#9 part 7) and a durable replay guard (#10 item 7). 0001's plaintext
// `secret` column was never written: it goes, so that no secret can land there in clear. A
// secret is an AES-256-GCM envelope (core/webhooks/secret-box.ts) with the id of the key that
// sealed it; during a rotation the previous one stays valid until retired or its grace ends.
export const migration: Migration = {
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
};
