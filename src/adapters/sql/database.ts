import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * A handle on the database, whatever backs it (PGlite or PostgreSQL). Repositories take this, never
 * a driver. `primary` for writes and read-after-write; `read()` for reads that may be stale.
 */
export interface SqlDatabase {
  readonly kind: 'pglite' | 'postgres';
  readonly primary: Kysely<DB>;
  /**
   * Statements a transaction opened by hand (raw `BEGIN`) must send right after it: the server-side
   * timeouts as `SET LOCAL`. Kysely's `transaction()` sends them itself. Default none.
   */
  readonly transactionPrelude?: string;
  /** Runs a stale-tolerant read on the replica when one is healthy, else (or on its failure) on the primary. */
  read<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script on a direct primary connection (migrations); on failure, rolls back an open transaction. */
  exec(script: string): Promise<void>;
  ping(): Promise<void>;
  poolStats(): { primary: PoolStats; replica?: PoolStats };
  /** True when reads currently go to a replica. */
  replicaInUse(): boolean;
  close(): Promise<void>;
}
