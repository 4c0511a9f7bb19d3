import type { Migration } from '../migrations.ts';

/**
 * Case work (docs/CASEWORK.md): assignment and the originals of analyst overrides on incidents,
 * comments, saved views, and the indexes that keep the list's assignee filter and the extended `q`
 * (indicators, hosts, users, raw alert payloads) usable at 100,000+ incidents.
 */
export const migration: Migration = {
  id: '0015_casework',
  sql: `
ALTER TABLE incidents
  ADD COLUMN assignee text,
  ADD COLUMN assigned_at timestamptz,
  ADD COLUMN original_severity text CHECK (original_severity IN ('info','low','medium','high','critical')),
  ADD COLUMN original_incident_type text;
CREATE INDEX incidents_assignee_created_idx ON incidents (assignee, created_at DESC, id DESC)
  WHERE assignee IS NOT NULL;
CREATE INDEX incidents_tags_idx ON incidents USING gin (tags);

-- q over indicators: equality and prefix on the lowered value (LIKE 'abc%' walks this btree).
CREATE INDEX indicators_lower_value_idx ON indicators (lower(value) text_pattern_ops);
-- q over hosts and users named in the normalised assets ([{kind, name}]): containment, any case.
CREATE INDEX incidents_assets_lower_idx ON incidents USING gin ((lower(assets::text)::jsonb) jsonb_path_ops);
-- q over raw payloads: words of the first 32 KiB of each alert's JSON text (bounded per alert).
CREATE INDEX alerts_raw_search_idx ON alerts USING gin (to_tsvector('simple', left(raw::text, 32768)));

CREATE TABLE incident_comments (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  author text NOT NULL,
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
  mentions text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_comments_incident_idx ON incident_comments (incident_id, created_at, id);

CREATE TABLE saved_views (
  id uuid PRIMARY KEY,
  owner text NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  query jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner, name)
);
`,
};
