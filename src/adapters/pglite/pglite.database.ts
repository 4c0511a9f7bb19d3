import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { SqlDatabase } from '../sql/database.ts';
import type { DB } from '../sql/schema.ts';
import { translateDatabaseError } from '../sql/sql.errors.ts';
import { PGliteDialect } from './pglite.dialect.ts';
import { DATA_DIR_MODE, DATA_FILE_MODE, DurableNodeFS } from './pglite.durable-fs.ts';

/**
 * PGlite's shared_buffers here. PostgreSQL's default, 128MB, lives in the WASM heap of a process
 * that also serves HTTP; an embedded install's working set is far smaller and the OS page cache
 * still holds the files (16MB cut idle RSS by ~130 MB, docs/BENCHMARKS.md "Embedded footprint").
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

export interface PGliteOpenOptions {
  /** PostgreSQL's shared_buffers (e.g. `16MB`). Default: PGLITE_SHARED_BUFFERS. */
  sharedBuffers?: string | undefined;
  /**
   * A data folder made by `triage-warden migrate` (initdb done, migrations applied) whose `pg/` is
   * copied into a new data folder instead of running initdb and every migration in this process.
   * Ignored when absent or when the data folder already holds a database. Default: none.
   */
  template?: string | undefined;
  /**
   * Let V8 tier PGlite's hot WebAssembly up to its optimizing compiler (TurboFan). Default false:
   * the baseline compiler (Liftoff) only, see {@link useWasmOptimizer}.
   */
  wasmOptimizer?: boolean | undefined;
  /** Told when a phase of opening ends (`template copied`, `PGlite opened`), for the start-up log. */
  phase?: ((name: string) => void) | undefined;
}

/**
 * Chooses V8's WebAssembly compilers before PGlite compiles its module (a process-wide V8 flag; the
 * module is compiled per PGlite instance, so it applies to the next open). By default V8 compiles a
 * function with Liftoff on its first call and recompiles the hot ones with TurboFan in the
 * background; PostgreSQL's start-up alone makes hundreds of its functions "hot", and their
 * optimized code and TurboFan's working memory stayed in the process: ~50 MB more at idle and
 * ~60–90 MB more at peak, a slower open, and no less CPU time even over 12,000 statements
 * (measured, docs/ARCHITECTURE.md "Embedded footprint"). An embedded install's queries are small;
 * the optimizer can pay off only for long CPU-heavy ones (`database.pglite_wasm_optimizer: true`).
 */
export function useWasmOptimizer(on: boolean): void {
  setFlagsFromString(on ? '--no-liftoff-only' : '--liftoff-only');
}

/**
 * Embedded PostgreSQL in a data folder. One process may own a folder at a time: a lock file with
 * our pid guards it (a stale lock from a dead process is taken over). Durable: every statement that
 * commits is fsynced before it answers (DurableNodeFS). The folder is the owner's only: 0700, its
 * files 0600 (an older folder is tightened on open).
 * Pass `null` or `memory://` for an in-memory database (tests, throwaway demos).
 */
export async function openPGliteDatabase(
  dir: string | null,
  options: PGliteOpenOptions = {},
): Promise<SqlDatabase> {
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
    useWasmOptimizer(options.wasmOptimizer ?? false);
    if (dataDir) {
      const pgDir = join(resolve(dataDir), 'pg');
      const copied = copyTemplate(pgDir, options.template);
      if (copied) options.phase?.('template copied');
      try {
        pglite = await openDir(pgDir, options);
      } catch (err) {
        if (!copied) throw err;
        // A template from another PGlite/PostgreSQL version: start from scratch instead.
        rmSync(pgDir, { recursive: true, force: true });
        pglite = await openDir(pgDir, options);
      }
    } else {
      pglite = await PGlite.create({ startParams: startParams(options) });
    }
  } catch (err) {
    if (lockFile) rmSync(lockFile, { force: true });
    throw err;
  }
  options.phase?.('PGlite opened');
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

function startParams(options: PGliteOpenOptions): string[] {
  const buffers = options.sharedBuffers ?? PGLITE_SHARED_BUFFERS;
  if (!/^\d+(kB|MB|GB)$/.test(buffers)) throw new Error(`shared_buffers must look like 16MB, not ${buffers}`);
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${buffers}`];
}

async function openDir(pgDir: string, options: PGliteOpenOptions): Promise<PGlite> {
  mkdirSync(pgDir, { recursive: true, mode: DATA_DIR_MODE });
  ownerOnly(pgDir);
  const fs = new DurableNodeFS(pgDir);
  const pglite = await PGlite.create({ fs, startParams: startParams(options) });
  await fs.syncToFs(); // what start-up wrote (initdb, crash recovery)
  return pglite;
}

/** Copies the template's `pg/` into a data folder that has no database yet; true when it did. */
function copyTemplate(pgDir: string, template: string | undefined): boolean {
  if (!template || existsSync(join(pgDir, 'PG_VERSION'))) return false;
  const source = join(resolve(template), 'pg');
  if (!existsSync(join(source, 'PG_VERSION'))) return false;
  rmSync(pgDir, { recursive: true, force: true });
  cpSync(source, pgDir, { recursive: true });
  // The lock and postmaster files of the process that made it are not ours.
  rmSync(join(pgDir, 'postmaster.pid'), { force: true });
  return true;
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
