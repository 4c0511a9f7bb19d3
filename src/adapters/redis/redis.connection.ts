import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { AppError } from '../../contracts/index.ts';
import { RedisKeyspace } from './redis.keyspace.ts';
import { toAppError, withDeadline } from './redis.errors.ts';

/** A client of any topology; both expose the same commands. */
export type RedisClient = Redis | Cluster;

export type RedisArchitecture = 'standalone' | 'replication' | 'cluster';

/** The `redis` config slice (camel-cased) plus tuning knobs. */
export interface RedisConnectionOptions {
  /** `redis[s]://[user:pass@]host:port[/db]`. Required for `standalone`; for the other topologies only its credentials, db and TLS are used. */
  url?: string;
  /** Default `standalone`. */
  architecture?: RedisArchitecture;
  /** `replication`: Sentinel addresses `host:port`. Default []. */
  sentinels?: string[];
  /** `replication`: the master group name watched by the Sentinels. Default `mymaster`. */
  sentinelMasterName?: string;
  /** `cluster`: seed nodes `host:port`. Default []. */
  clusterNodes?: string[];
  /** Root of every key this process writes (see {@link RedisKeyspace}). Default `tw`. */
  keyPrefix?: string;
  /** Shown in CLIENT LIST. Default `triage-warden`. */
  connectionName?: string;
  /** A non-blocking command without a reply after this long fails (SERVICE_UNAVAILABLE). Default 5000 ms. */
  commandTimeoutMs?: number;
  /** Ceiling of the exponential reconnect backoff; reconnection never gives up. Default 2000 ms. */
  maxReconnectDelayMs?: number;
  /**
   * Auto-pipelining on the shared command client: commands issued in the same event-loop turn go out
   * in one write (and while one such batch is in flight the next one gathers), which cuts socket
   * writes and syscalls under concurrent load. Not on `duplicate()` clients (blocking readers, BullMQ
   * workers) unless they ask for it. Default true.
   */
  autoPipelining?: boolean;
  /** Called on every client 'error' event (connection refused, reset…), e.g. to log at warn. Default: none. */
  onError?: (err: Error, client: string) => void;
}

export interface RedisConnectionStatus {
  architecture: RedisArchitecture;
  /** True when the shared command client is ready to serve commands. */
  connected: boolean;
  /** ioredis client status: wait, connecting, connect, ready, reconnecting, close, end. */
  state: string;
  lastError?: { message: string; at: string };
}

export interface DuplicateOptions {
  /** For blocking readers (XREAD BLOCK, BZPOPMIN): no command timeout. Default false. */
  blocking?: boolean;
  /** Auto-pipelining (see {@link RedisConnectionOptions.autoPipelining}); not with `blocking`. Default false. */
  autoPipelining?: boolean;
}

/** Exponential backoff from 50 ms, capped, with jitter; never returns null, so ioredis never stops reconnecting. */
export function reconnectDelay(times: number, capMs: number): number {
  const base = Math.min(capMs, 50 * 2 ** Math.min(times, 16));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function hostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!match?.[1] || !match[2]) throw new Error(`Invalid Redis address "${address}" (want host:port)`);
  return { host: match[1], port: Number(match[2]) };
}

/** Credentials, db and TLS from a URL, for topologies that take their addresses elsewhere. */
function urlAuth(url: string | undefined): Partial<RedisOptions> {
  if (!url) return {};
  const u = new URL(url);
  const auth: Partial<RedisOptions> = {};
  if (u.username) auth.username = decodeURIComponent(u.username);
  if (u.password) auth.password = decodeURIComponent(u.password);
  const db = u.pathname.replace('/', '');
  if (db) auth.db = Number(db);
  if (u.protocol === 'rediss:') auth.tls = {};
  return auth;
}

/**
 * Creates the ioredis clients of one process for the configured topology: standalone (URL),
 * replication (Sentinel resolves the master and follows failovers) or cluster. Every client has
 * `maxRetriesPerRequest: null` and a reconnect strategy that never gives up (capped backoff), and an
 * 'error' listener, so an outage is a state this object reports — never an unhandled 'error' crash.
 * Commands sent during an outage wait for the reconnection, up to `commandTimeoutMs` for the shared
 * client; blocking readers made with `duplicate({ blocking: true })` wait indefinitely.
 */
export class RedisConnection {
  readonly architecture: RedisArchitecture;
  readonly keys: RedisKeyspace;
  private readonly options: RedisConnectionOptions;
  private readonly clients = new Set<RedisClient>();
  /** Clients being closed on purpose; any other client that ends is revived. */
  private readonly released = new WeakSet<RedisClient>();
  private sharedClient: RedisClient | undefined;
  private lastError: { message: string; at: string } | undefined;
  private closed = false;
  private serial = 0;

  constructor(options: RedisConnectionOptions) {
    this.options = options;
    this.architecture = options.architecture ?? 'standalone';
    this.keys = new RedisKeyspace(options.keyPrefix ?? 'tw');
    if (this.architecture === 'replication' && !options.sentinels?.length) {
      throw new Error('redis.architecture=replication needs redis.sentinels (host:port list)');
    }
    if (this.architecture === 'cluster' && !options.clusterNodes?.length) {
      throw new Error('redis.architecture=cluster needs redis.cluster_nodes (host:port list)');
    }
  }

  /** The shared client for ordinary (non-blocking) commands, created on first use. */
  get client(): RedisClient {
    this.sharedClient ??= this.create('shared', false, this.options.autoPipelining ?? true);
    return this.sharedClient;
  }

  /**
   * A new, independent connection with the same settings (for blocking readers, or a component that
   * must own its connection, e.g. a BullMQ Worker). Closed by `close()` unless closed before.
   */
  duplicate(name: string, options: DuplicateOptions = {}): RedisClient {
    const blocking = options.blocking ?? false;
    return this.create(name, blocking, !blocking && (options.autoPipelining ?? false));
  }

  /** Connected or not, and the last error seen on any client. */
  status(): RedisConnectionStatus {
    const state = this.sharedClient?.status ?? 'wait';
    return {
      architecture: this.architecture,
      connected: state === 'ready',
      state,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Resolves once the shared client answers PING; SERVICE_UNAVAILABLE after `timeoutMs` (default 5000). */
  async ping(timeoutMs = 5000): Promise<void> {
    try {
      await withDeadline(this.client.ping(), timeoutMs, 'PING');
    } catch (err) {
      throw toAppError(err, 'PING');
    }
  }

  /**
   * `connected_clients` from INFO clients, for the `redis_connected_clients` gauge. Under Cluster,
   * the largest value among the masters (the alert threshold is per server's `maxclients`).
   */
  async connectedClients(): Promise<number> {
    const client = this.client;
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    try {
      const counts = await Promise.all(
        nodes.map(async (node) => parseInfoField(await node.info('clients'), 'connected_clients')),
      );
      return Math.max(0, ...counts);
    } catch (err) {
      throw toAppError(err, 'INFO clients');
    }
  }

  /**
   * Closes one client made by `duplicate()`: QUIT (a hard disconnect after 1 s), or at once with
   * `immediate` (for a client blocked in XREAD/BZPOPMIN). Idempotent.
   */
  async release(client: RedisClient, options: { immediate?: boolean } = {}): Promise<void> {
    this.released.add(client);
    if (options.immediate) client.disconnect();
    else await quitClient(client);
  }

  /** Closes every client this object made. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.clients].map((c) => this.release(c)));
    this.clients.clear();
  }

  private create(name: string, blocking: boolean, autoPipelining = false): RedisClient {
    if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'Redis connection is closed');
    const label = `${this.options.connectionName ?? 'triage-warden'}:${name}:${++this.serial}`;
    const cap = this.options.maxReconnectDelayMs ?? 2000;
    const retryStrategy = (times: number): number => reconnectDelay(times, cap);
    const perNode: RedisOptions = {
      ...urlAuth(this.options.url),
      connectionName: label.replace(/[^A-Za-z0-9:_-]/g, '_'),
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      // After a Sentinel failover the old master answers READONLY: reconnect (which resolves the new
      // master) and resend the command.
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      ...(blocking ? {} : { commandTimeout: this.options.commandTimeoutMs ?? 5000 }),
      ...(autoPipelining ? { enableAutoPipelining: true } : {}),
    };
    let client: RedisClient;
    switch (this.architecture) {
      case 'standalone':
        client = new Redis(this.options.url ?? 'redis://127.0.0.1:6379', { ...perNode, retryStrategy });
        break;
      case 'replication':
        client = new Redis({
          ...perNode,
          retryStrategy,
          sentinels: (this.options.sentinels ?? []).map(hostPort),
          name: this.options.sentinelMasterName ?? 'mymaster',
          sentinelRetryStrategy: retryStrategy,
          // ioredis' failover detector disconnects the connector when +switch-master arrives; if that
          // lands while the client is reconnecting (the usual case: the master died), the pending
          // connect rejects and the client ends for good. Without it, a dead master's clients
          // re-resolve the master through Sentinel, and a demoted one answers READONLY (above).
          failoverDetector: false,
        });
        break;
      case 'cluster': {
        const { maxRetriesPerRequest: _m, enableAutoPipelining: _a, ...redisOptions } = perNode;
        const clusterOptions: ClusterOptions = {
          clusterRetryStrategy: retryStrategy,
          enableOfflineQueue: true,
          enableReadyCheck: true,
          retryDelayOnFailover: 200,
          retryDelayOnClusterDown: 200,
          enableAutoPipelining: autoPipelining,
          redisOptions: { ...redisOptions, maxRetriesPerRequest: null },
        };
        client = new Cluster((this.options.clusterNodes ?? []).map(hostPort), clusterOptions);
        break;
      }
    }
    this.watch(client, label);
    return client;
  }

  private watch(client: RedisClient, label: string): void {
    this.clients.add(client);
    const onError = (err: Error): void => {
      this.lastError = { message: err.message, at: new Date().toISOString() };
      this.options.onError?.(err, label);
    };
    client.on('error', onError);
    if (client instanceof Cluster) client.on('node error', onError);
    let revivals = 0;
    client.on('end', () => {
      if (this.closed || this.released.has(client)) {
        this.clients.delete(client);
        return;
      }
      // ioredis gave up on this client (a connect attempt that rejected ends it, whatever the
      // retry strategy says): start it again, so an outage never leaves a dead client behind.
      const delay = reconnectDelay(++revivals, this.options.maxReconnectDelayMs ?? 2000);
      onError(new Error(`Redis client ${label} ended unexpectedly; reconnecting in ${delay} ms`));
      setTimeout(() => {
        if (!this.closed && !this.released.has(client) && client.status === 'end')
          client.connect().catch(() => {});
      }, delay).unref();
    });
    client.on('ready', () => (revivals = 0));
  }
}

function parseInfoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match?.[1] ? Number(match[1]) : 0;
}

/** QUIT politely; if the server is gone, disconnect so no reconnect timer keeps the process alive. */
export async function quitClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await withDeadline(client.quit(), 1000, 'QUIT');
  } catch {
    client.disconnect();
  }
}
