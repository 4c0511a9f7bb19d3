import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { SqlDatabase } from '../sql/database.ts';
import type { DB } from '../sql/schema.ts';
import { PGliteDialect } from './pglite.dialect.ts';

/**
 * Embedded PostgreSQL in a data folder. One process may own a folder at a time: a lock file with
 * our pid guards it (a stale lock from a dead process is taken over).
 * Pass `null` or `memory://` for an in-memory database (tests, throwaway demos).
 */
export async function openPGliteDatabase(dir: string | null): Promise<SqlDatabase> {
  const dataDir = dir === null || dir.startsWith('memory://') ? null : dir;
  let lockFile: string | null = null;
  if (dataDir) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    lockFile = join(dir, 'triage-warden.lock');
    takeLock(lockFile);
  }
  let pglite: PGlite;
  try {
    pglite = dataDir ? await PGlite.create(join(resolve(dataDir), 'pg')) : await PGlite.create();
  } catch (err) {
    if (lockFile) rmSync(lockFile, { force: true });
    throw err;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  let closed = false;
  return {
    kind: 'pglite',
    primary: db,
    read: (fn) => fn(db),
    async exec(script) {
      // Through the Kysely driver so that the mutex keeps other queries out of the script's transaction.
      await db.connection().execute(async (conn) => {
        void conn;
        try {
          await pglite.exec(script);
        } catch (err) {
          await pglite.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    poolStats: () => ({ primary: { total: 1, idle: 1, waiting: 0 } }),
    replicaInUse: () => false,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await pglite.close();
      if (lockFile) rmSync(lockFile, { force: true });
    },
  };
}

/**
 * The pid of the live process holding the data folder, or null when none does (no lock, a stale
 * lock, or our own). Tools use it to choose between opening the folder and asking that process.
 */
export function dataDirHolder(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(resolve(dir), 'triage-warden.lock'), 'utf8').trim());
    return pid && pid !== process.pid && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

function takeLock(file: string): void {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (pid && pid !== process.pid && isAlive(pid)) {
    throw new Error(
      `data folder ${file.replace(/\/triage-warden\.lock$/, '')} is in use by process ${pid}; ` +
        'stop it, or set TW_DATA_DIR to another folder',
    );
  }
  rmSync(file, { force: true });
  takeLock(file);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
