/**
 * Probes for the real services the distributed tests need (started by `bash scripts/services.sh up`).
 *
 *   const missing = await requireServices(['postgres', 'redis', 'pgbouncer']);
 *   describe.skipIf(missing)('through PgBouncer', () => { ... });
 *
 * Locally a missing service skips the suite with a message saying how to start it. In CI
 * (`CI` set, as .ci/run does) or with TW_REQUIRE_SERVICES=1 it throws instead: a suite that needs
 * PgBouncer must fail there, never pass by skipping.
 */
import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import pg from 'pg';

export type ServiceName = 'postgres' | 'redis' | 'replica' | 'pgbouncer' | 'haproxy';

export const SERVICE_HOST = '127.0.0.1';

/** Where each service listens (fixed by scripts/services.sh). */
export const SERVICES: Record<ServiceName, { port?: number; label: string }> = {
  postgres: { port: 5432, label: 'the PostgreSQL 15 primary on 127.0.0.1:5432' },
  redis: { port: 6379, label: 'Redis on 127.0.0.1:6379' },
  replica: { port: 5433, label: 'the streaming PostgreSQL replica on 127.0.0.1:5433' },
  pgbouncer: { port: 6432, label: 'PgBouncer on 127.0.0.1:6432' },
  haproxy: { label: 'the haproxy binary' },
};

export const START_HINT = 'run `bash scripts/services.sh up`';

const PROBE_TIMEOUT_MS = 3000;

/** True when a missing service must fail the run rather than skip it. */
export function servicesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) =>
    v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return on(env.CI) || on(env.TW_REQUIRE_SERVICES);
}

/** null when the service works; otherwise what is wrong with it. */
export async function probeService(name: ServiceName): Promise<string | null> {
  try {
    switch (name) {
      case 'postgres':
        await pgQuery(5432, 'select 1 as ok');
        return null;
      case 'replica': {
        const rows = await pgQuery(5433, 'select pg_is_in_recovery() as standby');
        return rows[0]?.standby === true
          ? null
          : 'port 5433 answers but is not a standby (pg_is_in_recovery() is false)';
      }
      case 'pgbouncer':
        await pgQuery(6432, 'select 1 as ok');
        return null;
      case 'redis':
        return await redisPing(6379);
      case 'haproxy':
        return await haproxyVersion().then(() => null);
    }
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

/**
 * Probes every named service. Returns undefined when all answer; otherwise a reason such as
 * "needs PgBouncer on 127.0.0.1:6432 (connect ECONNREFUSED …): run `bash scripts/services.sh up`",
 * which is also printed, so a skipped suite says why. Throws instead in CI (see servicesRequired).
 */
export async function requireServices(names: readonly ServiceName[]): Promise<string | undefined> {
  const unique = [...new Set(names)];
  const results = await Promise.all(unique.map(async (n) => [n, await probeService(n)] as const));
  const problems = results.filter(([, problem]) => problem !== null);
  if (problems.length === 0) return undefined;
  const reason = `needs ${problems.map(([n, p]) => `${SERVICES[n].label} (${p})`).join(' and ')}: ${START_HINT}`;
  if (servicesRequired()) throw new Error(`required services missing: ${reason}`);
  console.warn(`[skip] ${reason}`);
  return reason;
}

async function pgQuery(port: number, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    host: SERVICE_HOST,
    port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query(sql);
    return result.rows as Record<string, unknown>[];
  } finally {
    await client.end().catch(() => {});
  }
}

function redisPing(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: SERVICE_HOST, port });
    let buffer = '';
    const done = (result: string | null) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done('no answer to PING within 3 s'));
    socket.on('error', (err) => done(err.message));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      if (buffer.includes('\r\n')) done(buffer.startsWith('+PONG') ? null : `PING answered ${buffer.trim()}`);
    });
  });
}

/** `haproxy -v` first line; Debian installs it in /usr/sbin, which a non-root PATH may lack. */
export function haproxyVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'haproxy',
      ['-v'],
      { env: { ...process.env, PATH: withSbin(process.env.PATH) }, timeout: PROBE_TIMEOUT_MS },
      (err, stdout) => {
        if (err)
          reject(new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : err.message));
        else resolve(stdout.split('\n')[0] ?? '');
      },
    );
  });
}

export function withSbin(path: string | undefined): string {
  const parts = (path ?? '').split(':').filter(Boolean);
  for (const dir of ['/usr/sbin', '/sbin']) if (!parts.includes(dir)) parts.push(dir);
  return parts.join(':');
}
