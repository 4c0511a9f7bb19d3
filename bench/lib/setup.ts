/** Starting the processes under test for a scenario, with their cleanup registered on the context. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, REPO_ROOT, cleanEnv, freePorts } from './proc.ts';
import type { RunContext } from './scenario.ts';
import {
  createMigratedDatabase,
  deleteRedisKeys,
  distributedEnv,
  dropDatabase,
  embeddedEnv,
  suffix,
} from './services.ts';

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
    ...(o.script ? { script: o.script } : { args: [role] }),
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

/** The baseline server (bare Fastify, constant JSON), ready. */
export async function startBare(
  ctx: RunContext,
  name = 'bare-fastify',
): Promise<{ proc: NodeProcess; readyMs: number }> {
  const [port] = await freePorts(1);
  const proc = new NodeProcess({
    name,
    script: join(REPO_ROOT, 'bench', 'lib', 'bare-fastify.server.ts'),
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
