import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openPGliteDatabase } from '../../src/adapters/pglite/pglite.database.ts';
import { openPostgresDatabase } from '../../src/adapters/postgres/postgres.database.ts';
import type { SqlDatabase } from '../../src/adapters/sql/index.ts';
import { requireServices } from './services.ts';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

/** One engine a store suite runs on, in a database of its own. */
export interface StoreBackend {
  name: string;
  open: () => Promise<SqlDatabase>;
  cleanup: () => Promise<void>;
  /** Why the engine is not reachable here (the suite is skipped; CI fails on a skip). */
  skip?: string;
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client(PG_ADMIN);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * One SQL dialect, two engines: PGlite (PostgreSQL 18 in WASM, in memory) and the PostgreSQL 15
 * server, in a fresh database named `<prefix>_<random>`.
 */
export async function storeBackends(prefix: string, maxConnections = 10): Promise<StoreBackend[]> {
  const dbName = `${prefix}_${randomUUID().slice(0, 8)}`;
  const pgSkip = await requireServices(['postgres']);
  return [
    { name: 'PGlite', open: () => openPGliteDatabase(null), cleanup: async () => {} },
    {
      name: 'PostgreSQL 15',
      ...(pgSkip ? { skip: pgSkip } : {}),
      open: async () => {
        await admin(`CREATE DATABASE ${dbName}`);
        return openPostgresDatabase({
          primaryUrl: `postgres://postgres@127.0.0.1:5432/${dbName}`,
          readReplicaEnabled: false,
          maxConnections,
          minConnections: 0,
          connectTimeoutMs: 5000,
          queryTimeoutMs: 10_000,
          replicaMaxLagMs: 1000,
        });
      },
      cleanup: () => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`),
    },
  ];
}
