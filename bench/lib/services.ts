/**
 * The real services a benchmark runs against (PostgreSQL 15 on 5432, Redis on 6379, started by
 * `bash scripts/services.sh up`), per-run isolation (a database and a Redis key prefix per run),
 * and the environment of the processes under test.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openPostgresDatabase } from '../../src/adapters/postgres/postgres.database.ts';
import { migrate } from '../../src/adapters/sql/index.ts';
import type { Machine } from './result.ts';
import { BENCH_ADMIN_KEY } from './auth.ts';
import { HOST, REPO_ROOT } from './proc.ts';

export const PG_PORT = 5432;
export const REDIS_URL = `redis://${HOST}:6379`;
export const dbUrl = (db: string) => `postgres://postgres@${HOST}:${PG_PORT}/${db}`;

/** The webhook source the benchmarks post to (generic format) and its secret. */
export const BENCH_SOURCE = 'bench-dlp';
export const BENCH_SECRET = 'bench-dlp-secret-0123456789abcdef';

export function suffix(): string {
  return randomBytes(4).toString('hex');
}

export async function adminQuery<R extends pg.QueryResultRow = Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
  database = 'postgres',
): Promise<R[]> {
  const client = new pg.Client({ host: HOST, port: PG_PORT, user: 'postgres', database });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fails fast, with the command to run, when PostgreSQL or Redis is not there. */
export async function checkServices(): Promise<void> {
  const problems: string[] = [];
  await adminQuery('select 1').catch((e: Error) =>
    problems.push(`PostgreSQL on ${HOST}:${PG_PORT}: ${e.message}`),
  );
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {});
  await redis
    .connect()
    .then(() => redis.ping())
    .catch((e: Error) => problems.push(`Redis on ${REDIS_URL}: ${e.message}`))
    .finally(() => redis.disconnect());
  if (problems.length)
    throw new Error(`services missing (run \`bash scripts/services.sh up\`): ${problems.join('; ')}`);
}

/** Creates a database and applies the project's migrations to it (in-process, like `triage-warden migrate`). */
export async function createMigratedDatabase(name: string): Promise<void> {
  await adminQuery(`create database "${name}"`);
  const db = await openPostgresDatabase({
    primaryUrl: dbUrl(name),
    readReplicaEnabled: false,
    maxConnections: 2,
    minConnections: 0,
    connectTimeoutMs: 10_000,
    queryTimeoutMs: 0,
    replicaMaxLagMs: 0,
  });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists "${name}" with (force)`);
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * One load generator is one client: rate limits far above the offered load, so the limiter's cost
 * (a shared counter per request) is in the figures but its refusals are not.
 */
/** The WebSocket scenario opens 10,000 sockets with one key: no per-process or per-credential cap. */
const BENCH_WS_CAPS = {
  TW_SERVER__MAX_WEBSOCKET_CONNECTIONS: '0',
  TW_SERVER__MAX_WEBSOCKETS_PER_CREDENTIAL: '0',
};

const BENCH_RATE_LIMITS = {
  TW_RATE_LIMITS__PER_CREDENTIAL: '1000000000',
  TW_RATE_LIMITS__PER_IP: '1000000000',
  TW_RATE_LIMITS__WEBHOOK_PER_IP: '1000000000',
};

/** Env of a distributed-mode process (`api`, `orchestrator`) of one bench run. */
export function distributedEnv(o: {
  dbName: string;
  prefix: string;
  port: number;
  instance: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    TW_DATABASE_URL: dbUrl(o.dbName),
    TW_REDIS_URL: REDIS_URL,
    TW_REDIS__KEY_PREFIX: o.prefix,
    TW_HOST: HOST,
    TW_PORT: String(o.port),
    TW_INSTANCE_ID: o.instance,
    TW_LOG_LEVEL: 'info',
    TW_WEBHOOK_SECRET_BENCH_DLP: BENCH_SECRET,
    TW_ADMIN_API_KEY: BENCH_ADMIN_KEY,
    ...BENCH_RATE_LIMITS,
    ...BENCH_WS_CAPS,
    ...o.extra,
  };
}

/** Env of embedded `start` (PGlite in `dataDir`, in-process transports). */
export function embeddedEnv(o: {
  dataDir: string;
  port: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    TW_DATA_DIR: o.dataDir,
    TW_HOST: HOST,
    TW_PORT: String(o.port),
    TW_INSTANCE_ID: 'embedded',
    TW_LOG_LEVEL: 'info',
    TW_WEBHOOK_SECRET_BENCH_DLP: BENCH_SECRET,
    TW_ADMIN_API_KEY: BENCH_ADMIN_KEY,
    ...BENCH_RATE_LIMITS,
    ...BENCH_WS_CAPS,
    ...o.extra,
  };
}

export async function describeMachine(): Promise<Machine> {
  const machine: Machine = {
    host_cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 1024 ** 3),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
  try {
    machine.postgres = (await adminQuery<{ v: string }>('select version() as v'))[0]?.v.split(' on ')[0];
  } catch {
    /* reported by checkServices */
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('server');
    machine.redis = /redis_version:(\S+)/.exec(info)?.[1];
  } catch {
    /* reported by checkServices */
  } finally {
    redis.disconnect();
  }
  try {
    machine.git_commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
  } catch {
    /* not a checkout */
  }
  return machine;
}
