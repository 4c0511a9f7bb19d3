/**
 * The compiled build the benchmarks run, the form production runs (`node dist/cli/main.js <role>`,
 * see the Dockerfile). It is compiled from the working tree with tsconfig.build.json into a snapshot
 * under tmp/bench/build/<hash of the sources>/ and reused while the sources hash the same, so that
 * a run never measures a build older than its sources, and an edit saved elsewhere during a run
 * does not change the code under test half-way through it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './proc.ts';

const BUILD_ROOT = join(REPO_ROOT, 'tmp', 'bench', 'build');
/** What the emitted JavaScript depends on besides src/. */
const INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Snapshots unused for this long are removed. */
const KEEP_MS = 24 * 3600_000;

export interface CompiledBuild {
  /** The snapshot folder (the layout of dist/). */
  dir: string;
  /** `<dir>/cli/main.js`, the entry point of the image. */
  entry: string;
  /** The baseline server (bench/lib/bare-fastify.server.ts) as plain JavaScript, run without tsx. */
  bareFastify: string;
  /** Hash of the sources (first 16 hex digits). */
  hash: string;
  /** False when this call compiled it. */
  reused: boolean;
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const rel of files)
    hash
      .update(`${rel}\0`)
      .update(readFileSync(join(REPO_ROOT, rel)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

function sources(dir = 'src'): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sources(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const sourceHash = () => hashFiles([...INPUTS, ...sources()]);

function compile(outDir: string): void {
  // Emit only (--noCheck): type errors are `npm run check`'s business, and a colleague's half-done
  // edit elsewhere must not stop a run. With isolatedModules the JavaScript is the same as
  // `npm run build` emits.
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', outDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`compiling src/ failed (tsc exit ${r.status}):\n${r.stdout}${r.stderr}`);
}

async function compileBareFastify(): Promise<string> {
  const rel = 'bench/lib/bare-fastify.server.ts';
  const out = join(BUILD_ROOT, `bare-fastify.${hashFiles([rel])}.mjs`);
  if (!existsSync(out)) {
    const ts = (await import('typescript')).default;
    const js = ts.transpileModule(readFileSync(join(REPO_ROOT, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(`${out}.${process.pid}`, js);
    renameSync(`${out}.${process.pid}`, out);
  }
  return out;
}

/** The snapshot of the current sources, compiled now unless it exists. */
export async function ensureBuild(log: (message: string) => void = () => {}): Promise<CompiledBuild> {
  mkdirSync(BUILD_ROOT, { recursive: true });
  // The built-in playbooks ship beside dist/ (two levels above a compiled module): a snapshot at
  // build/<hash>/ finds them at build/playbooks.
  const playbooks = join(BUILD_ROOT, 'playbooks');
  if (!existsSync(playbooks)) symlinkSync(join(REPO_ROOT, 'playbooks'), playbooks, 'dir');
  // Likewise the built-in guardrails policy (policies/guardrails.yaml).
  const policies = join(BUILD_ROOT, 'policies');
  if (!existsSync(policies)) symlinkSync(join(REPO_ROOT, 'policies'), policies, 'dir');
  // And the built dashboard (web/dist, `npm run build:web`) the API roles serve at /.
  const web = join(BUILD_ROOT, 'web');
  if (!existsSync(web)) symlinkSync(join(REPO_ROOT, 'web'), web, 'dir');
  const bareFastify = await compileBareFastify();
  for (let attempt = 0; attempt < 3; attempt++) {
    const hash = sourceHash();
    const dir = join(BUILD_ROOT, hash);
    const entry = join(dir, 'cli', 'main.js');
    if (existsSync(entry)) {
      const now = new Date();
      utimesSync(dir, now, now); // in use: not pruned
      prune(hash);
      return { dir, entry, bareFastify, hash, reused: true };
    }
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const started = performance.now();
    compile(tmp);
    if (sourceHash() !== hash) {
      // A source changed while tsc read them: the output matches neither version.
      rmSync(tmp, { recursive: true, force: true });
      continue;
    }
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // a concurrent run built the same sources
    }
    log(`compiled src/ into ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    prune(hash);
    return { dir, entry, bareFastify, hash, reused: false };
  }
  throw new Error('the sources kept changing while the bench compiled them; run it again');
}

/** Removes snapshots (and stray temp folders) untouched for a day, except `keep`. */
function prune(keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(BUILD_ROOT)) {
    if (
      name === keep ||
      name === 'playbooks' ||
      name === 'policies' ||
      name === 'web' ||
      name.startsWith('bare-fastify.')
    )
      continue;
    const path = join(BUILD_ROOT, name);
    if (now - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
  }
}
