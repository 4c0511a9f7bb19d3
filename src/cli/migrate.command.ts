import { openPGliteDatabase } from '../adapters/pglite/pglite.database.ts';
import { openPostgresDatabase } from '../adapters/postgres/postgres.database.ts';
import { migrate } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';

/** Applies migrations (to the direct primary URL when one is set) and exits. */
export async function runMigrate(config: Config, log: PinoLogger): Promise<number> {
  const db =
    selectedModes(config).database === 'pglite'
      ? await openPGliteDatabase(config.data_dir)
      : await openPostgresDatabase({
          primaryUrl: config.database.direct_url ?? config.database.primary_url!,
          readReplicaEnabled: false,
          maxConnections: 2,
          minConnections: 0,
          connectTimeoutMs: config.database.connect_timeout,
          queryTimeoutMs: 0,
          replicaMaxLagMs: 0,
        });
  try {
    const applied = await migrate(db);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await db.close();
  }
}
