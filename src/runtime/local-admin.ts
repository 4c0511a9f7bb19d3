import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Embedded mode: the local admin API key, for `npm run demo` and the CLI (mode 0600, like webhook-secrets.json). */
export function localAdminKeyFile(dataDir: string): string {
  return join(resolve(dataDir), 'admin-api-key');
}

export function writeLocalAdminKey(dataDir: string, key: string): void {
  mkdirSync(resolve(dataDir), { recursive: true });
  const file = localAdminKeyFile(dataDir);
  writeFileSync(file, key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The local admin key, or null when the data dir has none (distributed mode, or never started). */
export function readLocalAdminKey(dataDir: string): string | null {
  if (dataDir.startsWith('memory://')) return null;
  try {
    const key = readFileSync(localAdminKeyFile(dataDir), 'utf8').trim();
    return key || null;
  } catch {
    return null;
  }
}
