import type { Migration } from '../migrations.ts';

/**
 * Action connectors (docs/CONNECTORS.md): one row per configured connector. Settings are plain JSON;
 * credentials are one AES-256-GCM envelope (`secrets_sealed`, sealed under `key_id`, the connector
 * name bound as additional data) and only their names are stored in clear (`secret_names`), so a
 * listing never needs the key.
 */
export const migration: Migration = {
  id: '0014_connectors',
  sql: `
CREATE TABLE connectors (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]*$' AND length(name) <= 64),
  kind text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  action_types text[] NOT NULL DEFAULT '{}',
  config jsonb NOT NULL DEFAULT '{}',
  secret_names text[] NOT NULL DEFAULT '{}',
  secrets_sealed text,
  key_id text,
  dry_run boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL,
  CHECK ((secrets_sealed IS NULL) = (key_id IS NULL))
);
`,
};
