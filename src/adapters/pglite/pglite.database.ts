import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { SqlDatabase } from '../sql/database.ts';
import type { DB } from '../sql/schema.ts';
import { translateDatabaseError } from '../sql/sql.errors.ts';
import { PGliteDialect } from './pglite.dialect.ts';
import { DATA_DIR_MODE, DATA_FILE_MODE, DurableNodeFS } from './pglite.durable-fs.ts';

/**
 * Embedded PostgreSQL in a data folder. One process may own a folder at a time: a lock file with
 * our pid guards it (a stale lock from a dead process is taken over). Durable: every statement that
 * commits is fsynced before it answers (DurableNodeFS). The folder is the owner's only: 0700, its
 * files 0600 (an older folder is tightened on open).
 * Pass `null` or `memory://` for an in-memory database (tests, throwaway demos).
 */
export async function openPGliteDatabase(dir: string | null): Promise<SqlDatabase> {
  const dataDir = dir === null || dir.startsWith('memory://') ? null : dir;
  let lockFile: string | null = null;
  if (dataDir) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
    chmodSync(dir, DATA_DIR_MODE);
    lockFile = join(dir, 'triage-warden.lock');
    takeLock(lockFile);
  }
  let pglite: PGlite;
  try {
    if (dataDir) {
      const pgDir = join(resolve(dataDir), 'pg');
      mkdirSync(pgDir, { recursive: true, mode: DATA_DIR_MODE });
      ownerOnly(pgDir);
      const fs = new DurableNodeFS(pgDir);
      pglite = await PGlite.create({ fs });
      await fs.syncToFs(); // what start-up wrote (initdb, crash recovery)
    } else {
      pglite = await PGlite.create();
    }
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
      await pglite.query('SELECT 1').catch((err: unknown) => {
        throw translateDatabaseError(err);
      });
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
    const fd = openSync(file, 'wx', DATA_FILE_MODE);
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

/** Folders 0700, files 0600, under `dir` (a folder created by an older version had 0777/0666). */
function ownerOnly(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const want = entry.isDirectory() ? DATA_DIR_MODE : entry.isFile() ? DATA_FILE_MODE : null;
    if (want !== null && (statSync(path).mode & 0o777) !== want) chmodSync(path, want);
  }
  chmodSync(dir, DATA_DIR_MODE);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
