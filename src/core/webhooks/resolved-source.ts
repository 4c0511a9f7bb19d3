import type { WebhookSourceRow } from '../../ports/index.ts';
import type { SecretBox } from './secret-box.ts';
import type { ConfiguredSource, ResolvedSource } from './webhook-source.types.ts';

/** A config/env source's settings. `require_timestamp` defaults to false here (compatibility). */
export function fromConfig(
  name: string,
  c: ConfiguredSource | undefined,
  origin: (name: string) => 'config' | 'env',
): ResolvedSource | undefined {
  if (!c) return undefined;
  return {
    name,
    canonical: name,
    origin: origin(name),
    enabled: true,
    unsigned: c.unsigned ?? false,
    requireTimestamp: c.require_timestamp ?? false,
    rateLimit: c.rate_limit ?? null,
    secrets: c.secret ? [c.secret] : [],
  };
}

/**
 * A managed source's settings with its secrets opened: the current one, then the previous one while
 * its rotation grace lasts. A secret that cannot be opened (no key, other key, tampered) is left out
 * and reported through `unreadable`, never replaced by anything that would verify.
 */
export function fromRow(
  row: WebhookSourceRow | undefined,
  box: SecretBox | null,
  unreadable: (name: string, err: Error) => void,
): ResolvedSource | undefined {
  if (!row) return undefined;
  const secrets: string[] = [];
  const open = (sealed: string | null, keyId: string | null) => {
    if (!sealed || !keyId) return;
    try {
      if (!box) throw new Error('no encryption key configured');
      secrets.push(box.open({ sealed, keyId }, row.name));
    } catch (err) {
      unreadable(row.name, err as Error);
    }
  };
  open(row.secretSealed, row.secretKeyId);
  if (row.previousValidUntil && row.previousValidUntil.getTime() > Date.now())
    open(row.previousSecretSealed, row.previousKeyId);
  return {
    name: row.name,
    canonical: row.name,
    origin: 'database',
    enabled: row.enabled,
    unsigned: row.unsigned,
    requireTimestamp: row.requireTimestamp,
    rateLimit: row.rateLimit,
    secrets,
  };
}

/** A secret from the local secrets file (embedded mode). */
export function fromLocal(name: string, secret: string | undefined): ResolvedSource | undefined {
  if (!secret) return undefined;
  // The local demo secrets predate the timestamp requirement; `triage-warden demo` sends one anyway.
  return {
    name,
    canonical: name,
    origin: 'local',
    enabled: true,
    unsigned: false,
    requireTimestamp: false,
    rateLimit: null,
    secrets: [secret],
  };
}
