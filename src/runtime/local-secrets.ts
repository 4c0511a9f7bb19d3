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
 * Embedded mode only, and only when no webhook source is configured: one random secret per vendor
 * source, kept in the data folder (mode 0600) so `triage-warden demo` and local tools can sign.
 * Distributed deployments configure secrets explicitly.
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
