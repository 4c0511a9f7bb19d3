import { randomBytes } from 'node:crypto';
import { SqlConnectorStore, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import { ConnectorSecrets } from '../core/response/connector-secrets.ts';
import { ConnectorService } from '../core/response/connectors.service.ts';
import { SecretBox, parseEncryptionKey } from '../core/webhooks/secret-box.ts';
import {
  CachedConnectorDirectory,
  type ConnectorCallCounter,
} from '../extensions/actions/connector-directory.ts';
import { GuardedHttp } from '../extensions/actions/http/outbound.ts';
import { CONNECTOR_KINDS } from '../extensions/actions/kinds/index.ts';
import type { EventBus, Logger } from '../ports/index.ts';
import { ensureLocalEncryptionKey } from './local-secrets.ts';

const NO_KEY =
  'set response.connectors.encryption_key (TW_RESPONSE__CONNECTORS__ENCRYPTION_KEY) or webhooks.encryption_key to 32 random bytes, base64 or hex, on every process';

function key(text: string, name: string): Buffer {
  try {
    return parseEncryptionKey(text);
  } catch {
    throw new Error(`${name} must be 32 bytes, as 64 hex characters or base64`);
  }
}

/**
 * The key sealing connector credentials (docs/CONNECTORS.md "Key rotation"):
 * `response.connectors.encryption_key`, else `webhooks.encryption_key`, else in embedded mode the
 * key generated into the data folder (a throwaway one for an in-memory database). Distributed mode
 * without a key gets none: the process starts, and storing credentials answers 409
 * ENCRYPTION_KEY_MISSING. Every previous key (both settings' lists, and the webhook key when a
 * connector key of its own is set) still opens what it sealed.
 */
export function connectorSecretBox(config: Config): { box: SecretBox | null; origin: string } {
  const previous = [
    ...config.response.connectors.previous_encryption_keys.map((k) =>
      key(k, 'response.connectors.previous_encryption_keys'),
    ),
    ...config.webhooks.previous_encryption_keys.map((k) => key(k, 'webhooks.previous_encryption_keys')),
  ];
  const own = config.response.connectors.encryption_key;
  const webhook = config.webhooks.encryption_key;
  if (own) {
    const older = webhook ? [key(webhook, 'webhooks.encryption_key'), ...previous] : previous;
    return { box: new SecretBox(key(own, 'response.connectors.encryption_key'), older), origin: 'config' };
  }
  if (webhook)
    return { box: new SecretBox(key(webhook, 'webhooks.encryption_key'), previous), origin: 'webhooks' };
  if (selectedModes(config).database === 'pglite') {
    if (config.data_dir.startsWith('memory://'))
      return { box: new SecretBox(randomBytes(32), previous), origin: 'memory' };
    return {
      box: new SecretBox(key(ensureLocalEncryptionKey(config.data_dir), 'the local key file'), previous),
      origin: 'data folder',
    };
  }
  return { box: null, origin: 'none' };
}

export interface ConnectorsWiring {
  directory: CachedConnectorDirectory;
  service: ConnectorService;
  stop(): void;
}

/**
 * Action connectors for one process: the management service (routes) and the directory the action
 * executor resolves connectors through, both over the `connectors` table, calling out only through
 * the SSRF-checked client built from `response.outbound`.
 */
export async function createConnectors(
  config: Config,
  database: SqlDatabase,
  bus: EventBus,
  log: Logger,
  calls?: ConnectorCallCounter,
): Promise<ConnectorsWiring> {
  const clog = log.child({ component: 'connectors' });
  const { box, origin } = connectorSecretBox(config);
  if (!box) clog.warn({}, `connector credentials cannot be stored: ${NO_KEY}`);
  else clog.debug({ key_id: box.keyId, key_from: origin }, 'connector credential encryption key');
  const outbound = config.response.outbound;
  const http = new GuardedHttp({
    allowPrivateNetworks: outbound.allow_private_networks,
    allowHttp: outbound.allow_http,
    allowHosts: outbound.allow_hosts,
  });
  if (outbound.allow_private_networks || outbound.allow_http)
    clog.warn(
      { allow_private_networks: outbound.allow_private_networks, allow_http: outbound.allow_http },
      'connectors may call private networks or plain http (response.outbound)',
    );
  const service = new ConnectorService({
    store: new SqlConnectorStore(database),
    bus,
    log: clog,
    kinds: CONNECTOR_KINDS,
    secrets: new ConnectorSecrets(box, NO_KEY),
    http,
  });
  const directory = new CachedConnectorDirectory({
    load: () => service.loadConnectors(),
    kinds: CONNECTOR_KINDS,
    http,
    bus,
    log: clog,
    ...(calls ? { calls } : {}),
  });
  // Not awaited: a bus that is not reachable yet must not hold the start (the poll bounds staleness).
  void directory
    .start()
    .catch((err: unknown) => clog.warn({ err: String(err) }, 'connectors_changed not followed'));
  return { directory, service, stop: () => directory.stop() };
}
