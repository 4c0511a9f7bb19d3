/** Where a webhook source's settings come from. Only `database` sources can be changed at run time. */
export type SourceOrigin = 'config' | 'env' | 'database' | 'local';

/** A source declared in the config file or by `TW_WEBHOOK_SECRET_<SOURCE>` (read-only at run time). */
export interface ConfiguredSource {
  secret?: string;
  unsigned?: boolean;
  /** Default false for configured sources (backwards compatible); documented in CONFIGURATION.md. */
  require_timestamp?: boolean;
  rate_limit?: number;
}

/** The settings that authenticate one webhook request, secrets in clear (kept in memory only). */
export interface ResolvedSource {
  /** The name whose settings matched (`defender`, or `microsoft-graph` for an alias without its own). */
  name: string;
  /** What incidents record as their source (`defender` → `microsoft-graph`). */
  canonical: string;
  origin: SourceOrigin;
  enabled: boolean;
  unsigned: boolean;
  requireTimestamp: boolean;
  /** Requests per minute; null = unlimited. */
  rateLimit: number | null;
  /** Valid secrets: the current one, then the previous one during a rotation's grace. */
  secrets: readonly string[];
}

/** A source as the management API shows it: never a secret. */
export interface WebhookSourceView {
  name: string;
  /** `config` covers the config file and environment variables. */
  origin: 'config' | 'database' | 'local';
  /** Config and local-file sources cannot be changed through the API. */
  read_only: boolean;
  enabled: boolean;
  unsigned: boolean;
  require_timestamp: boolean;
  rate_limit: number | null;
  has_secret: boolean;
  /** Id of the encryption key sealing the current secret (database sources). */
  key_id: string | null;
  /** Set while a rotated-out secret is still accepted. */
  previous_secret_valid_until: string | null;
  rotated_at: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** What `create` takes (the API body, the CLI flags). */
export interface NewWebhookSource {
  name: string;
  /** The secret to use; without one (and unless `unsigned`) a random one is generated. */
  secret?: string;
  /** Explicitly ask for a generated secret (the default when no secret is given). */
  generate?: boolean;
  unsigned?: boolean;
  /** Default true: a request without X-Webhook-Timestamp is refused. */
  require_timestamp?: boolean;
  enabled?: boolean;
  rate_limit?: number | null;
}

/** What `update` may change; absent keys stay. `rate_limit: null` removes the limit. */
export interface WebhookSourceChange {
  enabled?: boolean;
  unsigned?: boolean;
  require_timestamp?: boolean;
  rate_limit?: number | null;
}

/** A view plus the secret, returned once by create and rotate. */
export interface WebhookSourceWithSecret {
  source: WebhookSourceView;
  /** The new secret in clear, shown once; absent for unsigned sources. */
  secret?: string;
}
