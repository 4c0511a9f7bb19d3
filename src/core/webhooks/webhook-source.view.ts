import type { WebhookSourceRow } from '../../ports/index.ts';
import type { ConfiguredSource, WebhookSourceView } from './webhook-source.types.ts';

/** A config or local-file source as listed: read-only, never its secret. */
export function configuredView(
  name: string,
  origin: 'config' | 'local',
  c: ConfiguredSource,
): WebhookSourceView {
  return {
    name,
    origin,
    read_only: true,
    enabled: true,
    unsigned: c.unsigned ?? false,
    require_timestamp: c.require_timestamp ?? false,
    rate_limit: c.rate_limit ?? null,
    has_secret: Boolean(c.secret),
    key_id: null,
    previous_secret_valid_until: null,
    rotated_at: null,
    created_at: null,
    updated_at: null,
  };
}

/** A managed source as listed: whether it has a secret and which key sealed it, never the secret. */
export function rowView(r: WebhookSourceRow): WebhookSourceView {
  const previous =
    r.previousSecretSealed && r.previousValidUntil && r.previousValidUntil.getTime() > Date.now()
      ? r.previousValidUntil.toISOString()
      : null;
  return {
    name: r.name,
    origin: 'database',
    read_only: false,
    enabled: r.enabled,
    unsigned: r.unsigned,
    require_timestamp: r.requireTimestamp,
    rate_limit: r.rateLimit,
    has_secret: r.secretSealed !== null,
    key_id: r.secretKeyId,
    previous_secret_valid_until: previous,
    rotated_at: r.rotatedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}
