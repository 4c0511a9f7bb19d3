import type { Migration } from '../migrations.ts';

// Identity and access (#9): users (password or single sign-on), API keys and dashboard sessions
// (only hashes of their secrets), and the authentication events admins query.
export const migration: Migration = {
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
};
