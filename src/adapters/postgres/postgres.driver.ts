import type pg from 'pg';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import {
  CommitOutcomeUnknownError,
  RetryableDatabaseError,
  isConnectionLevelFailure,
  translateDatabaseError,
} from '../sql/sql.errors.ts';

/** Kysely's marker for "COMMIT answered ROLLBACK" (its AbortedTransactionError, matched by symbol). */
const ABORTED = Symbol.for('kysely.AbortedTransactionError');

export interface SafePostgresDialectConfig {
  pool: pg.Pool;
  /**
   * Statements sent in the same message as every BEGIN (`SET LOCAL` of the server-side timeouts):
   * transaction-scoped, so they work through PgBouncer in transaction mode. Default none.
   */
  transactionPrelude?: string;
}

/**
 * Kysely's PostgreSQL dialect with two guarantees its own driver lacks:
 *
 * - a connection whose state is unknown is destroyed, never returned to the pool: one that saw a
 *   client-side timeout or a socket error, whose ROLLBACK failed, or that is not idle (the server's
 *   last ReadyForQuery said "in a transaction") when released. Otherwise the next borrower's
 *   autocommit write would run inside a stale transaction, answer success, and be rolled back later.
 * - pg's errors are translated once, here (see translateDatabaseError); a COMMIT without an answer
 *   is a CommitOutcomeUnknownError.
 */
export class SafePostgresDialect implements Dialect {
  constructor(private readonly config: SafePostgresDialectConfig) {}

  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new SafePostgresDriver(this.config);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class SafePostgresDriver implements Driver {
  private readonly prelude: string;
  private ended = false;

  constructor(private readonly config: SafePostgresDialectConfig) {
    this.prelude = config.transactionPrelude ? `; ${config.transactionPrelude}` : '';
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.ended) throw new RetryableDatabaseError('unavailable', 'database pool is closed');
    try {
      return new SafeConnection(await this.config.pool.connect());
    } catch (err) {
      throw translateDatabaseError(err);
    }
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let begin = 'BEGIN';
    if (settings.isolationLevel) begin += ` ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}`;
    if (settings.accessMode) begin += ` ${settings.accessMode.toUpperCase()}`;
    // One simple-protocol message (no parameters): no extra round trip for the settings.
    await conn.executeQuery(CompiledQuery.raw(begin + this.prelude));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    let result: QueryResult<unknown>;
    try {
      result = await conn.executeQuery(CompiledQuery.raw('COMMIT'));
    } catch (err) {
      // No answer: the server may have committed. A reported error means it did not.
      if ((conn as SafeConnection).discarded) throw new CommitOutcomeUnknownError({ cause: err });
      throw err;
    }
    if ((result.rows[0] as { command?: string } | undefined)?.command === 'ROLLBACK') {
      throw Object.assign(new Error('Transaction was rolled back instead of committed'), {
        name: 'AbortedTransactionError',
        [ABORTED]: true,
      });
    }
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    // A discarded connection is destroyed on release, which ends its transaction on the server; a
    // ROLLBACK would only queue behind the statement still running there. Either way the caller
    // sees the error that made it roll back, not this one.
    if ((conn as SafeConnection).discarded) return;
    await conn.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => undefined);
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    (conn as SafeConnection).release();
  }

  async destroy(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.config.pool.end();
  }
}

class SafeConnection implements DatabaseConnection {
  /** True once the connection's state is unknown: it is destroyed on release. */
  discarded = false;
  private released = false;
  /** A borrowed client whose socket dies emits 'error': without a listener that would crash the process. */
  private readonly onError = () => {
    this.discarded = true;
  };

  constructor(private readonly client: pg.PoolClient) {
    client.on('error', this.onError);
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.discarded) {
      throw new RetryableDatabaseError('unavailable', 'connection discarded after a failure');
    }
    try {
      const r = await this.client.query(compiled.sql, [...compiled.parameters]);
      if (r.command === 'ROLLBACK' || r.command === 'COMMIT') return { rows: [{ command: r.command } as R] };
      const counted = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(r.command);
      return {
        rows: (r.rows ?? []) as R[],
        ...(counted ? { numAffectedRows: BigInt(r.rowCount ?? 0) } : {}),
      };
    } catch (err) {
      if (isConnectionLevelFailure(err)) this.discarded = true;
      throw translateDatabaseError(err);
    }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported');
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.client.off('error', this.onError);
    // 'I' = idle; 'T' in a transaction, 'E' in a failed one, null = never heard from the server.
    const status = this.client.getTransactionStatus();
    if (this.discarded || status !== 'I') {
      this.client.release(new Error(`connection discarded (transaction status ${status ?? 'unknown'})`));
    } else {
      this.client.release();
    }
  }
}
