import { chmodSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** Emscripten's NODEFS, as far as we touch it (stream_ops and node_ops are shared by every node). */
interface EmscriptenNode {
  parent: EmscriptenNode;
  mode: number;
}
type Op = (...args: never[]) => unknown;
interface NodeFsModule {
  realPath(node: EmscriptenNode): string;
  stream_ops: Record<string, Op>;
  node_ops: Record<string, Op>;
}
interface PostgresModule {
  NODEFS: NodeFsModule;
  FS: { isDir(mode: number): boolean };
}

/** Owner-only modes: nothing in the data folder is for other users (it holds every alert). */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/**
 * PGlite's Node filesystem made durable. PGlite runs PostgreSQL with `fsync=off` and Emscripten's
 * `fdatasync` is a no-op, so on its own a committed transaction survives kill -9 (it is in the OS
 * page cache) but not an OS crash or power loss. This filesystem records every file PostgreSQL
 * writes, creates, truncates, renames or deletes (and their folders) and fsyncs exactly those in
 * `syncToFs`, which PGlite awaits after every statement that ends outside a transaction block
 * (autocommit or COMMIT) before the query resolves. So once a query (an ingest batch, a resolve)
 * has answered, its WAL is on stable storage; usually that is one file, the current WAL segment.
 *
 * New files are created 0600 and folders 0700 (Emscripten would create them 0666/0777).
 */
export class DurableNodeFS extends NodeFS {
  private readonly dirty = new Set<string>();

  /** `onSync` is told which paths each sync made durable (tests, metrics). Default none. */
  constructor(
    dataDir: string,
    private readonly onSync?: (paths: readonly string[]) => void,
  ) {
    super(dataDir);
  }

  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts);
    const preRun = [emscriptenOpts.preRun ?? []].flat();
    preRun.push((mod: unknown) => this.track(mod as PostgresModule));
    return { emscriptenOpts: { ...emscriptenOpts, preRun } };
  }

  /** How many paths wait for an fsync (tests). */
  pendingSyncs(): number {
    return this.dirty.size;
  }

  override async syncToFs(): Promise<void> {
    if (this.dirty.size === 0) return;
    const paths = [...this.dirty];
    this.dirty.clear();
    try {
      await Promise.all(paths.map(fsyncPath));
      this.onSync?.(paths);
    } catch (err) {
      for (const p of paths) this.dirty.add(p); // synced again next time; this caller gets the error
      throw err;
    }
  }

  override async closeFs(): Promise<void> {
    await this.syncToFs();
    await super.closeFs();
  }

  private track(mod: PostgresModule): void {
    const N = mod.NODEFS;
    const mark = (node: EmscriptenNode) => this.dirty.add(N.realPath(node));
    const markChild = (dir: EmscriptenNode, name: string) => {
      this.dirty.add(N.realPath(dir));
      this.dirty.add(`${N.realPath(dir)}/${name}`);
    };
    // A chmod (PGlite sets the modes of the files it unpacks from its initdb image) stays owner-only.
    const ownerOnly = (node: EmscriptenNode, attr: { mode?: number | null }) => {
      if (attr.mode != null) {
        attr.mode = (attr.mode & ~0o777) | (mod.FS.isDir(node.mode) ? DATA_DIR_MODE : DATA_FILE_MODE);
      }
    };
    wrap(N.stream_ops, 'write', (stream: { node: EmscriptenNode }) => mark(stream.node));
    wrap(N.stream_ops, 'setattr', (stream: { node: EmscriptenNode }, attr: { mode?: number | null }) => {
      ownerOnly(stream.node, attr);
      mark(stream.node);
    });
    wrap(N.node_ops, 'setattr', (node: EmscriptenNode, attr: { mode?: number | null }) => {
      ownerOnly(node, attr);
      mark(node);
    });
    wrap(N.node_ops, 'unlink', (dir: EmscriptenNode) => mark(dir));
    wrap(N.node_ops, 'rmdir', (dir: EmscriptenNode) => mark(dir));
    wrap(N.node_ops, 'symlink', (dir: EmscriptenNode, name: string) => markChild(dir, name));
    wrap(N.node_ops, 'rename', (node: EmscriptenNode, dir: EmscriptenNode, name: string) => {
      mark(node.parent);
      markChild(dir, name);
    });
    const mknod = N.node_ops.mknod!;
    N.node_ops.mknod = ((dir: EmscriptenNode, name: string, mode: number, dev: number) => {
      const node = (mknod as (...a: unknown[]) => EmscriptenNode)(dir, name, mode, dev);
      const path = N.realPath(node);
      chmodSync(path, mod.FS.isDir(node.mode) ? DATA_DIR_MODE : DATA_FILE_MODE);
      markChild(dir, name);
      return node;
    }) as Op;
  }
}

/** Calls `before` with the operation's arguments, then the operation (its result and errors unchanged). */
function wrap<A extends unknown[]>(
  ops: Record<string, Op>,
  name: string,
  before: (...args: A) => void,
): void {
  const original = ops[name];
  if (!original) return;
  ops[name] = ((...args: A) => {
    before(...args);
    return (original as (...a: A) => unknown)(...args);
  }) as Op;
}

async function fsyncPath(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // deleted since: its folder is synced
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
