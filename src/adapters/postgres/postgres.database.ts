import pg from 'pg';
import { Kysely } from 'kysely';
import type { PoolStats, SqlDatabase } from '../sql/database.ts';
import type { DB } from '../sql/schema.ts';
import { isConnectionLevelFailure, translateDatabaseError } from '../sql/sql.errors.ts';
import { SafePostgresDialect } from './postgres.driver.ts';
import { POOL_TYPES } from './timestamptz.type-parser.ts';

export interface PostgresOptions {
  primaryUrl: string;
  /** Un-pooled primary for migrations when primaryUrl points at PgBouncer. Default primaryUrl. */
  directUrl?: string;
  replicaUrl?: string;
  readReplicaEnabled: boolean;
  maxConnections: number;
  minConnections: number;
  connectTimeoutMs: number;
  /**
   * Server-side `statement_timeout`, ms (0 = none). Sent as a startup parameter (applied by a direct
   * server, ignored by PgBouncer) and as `SET LOCAL` at the start of every transaction (applied
   * everywhere). pg's client-side query timeout is set a little above it, as a backstop for
   * autocommit statements through PgBouncer: a connection that hits it is destroyed.
   */
  queryTimeoutMs: number;
  /** Server-side `lock_timeout`, ms, sent like queryTimeoutMs. Default 0 (none). */
  lockTimeoutMs?: number;
  /** Server-side `idle_in_transaction_session_timeout`, ms, sent like queryTimeoutMs. Default 0 (none). */
  idleInTransactionTimeoutMs?: number;
  replicaMaxLagMs: number;
  /** How often replica health and lag are probed. Default 2000. */
  replicaCheckIntervalMs?: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Shown in pg_stat_activity: which instance holds a connection. Default `triage-warden`. */
  applicationName?: string;
}

// int8 (counts, bigserial) as JS numbers: our values stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * PostgreSQL primary (+ optional streaming replica). Everything goes through unnamed, parameterised
 * queries, so it works unchanged through PgBouncer in transaction mode.
 */
export async function openPostgresDatabase(options: PostgresOptions): Promise<SqlDatabase> {
  const log = options.log;
  const timeouts = serverTimeouts(options);
  let startup = timeouts.startup;
  const makePool = (url: string, name: string) => {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections,
      min: options.minConnections,
      connectionTimeoutMillis: options.connectTimeoutMs,
      ...startup,
      ...(options.queryTimeoutMs > 0 ? { query_timeout: backstopMs(options.queryTimeoutMs) } : {}),
      idleTimeoutMillis: 30_000,
      application_name: (options.applicationName ?? 'triage-warden').slice(0, 63),
      types: POOL_TYPES,
    });
    // An idle client losing its server (restart, failover) must not crash the process.
    pool.on('error', (err) => log?.warn({ err: err.message, pool: name }, 'database connection lost'));
    return pool;
  };
  const SETTING = "SELECT current_setting('statement_timeout') AS t";
  let primaryPool = makePool(options.primaryUrl, 'primary');
  let applied: pg.QueryResult<{ t: string }>;
  try {
    applied = await primaryPool.query<{ t: string }>(SETTING);
  } catch (err) {
    await primaryPool.end().catch(() => undefined);
    // A PgBouncer whose ignore_startup_parameters does not list them refuses the connection.
    if (!/unsupported startup parameter/i.test((err as Error)?.message ?? ''))
      throw translateDatabaseError(err);
    log?.info({}, 'the pooler refuses timeout startup parameters: connecting without them');
    startup = {};
    primaryPool = makePool(options.primaryUrl, 'primary');
    applied = await translated(() => primaryPool.query<{ t: string }>(SETTING));
  }
  if (options.queryTimeoutMs > 0 && applied.rows[0]?.t === '0') {
    log?.info(
      { backstop_ms: backstopMs(options.queryTimeoutMs) },
      'server-side timeouts apply in transactions only (startup parameters not applied, e.g. by PgBouncer); ' +
        'autocommit statements are bounded by the client-side backstop',
    );
  }
  const dialect = (pool: pg.Pool) => new SafePostgresDialect({ pool, transactionPrelude: timeouts.prelude });
  const primary = new Kysely<DB>({ dialect: dialect(primaryPool) });

  let replicaPool: pg.Pool | undefined;
  let replica: Kysely<DB> | undefined;
  let replicaHealthy = false;
  let timer: NodeJS.Timeout | undefined;
  if (options.readReplicaEnabled && options.replicaUrl) {
    replicaPool = makePool(options.replicaUrl, 'replica');
    replica = new Kysely<DB>({ dialect: dialect(replicaPool) });
    const check = async () => {
      const was = replicaHealthy;
      try {
        const r = await replicaPool!.query<{ lag_ms: number }>(REPLICA_LAG_SQL);
        replicaHealthy = (r.rows[0]?.lag_ms ?? 0) <= options.replicaMaxLagMs;
      } catch {
        replicaHealthy = false;
      }
      if (was !== replicaHealthy) {
        log?.info(
          { replica_healthy: replicaHealthy },
          replicaHealthy ? 'reads use the replica' : 'reads fall back to the primary',
        );
      }
    };
    await check();
    timer = setInterval(() => void check(), options.replicaCheckIntervalMs ?? 2000);
    timer.unref();
  }

  const stats = (p: pg.Pool): PoolStats => ({
    total: p.totalCount,
    idle: p.idleCount,
    waiting: p.waitingCount,
  });
  let closed = false;

  return {
    kind: 'postgres',
    primary,
    async read(fn) {
      if (replica && replicaHealthy) {
        try {
          return await fn(replica);
        } catch (err) {
          if (!isConnectionError(err)) throw err;
          replicaHealthy = false;
          log?.warn({ err: (err as Error).message }, 'replica read failed; reads fall back to the primary');
        }
      }
      return fn(primary);
    },
    async exec(script) {
      const client = new pg.Client({
        connectionString: options.directUrl ?? options.primaryUrl,
        connectionTimeoutMillis: options.connectTimeoutMs,
      });
      client.on('error', () => undefined); // a lost socket fails the query below; it must not crash
      await translated(() => client.connect());
      try {
        await client.query(script);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw translateDatabaseError(err);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    transactionPrelude: timeouts.prelude,
    async ping() {
      await translated(() => primaryPool.query('SELECT 1'));
    },
    poolStats: () => ({
      primary: stats(primaryPool),
      ...(replicaPool ? { replica: stats(replicaPool) } : {}),
    }),
    replicaInUse: () => Boolean(replica && replicaHealthy),
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await primary.destroy();
      await replica?.destroy();
    },
  };
}

/** Replication lag in ms; 0 when the replica has replayed all it received (an idle primary is not lag). */
const REPLICA_LAG_SQL = `SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0)
END::float8 AS lag_ms`;

/** Connection-level failures (server gone, refused, timed out) as opposed to SQL errors. */
export function isConnectionError(err: unknown): boolean {
  return isConnectionLevelFailure(err);
}

/** pg's client-side query timeout: the server-side one plus a margin, so the server's fires first. */
export function backstopMs(statementTimeoutMs: number): number {
  return statementTimeoutMs + Math.max(1000, Math.round(statementTimeoutMs / 10));
}

/**
 * The server-side timeouts, both as startup parameters (a direct server applies them to every
 * statement; PgBouncer in transaction mode must list them in `ignore_startup_parameters` and then
 * ignores them) and as the `SET LOCAL` prelude of every transaction (applied through PgBouncer too).
 */
export function serverTimeouts(
  o: Pick<PostgresOptions, 'queryTimeoutMs' | 'lockTimeoutMs' | 'idleInTransactionTimeoutMs'>,
): {
  startup: Partial<
    Record<'statement_timeout' | 'lock_timeout' | 'idle_in_transaction_session_timeout', number>
  >;
  prelude: string;
} {
  const settings = {
    statement_timeout: o.queryTimeoutMs,
    lock_timeout: o.lockTimeoutMs ?? 0,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs ?? 0,
  };
  const set = Object.entries(settings)
    .map(([name, ms]) => [name, Math.round(ms)] as const)
    .filter(([, ms]) => ms > 0);
  return {
    startup: Object.fromEntries(set),
    prelude: set.map(([name, ms]) => `SET LOCAL ${name} = ${ms}`).join('; '),
  };
}

async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateDatabaseError(err);
  }
}
