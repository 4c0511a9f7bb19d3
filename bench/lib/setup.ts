/** Starting the processes under test for a scenario, with their cleanup registered on the context. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledBuild } from './build.ts';
import { BIN_TSX, NodeProcess, REPO_ROOT, cleanEnv, freePorts, useBinary } from './proc.ts';
import type { RunContext } from './scenario.ts';
import {
  createMigratedDatabase,
  deleteRedisKeys,
  distributedEnv,
  dropDatabase,
  embeddedEnv,
  suffix,
} from './services.ts';

/**
 * How the binary runs: `compiled` is the production form (the compiled build, plain node, as the
 * image runs it), `tsx` the development form (bin/triage-warden.js, sources through tsx).
 */
export type Form = 'compiled' | 'tsx';

let compiled: CompiledBuild | undefined;

/** Runs the compiled build from now on (bench/run.ts, after ensureBuild()). */
export function useCompiledBuild(build: CompiledBuild): void {
  compiled = build;
  useBinary(build.entry);
}

/** The form processes get unless they ask: compiled once a build is in use. */
export function defaultForm(): Form {
  return compiled ? 'compiled' : 'tsx';
}

export interface Isolation {
  dbName: string;
  prefix: string;
}

/** A fresh migrated database and Redis key prefix for this run; both removed at the end. */
export async function isolate(ctx: RunContext, label: string): Promise<Isolation> {
  const id = suffix();
  const dbName = `tw_bench_${label}_${id}`;
  const prefix = `twb${id}`;
  ctx.defer(() => deleteRedisKeys(prefix));
  ctx.defer(() => dropDatabase(dbName));
  await createMigratedDatabase(dbName);
  return { dbName, prefix };
}

export interface StartOptions {
  name: string;
  extraEnv?: Record<string, string>;
  /** Profile this process when the run has --profile. */
  profile?: boolean;
  /** Entry script instead of the binary (bench/lib/orchestrator-with-latency.ts). */
  script?: string;
  readyTimeoutMs?: number;
  /** Run the binary in this form (default defaultForm()). */
  form?: Form;
}

/** The entry script for `o`: its own, the tsx form when asked, else the default binary. */
function entryOf(o: StartOptions): { script?: string } {
  if (o.script) return { script: o.script };
  return o.form === 'tsx' ? { script: BIN_TSX } : {};
}

/** `triage-warden <role>` in distributed mode on `iso`, ready. Resolves with the process and ms to /ready. */
export async function startRole(
  ctx: RunContext,
  role: 'api' | 'orchestrator',
  iso: Isolation,
  o: StartOptions,
): Promise<{ proc: NodeProcess; readyMs: number }> {
  const [port] = await freePorts(1);
  const proc = new NodeProcess({
    name: o.name,
    ...entryOf(o),
    ...(o.script ? {} : { args: [role] }),
    env: cleanEnv(
      distributedEnv({
        dbName: iso.dbName,
        prefix: iso.prefix,
        port: port!,
        instance: o.name,
        extra: o.extraEnv,
      }),
    ),
    nodeArgs: o.profile ? ctx.profileArgs(o.name) : [],
    logFile: join(ctx.logDir, `${o.name}.log`),
    port: port!,
  });
  ctx.defer(() => proc.stop());
  const readyMs = await proc.waitReady(o.readyTimeoutMs ?? 90_000);
  return { proc, readyMs };
}

/** Embedded `triage-warden start` (PGlite + in-process) in `dataDir` (a new temp dir by default). */
export async function startEmbedded(
  ctx: RunContext,
  o: StartOptions & { dataDir?: string },
): Promise<{ proc: NodeProcess; readyMs: number; dataDir: string }> {
  const dataDir = o.dataDir ?? tempDir(ctx, 'tw-bench-data-');
  const [port] = await freePorts(1);
  const proc = new NodeProcess({
    name: o.name,
    ...entryOf(o),
    args: ['start'],
    env: cleanEnv(embeddedEnv({ dataDir, port: port!, extra: o.extraEnv })),
    nodeArgs: o.profile ? ctx.profileArgs(o.name) : [],
    logFile: join(ctx.logDir, `${o.name}.log`),
    port: port!,
  });
  ctx.defer(() => proc.stop());
  const readyMs = await proc.waitReady(o.readyTimeoutMs ?? 90_000);
  return { proc, readyMs, dataDir };
}

/**
 * `triage-warden migrate` on an embedded data folder in `form`: what the image's build does to make
 * its PGlite template (database.pglite_template). Resolves with the ms it took.
 */
export async function migrateEmbedded(dataDir: string, form: Form = defaultForm()): Promise<number> {
  const entry = form === 'compiled' && compiled ? compiled.entry : BIN_TSX;
  const t0 = performance.now();
  await new Promise<void>((done, fail) =>
    execFile(
      process.execPath,
      [entry, 'migrate'],
      { cwd: REPO_ROOT, env: cleanEnv(embeddedEnv({ dataDir, port: 0 })), timeout: 300_000 },
      (err, _out, stderr) =>
        err ? fail(new Error(`migrate ${dataDir}: ${err.message}\n${stderr}`)) : done(),
    ),
  );
  return performance.now() - t0;
}

/**
 * The baseline server (bare Fastify, constant JSON), ready. Started like the binary: plain node on
 * JavaScript when the compiled build is in use, else (or with form `tsx`) node + tsx.
 */
export async function startBare(
  ctx: RunContext,
  name = 'bare-fastify',
  form: Form = defaultForm(),
): Promise<{ proc: NodeProcess; readyMs: number }> {
  const [port] = await freePorts(1);
  const proc = new NodeProcess({
    name,
    script:
      form === 'compiled' && compiled
        ? compiled.bareFastify
        : join(REPO_ROOT, 'bench', 'lib', 'bare-fastify.server.ts'),
    env: cleanEnv({ BENCH_PORT: String(port) }),
    logFile: join(ctx.logDir, `${name}.log`),
    port: port!,
  });
  ctx.defer(() => proc.stop());
  const readyMs = await proc.waitReady(60_000);
  return { proc, readyMs };
}

/** A temp dir removed at the end of the scenario. */
export function tempDir(ctx: RunContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
