import { randomBytes } from 'node:crypto';
import { SqlReplayGuard, SqlWebhookSourceStore, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, webhookSourceOrigin, type Config } from '../config/index.ts';
import { SecretBox, parseEncryptionKey } from '../core/webhooks/secret-box.ts';
import { WebhookSourceService } from '../core/webhooks/webhook-sources.service.ts';
import type { EventBus, Logger } from '../ports/index.ts';
import { ensureLocalEncryptionKey, ensureLocalSecrets } from './local-secrets.ts';

const NO_KEY =
  'set webhooks.encryption_key (TW_WEBHOOKS__ENCRYPTION_KEY) to 32 random bytes, base64 or hex, on every API process';

/** True for a data folder on disk (not `memory://`): only then are local files written. */
function onDisk(config: Config): boolean {
  return selectedModes(config).database === 'pglite' && !config.data_dir.startsWith('memory://');
}

/**
 * The box sealing managed webhook secrets: the configured key; in embedded mode without one, a key
 * generated into the data folder (or a throwaway one for an in-memory database); distributed mode
 * without a key gets none, and says why.
 */
export function webhookSecretBox(config: Config): { box: SecretBox | null; reason?: string; origin: string } {
  const previous = config.webhooks.previous_encryption_keys.map((k) => parseEncryptionKey(k));
  if (config.webhooks.encryption_key) {
    return {
      box: new SecretBox(parseEncryptionKey(config.webhooks.encryption_key), previous),
      origin: 'config',
    };
  }
  if (selectedModes(config).database === 'pglite') {
    if (!onDisk(config)) return { box: new SecretBox(randomBytes(32), previous), origin: 'memory' };
    const key = parseEncryptionKey(ensureLocalEncryptionKey(config.data_dir));
    return { box: new SecretBox(key, previous), origin: 'data folder' };
  }
  return { box: null, reason: NO_KEY, origin: 'none' };
}

/**
 * Webhook sources and the replay guard for one process: config/env sources, managed ones from the
 * database, and (embedded, on disk) the local secrets file, merged per source with config first.
 * Logs at start which sources exist and where each comes from — names only, never a secret.
 */
export async function createWebhookSources(
  config: Config,
  database: SqlDatabase,
  bus: EventBus,
  log: Logger,
): Promise<{ sources: WebhookSourceService; replays: SqlReplayGuard }> {
  const { box, reason, origin } = webhookSecretBox(config);
  const local = onDisk(config) ? ensureLocalSecrets(config.data_dir) : {};
  const sources = new WebhookSourceService({
    store: new SqlWebhookSourceStore(database),
    bus,
    log: log.child({ component: 'webhook-sources' }),
    box,
    ...(reason ? { noKeyReason: reason } : {}),
    configured: config.webhooks.sources,
    configuredOrigin: (name) => webhookSourceOrigin(config, name),
    local,
    rotationGraceMs: config.webhooks.rotation_grace,
  });
  if (!box) log.warn({}, `managed webhook sources cannot be created or rotated: ${NO_KEY}`);
  else log.debug({ key_id: box.keyId, key_from: origin }, 'webhook secret encryption key');
  const listed = await sources.origins();
  const byOrigin: Record<string, string[]> = {};
  for (const { name, origin: o } of listed) (byOrigin[o] ??= []).push(name);
  log.info({ sources: byOrigin }, 'webhook sources (by where they are configured)');
  for (const [name, s] of Object.entries(config.webhooks.sources)) {
    if (s.unsigned)
      log.warn(
        { source: name },
        'webhook source accepts UNSIGNED requests (webhooks.sources.<name>.unsigned)',
      );
  }
  const noTs = Object.entries(config.webhooks.sources)
    .filter(([, s]) => !s.unsigned && !s.require_timestamp)
    .map(([name]) => name);
  if (noTs.length)
    log.info(
      { sources: noTs },
      'configured webhook sources accept requests without X-Webhook-Timestamp (no replay guard for those); set webhooks.sources.<name>.require_timestamp',
    );
  // Not awaited: a bus that is not reachable yet must not hold the start (the TTL bounds staleness).
  void sources.start();
  return { sources, replays: new SqlReplayGuard(database) };
}
