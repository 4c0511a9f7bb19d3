import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Vendor sources that embedded mode provisions for local use when none are configured. */
export const LOCAL_SOURCES = [
  'crowdstrike',
  'splunk',
  'microsoft-graph',
  'guardduty',
  'okta',
  'elastic',
  'generic',
] as const;

export function localSecretsFile(dataDir: string): string {
  return join(resolve(dataDir), 'webhook-secrets.json');
}

/**
 * Embedded mode only: one random secret per vendor source, kept in the data folder (mode 0600) so
 * `triage-warden demo` and local tools can sign. Merged under configured and managed sources (those
 * win per source). Distributed deployments configure secrets explicitly.
 */
export function ensureLocalSecrets(dataDir: string): Record<string, string> {
  const file = localSecretsFile(dataDir);
  if (existsSync(file)) return readLocalSecrets(dataDir) ?? {};
  mkdirSync(resolve(dataDir), { recursive: true });
  const secrets = Object.fromEntries(LOCAL_SOURCES.map((s) => [s, randomBytes(24).toString('hex')]));
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

export function readLocalSecrets(dataDir: string): Record<string, string> | null {
  try {
    return JSON.parse(readFileSync(localSecretsFile(dataDir), 'utf8')) as Record<string, string>;
  } catch {
    return null;
  }
}

export function localEncryptionKeyFile(dataDir: string): string {
  return join(resolve(dataDir), 'webhook-encryption.key');
}

/**
 * Embedded mode without `webhooks.encryption_key`: the key sealing managed webhook secrets, generated
 * once into the data folder (mode 0600, beside the database it protects: it guards against a leaked
 * database dump or backup of the `pg` folder alone, not against someone who holds the whole folder).
 */
export function ensureLocalEncryptionKey(dataDir: string): string {
  const file = localEncryptionKeyFile(dataDir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(dataDir), { recursive: true });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
