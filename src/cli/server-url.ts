import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Embedded mode: where a running `start` listens, written to TW_DATA_DIR/server.json once it is up
 * and removed when it stops, so that `demo` finds a server started with TW_PORT=0 or another port.
 */
export function serverUrlFile(dataDir: string): string {
  return join(resolve(dataDir), 'server.json');
}

export function writeServerUrl(dataDir: string, url: string): void {
  writeFileSync(serverUrlFile(dataDir), JSON.stringify({ url, pid: process.pid }) + '\n');
}

/** Removes the file if this process wrote it (a second `start` that failed must not remove the first's). */
export function removeServerUrl(dataDir: string): void {
  const file = serverUrlFile(dataDir);
  if (readFile(file)?.pid === process.pid) rmSync(file, { force: true });
}

/** The URL of the server running on `dataDir`, or null: no file, a bad one, or its process is gone. */
export function readServerUrl(dataDir: string): string | null {
  if (dataDir.startsWith('memory://')) return null;
  const found = readFile(serverUrlFile(dataDir));
  return found && alive(found.pid) ? found.url : null;
}

function readFile(file: string): { url: string; pid: number } | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown; pid?: unknown };
    return typeof parsed.url === 'string' && /^https?:\/\//.test(parsed.url) && Number.isInteger(parsed.pid)
      ? { url: parsed.url, pid: parsed.pid as number }
      : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
