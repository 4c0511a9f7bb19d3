/**
 * Starts a local Triage Warden cluster of the real binary for a test: API processes and
 * orchestrators (`node bin/triage-warden.js api|orchestrator`) behind an haproxy child process,
 * on the services of `bash scripts/services.sh up`.
 *
 *   const cluster = await startCluster({ api: 2, orchestrators: 2, database: 'pgbouncer', replica: true });
 *   try { await fetch(`${cluster.lbUrl}/api/v1/incidents`); await cluster.apis[0]!.restart(); }
 *   finally { await cluster.stop(); }
 *
 * Each cluster is isolated: a fresh database `tw_t_<random>` (created on the primary, dropped by
 * stop()), its own Redis key prefix (`TW_REDIS__KEY_PREFIX=tw<random>`, keys deleted by stop()),
 * ports picked free at random, haproxy config and logs in a temp dir. Processes get no TW_*
 * variable from the test's environment except those set here and in `env`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import http from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TEST_ADMIN_KEY } from './auth.ts';
import { freePorts, sleep, waitUntil } from './harness.ts';
import { SERVICE_HOST, withSbin } from './services.ts';

/** Suites poll and send bursts from one address: limits far above that load (the limiter still runs). */
const HIGH_RATE_LIMITS = {
  TW_RATE_LIMITS__PER_CREDENTIAL: '1000000000',
  TW_RATE_LIMITS__PER_IP: '1000000000',
  TW_RATE_LIMITS__WEBHOOK_PER_IP: '1000000000',
  TW_RATE_LIMITS__AUTH_FAILURES_PER_IP: '1000000000',
};
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOST = SERVICE_HOST;
export const PRIMARY_PORT = 5432;
export const REPLICA_PORT = 5433;
export const PGBOUNCER_PORT = 6432;
export const REDIS_URL = `redis://${HOST}:6379`;

export type Role = 'api' | 'orchestrator';

export interface StartClusterOptions {
  /** API processes behind the load balancer. Default 2. */
  api?: number;
  /** Orchestrator processes. Default 1. */
  orchestrators?: number;
  /** TW_DATABASE_URL through PgBouncer (6432, transaction mode) or straight to the primary (5432). Default 'direct'. */
  database?: 'direct' | 'pgbouncer';
  /** Set TW_DATABASE_REPLICA_URL (replica on 5433, which turns replica reads on). Default false. */
  replica?: boolean;
  /** Redis for TW_REDIS_URL (and the key cleanup in stop()), e.g. a throwaway redis-server. Default the machine's, redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Extra env for every process (wins over the defaults below). */
  env?: Record<string, string>;
  /** Extra env for API processes only / orchestrators only. */
  apiEnv?: Record<string, string>;
  orchestratorEnv?: Record<string, string>;
  /** haproxy health-check interval of GET /ready. Default 1000 (the seed's 5 s is slow for tests); fall 3, rise 2. */
  lbCheckIntervalMs?: number;
  /** haproxy check timeout. Default min(3000, interval). */
  lbCheckTimeoutMs?: number;
  /** Wait for every /ready (and haproxy seeing all servers UP) before returning. Default 60000. */
  readyTimeoutMs?: number;
  /** SIGTERM grace before SIGKILL, for stop() and restart(). Default 30000. */
  stopTimeoutMs?: number;
  /** Run `<bin> migrate` before starting. Default true. */
  migrate?: boolean;
  /** Entry point. Default TW_CLUSTER_BIN or <repo>/bin/triage-warden.js. */
  bin?: string;
  /** Keep the temp dir (haproxy.cfg, logs) after stop(). Default: TW_CLUSTER_KEEP=1. */
  keepTempDir?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcHandle {
  readonly name: string;
  readonly role: Role;
  readonly port: number;
  /** http://127.0.0.1:<port> of this process itself (not the load balancer). */
  readonly url: string;
  /** Pid of the current run; undefined before start. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** The environment the process runs with. */
  readonly env: Readonly<Record<string, string>>;
  /** Where its output also goes (all runs, appended). */
  readonly logFile: string;
  /** Sends a signal (default SIGTERM) to the process; SIGKILL goes to its whole process group. */
  kill(signal?: NodeJS.Signals): boolean;
  /** Stops it if running (SIGTERM, then SIGKILL after stopTimeoutMs), starts it again on the same port, waits for /ready. */
  restart(options?: { waitReady?: boolean; timeoutMs?: number; env?: Record<string, string> }): Promise<void>;
  /** SIGTERM, then SIGKILL after timeoutMs (default stopTimeoutMs). Resolves with how it exited. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** Polls GET /ready until 200; rejects (with the log tail) if the process exits or time runs out. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Resolves when the current run exits (at once if it already has); rejects after timeoutMs if given. */
  waitExit(timeoutMs?: number): Promise<ExitInfo>;
  /** Everything the process printed, all runs, stdout and stderr interleaved. */
  logs(): string;
}

export interface LbServer {
  name: string;
  /** haproxy's status: UP, DOWN, "UP 1/3" (going down), "DOWN 1/2" (going up), MAINT, no check… */
  status: string;
}

export interface Cluster {
  /** http://127.0.0.1:<port> of haproxy; '' when api is 0. */
  readonly lbUrl: string;
  readonly apis: ProcHandle[];
  readonly orchestrators: ProcHandle[];
  readonly dbName: string;
  readonly redisKeyPrefix: string;
  readonly databaseUrl: string;
  readonly directUrl: string;
  readonly replicaUrl: string | undefined;
  readonly redisUrl: string;
  readonly tempDir: string;
  /** Env common to every process (before per-process TW_INSTANCE_ID / TW_PORT). */
  readonly env: Readonly<Record<string, string>>;
  /** A query on the cluster's database on the primary (direct, not through PgBouncer). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<R[]>;
  /** haproxy's view of the API servers (stats socket). */
  lbServers(): Promise<LbServer[]>;
  /** Waits until haproxy reports `status` (e.g. 'UP', 'DOWN') for the named server(s). */
  waitLbStatus(names: string | string[], status: string, timeoutMs?: number): Promise<void>;
  /** A command on haproxy's admin socket, e.g. `disable server tw_api/api-1`. */
  lbCommand(command: string): Promise<string>;
  /** Stops every process (SIGTERM in parallel, SIGKILL after the grace), haproxy, then drops the database and Redis keys. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<() => void>();
let exitHookInstalled = false;

/** Last resort when a test run dies without stop(): SIGKILL every process group we started. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const kill of live) kill();
  });
}

export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const nApi = options.api ?? 2;
  const nOrch = options.orchestrators ?? 1;
  const useReplica = options.replica ?? false;
  const interval = options.lbCheckIntervalMs ?? 1000;
  const checkTimeout = options.lbCheckTimeoutMs ?? Math.min(3000, interval);
  const readyTimeout = options.readyTimeoutMs ?? 60_000;
  const stopTimeout = options.stopTimeoutMs ?? 30_000;
  const bin = options.bin ?? process.env.TW_CLUSTER_BIN ?? join(REPO_ROOT, 'bin', 'triage-warden.js');
  const keep = options.keepTempDir ?? process.env.TW_CLUSTER_KEEP === '1';

  const suffix = randomBytes(5).toString('hex');
  const dbName = `tw_t_${suffix}`;
  const redisKeyPrefix = `tw${suffix}`;
  const directUrl = `postgres://postgres@${HOST}:${PRIMARY_PORT}/${dbName}`;
  const databaseUrl =
    options.database === 'pgbouncer' ? `postgres://postgres@${HOST}:${PGBOUNCER_PORT}/${dbName}` : directUrl;
  const replicaUrl = useReplica ? `postgres://postgres@${HOST}:${REPLICA_PORT}/${dbName}` : undefined;
  const tempDir = mkdtempSync(join(tmpdir(), 'tw-cluster-'));
  const redisUrl = options.redisUrl ?? REDIS_URL;

  const baseEnv: Record<string, string> = {
    TW_DATABASE_URL: databaseUrl,
    TW_DATABASE_DIRECT_URL: directUrl,
    ...(replicaUrl ? { TW_DATABASE_REPLICA_URL: replicaUrl } : {}),
    TW_REDIS_URL: redisUrl,
    TW_REDIS__KEY_PREFIX: redisKeyPrefix,
    TW_HOST: HOST,
    // Tests call the cluster with asAdmin() (test/helpers/auth.ts).
    TW_ADMIN_API_KEY: TEST_ADMIN_KEY,
    ...options.env,
  };

  const handles: Proc[] = [];
  let haproxy: ChildProcess | undefined;
  let haproxyLog: WriteStream | undefined;
  let pool: pg.Pool | undefined;
  let dbCreated = false;
  let stopped = false;

  const killAll = () => {
    for (const h of handles) h.forceKill();
    if (haproxy?.pid && haproxy.exitCode === null) killGroup(haproxy.pid, 'SIGKILL');
  };
  live.add(killAll);
  installExitHook();

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    await Promise.all(handles.map((h) => h.stop(stopTimeout).catch((e: unknown) => errors.push(e))));
    if (haproxy && haproxy.exitCode === null && haproxy.signalCode === null) {
      const exited = onceExit(haproxy);
      haproxy.kill('SIGTERM');
      await withTimeout(exited, 5000).catch(() => haproxy?.pid && killGroup(haproxy.pid, 'SIGKILL'));
    }
    haproxyLog?.end();
    live.delete(killAll);
    await pool?.end().catch(() => {});
    if (dbCreated)
      await adminQuery(`drop database if exists "${dbName}" with (force)`).catch((e: unknown) =>
        errors.push(e),
      );
    await deleteRedisKeys(redisUrl, redisKeyPrefix).catch((e: unknown) => errors.push(e));
    if (!keep) rmSync(tempDir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, `cluster ${dbName}: cleanup failed`);
  };

  try {
    const ports = await freePorts(nApi + nOrch + (nApi > 0 ? 1 : 0));
    const lbPort = nApi > 0 ? ports.pop()! : 0;

    await adminQuery(`create database "${dbName}"`);
    dbCreated = true;
    if (useReplica)
      await waitFor(
        () => replicaHasDatabase(dbName),
        15_000,
        `database ${dbName} to reach the replica on ${REPLICA_PORT}`,
      );

    if (options.migrate ?? true) await runMigrate(bin, { ...baseEnv, TW_INSTANCE_ID: 'migrate' }, tempDir);

    const make = (role: Role, i: number, port: number) => {
      const name = `${role}-${i}`;
      const env = {
        ...baseEnv,
        ...(role === 'api' ? { TW_SERVER__TRUSTED_PROXIES: '127.0.0.1', ...HIGH_RATE_LIMITS } : {}),
        ...(role === 'api' ? options.apiEnv : options.orchestratorEnv),
        TW_INSTANCE_ID: name,
        TW_PORT: String(port),
      };
      const proc = new Proc(name, role, port, bin, env, join(tempDir, `${name}.log`), stopTimeout);
      handles.push(proc);
      return proc;
    };
    const apis = Array.from({ length: nApi }, (_, i) => make('api', i + 1, ports[i]!));
    const orchestrators = Array.from({ length: nOrch }, (_, i) =>
      make('orchestrator', i + 1, ports[nApi + i]!),
    );
    for (const h of handles) h.start();
    await Promise.all(handles.map((h) => h.waitReady(readyTimeout)));

    const socketPath = join(tempDir, 'haproxy.sock');
    const lbUrl = nApi > 0 ? `http://${HOST}:${lbPort}` : '';
    if (nApi > 0) {
      const cfg = join(tempDir, 'haproxy.cfg');
      writeFileSync(cfg, haproxyConfig({ lbPort, socketPath, interval, checkTimeout, servers: apis }));
      haproxyLog = createWriteStream(join(tempDir, 'haproxy.log'), { flags: 'a' });
      haproxy = spawn('haproxy', ['-f', cfg, '-db'], {
        env: { ...process.env, PATH: withSbin(process.env.PATH) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      haproxy.stdout?.pipe(haproxyLog, { end: false });
      haproxy.stderr?.pipe(haproxyLog, { end: false });
      const spawnError = new Promise<never>((_, reject) => haproxy!.once('error', reject));
      spawnError.catch(() => {});
      await Promise.race([
        spawnError,
        waitFor(
          async () => (await httpStatus(`${lbUrl}/ready`)) === 200,
          readyTimeout,
          `haproxy on ${lbUrl} to answer /ready`,
        ),
      ]);
    }

    const lbServers = async (): Promise<LbServer[]> =>
      parseStat(await socketCommand(socketPath, 'show stat'));
    const cluster: Cluster = {
      lbUrl,
      apis,
      orchestrators,
      dbName,
      redisKeyPrefix,
      databaseUrl,
      directUrl,
      replicaUrl,
      redisUrl,
      tempDir,
      env: baseEnv,
      async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
        pool ??= new pg.Pool({ connectionString: directUrl, max: 4 });
        return (await pool.query<R>(text, values)).rows;
      },
      lbServers,
      lbCommand: (command) => socketCommand(socketPath, command),
      async waitLbStatus(names, status, timeoutMs = 30_000) {
        const wanted = Array.isArray(names) ? names : [names];
        await waitFor(
          async () => {
            const servers = await lbServers();
            return wanted.every((n) => servers.find((s) => s.name === n)?.status === status);
          },
          timeoutMs,
          `haproxy to report ${wanted.join(', ')} ${status}`,
        );
      },
      stop,
    };
    if (nApi > 0)
      await cluster.waitLbStatus(
        apis.map((a) => a.name),
        'UP',
        readyTimeout,
      );
    return cluster;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

const MAX_LOG_CHARS = 4_000_000;

class Proc implements ProcHandle {
  private child: ChildProcess | undefined;
  private exit: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private output = '';
  private readonly log: WriteStream;
  private runs = 0;

  constructor(
    readonly name: string,
    readonly role: Role,
    readonly port: number,
    private readonly bin: string,
    public env: Record<string, string>,
    readonly logFile: string,
    private readonly stopTimeout: number,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    this.runs += 1;
    this.append(
      `\n==== ${new Date().toISOString()} ${this.name} run ${this.runs}: node ${this.bin} ${this.role}\n`,
    );
    const child = spawn(process.execPath, [this.bin, this.role], {
      cwd: REPO_ROOT,
      env: { ...envWithoutTw(), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: SIGKILL reaches children the entry point may spawn.
      detached: true,
    });
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => this.append(b.toString()));
    child.stderr?.on('data', (b: Buffer) => this.append(b.toString()));
    this.exit = new Promise<ExitInfo>((resolve) => {
      child.once('error', (err) => {
        this.append(`\n==== spawn error: ${err.message}\n`);
        resolve({ code: null, signal: null });
      });
      child.once('exit', (code, signal) => {
        this.append(`\n==== ${this.name} exited: code ${code} signal ${signal}\n`);
        resolve({ code, signal });
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    const pid = this.child?.pid;
    if (!pid || !this.running) return false;
    if (signal === 'SIGKILL' && killGroup(pid, 'SIGKILL')) return true;
    return this.child!.kill(signal);
  }

  /** Synchronous SIGKILL of the group, for the exit hook. */
  forceKill(): void {
    if (this.child?.pid && this.running && !killGroup(this.child.pid, 'SIGKILL')) this.child.kill('SIGKILL');
  }

  async stop(timeoutMs = this.stopTimeout): Promise<ExitInfo> {
    if (!this.running) return this.exit;
    this.kill('SIGTERM');
    try {
      return await withTimeout(this.exit, timeoutMs);
    } catch {
      this.append(`\n==== ${this.name} still running ${timeoutMs} ms after SIGTERM: SIGKILL\n`);
      this.kill('SIGKILL');
      return this.exit;
    }
  }

  async restart(
    options: { waitReady?: boolean; timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<void> {
    await this.stop();
    // The whole group must be gone, or a straggler keeps the port.
    if (this.child?.pid) killGroup(this.child.pid, 'SIGKILL');
    if (options.env) this.env = { ...this.env, ...options.env };
    this.start();
    if (options.waitReady ?? true) await this.waitReady(options.timeoutMs ?? 60_000);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready\n${this.tail()}`);
      const status = await httpStatus(`${this.url}/ready`);
      if (status === 200) return;
      last = status === 0 ? 'no answer' : `HTTP ${status}`;
      await sleep(100);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms (last: ${last})\n${this.tail()}`);
  }

  waitExit(timeoutMs?: number): Promise<ExitInfo> {
    return timeoutMs === undefined ? this.exit : withTimeout(this.exit, timeoutMs, `${this.name} to exit`);
  }

  logs(): string {
    return this.output;
  }

  private tail(lines = 40): string {
    return `---- last lines of ${this.name} (${this.logFile}) ----\n${this.output.split('\n').slice(-lines).join('\n')}`;
  }

  private append(text: string): void {
    this.output += text;
    if (this.output.length > MAX_LOG_CHARS) this.output = this.output.slice(-MAX_LOG_CHARS / 2);
    this.log.write(text);
  }
}

// ---------------------------------------------------------------------------------------------

function haproxyConfig(o: {
  lbPort: number;
  socketPath: string;
  interval: number;
  checkTimeout: number;
  servers: ProcHandle[];
}): string {
  return [
    'global',
    '  maxconn 4096',
    `  stats socket ${o.socketPath} mode 600 level admin`,
    '  log stdout format raw local0 warning',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option dontlognull',
    '  option forwardfor',
    '  option redispatch',
    '  retries 2',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout tunnel 1h',
    '  timeout client-fin 10s',
    '',
    'frontend tw_http',
    `  bind ${HOST}:${o.lbPort}`,
    '  default_backend tw_api',
    '',
    'backend tw_api',
    '  balance roundrobin',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    `  timeout check ${o.checkTimeout}ms`,
    `  default-server inter ${o.interval}ms fall 3 rise 2`,
    '  cookie tw_server insert indirect nocache httponly',
    ...o.servers.map((s) => `  server ${s.name} ${HOST}:${s.port} check cookie ${s.name}`),
    '',
  ].join('\n');
}

function parseStat(csv: string): LbServer[] {
  const lines = csv.split('\n').filter(Boolean);
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  const iPx = header.indexOf('pxname');
  const iSv = header.indexOf('svname');
  const iStatus = header.indexOf('status');
  return lines
    .map((l) => l.split(','))
    .filter((f) => f[iPx] === 'tw_api' && f[iSv] !== 'BACKEND' && f[iSv] !== 'FRONTEND')
    .map((f) => ({ name: f[iSv] ?? '', status: f[iStatus] ?? '' }));
}

function socketCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let out = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`haproxy socket: no answer to "${command}"`)));
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (b) => (out += b.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}

export { freePorts };

/** HTTP status of a GET, 0 when nothing answers within 2 s. */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port: PRIMARY_PORT, user: 'postgres', database: 'postgres' });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

async function replicaHasDatabase(dbName: string): Promise<boolean> {
  const client = new pg.Client({
    host: HOST,
    port: REPLICA_PORT,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const r = await client.query('select 1 from pg_database where datname = $1', [dbName]);
    return r.rowCount === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function runMigrate(bin: string, env: Record<string, string>, tempDir: string): Promise<void> {
  const child = spawn(process.execPath, [bin, 'migrate'], {
    cwd: REPO_ROOT,
    env: { ...envWithoutTw(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const { code, signal } = await withTimeout(
    new Promise<ExitInfo>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve({ code: c, signal: s }));
    }),
    120_000,
    'migrate to finish',
  );
  writeFileSync(join(tempDir, 'migrate.log'), out);
  if (code !== 0)
    throw new Error(`node ${bin} migrate failed (code ${code}, signal ${signal}):\n${out.slice(-4000)}`);
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    for (const pattern of [`${prefix}*`, `{${prefix}}*`]) {
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

/** The test process's env without TW_* (a developer's TW_CONFIG or TW_DATABASE_URL must not leak in). */
function envWithoutTw(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TW_')) out[k] = v;
  return out;
}

/** Signals the process group led by pid (our children are spawned detached, so they lead one). */
function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function onceExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Polls `check` (a throw counts as false) every 100 ms until it holds; throws after `timeoutMs`. */
async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  await waitUntil(check, timeoutMs, what);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
