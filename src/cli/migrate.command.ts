import { migrate, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';

/** Applies migrations (to the direct primary URL when one is set) and exits. */
export async function runMigrate(config: Config, log: PinoLogger): Promise<number> {
  const db = await openCliDatabase(config);
  try {
    const applied = await migrate(db);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await db.close();
  }
}

/** The storage adapter of the configured mode, loaded on demand (a migration job needs only one). */
export async function openCliDatabase(config: Config): Promise<SqlDatabase> {
  if (selectedModes(config).database === 'pglite') {
    const { openPGliteDatabase } = await import('../adapters/pglite/pglite.database.ts');
    return openPGliteDatabase(config.data_dir, {
      template: config.database.pglite_template,
      sharedBuffers: config.database.pglite_shared_buffers,
      wasmOptimizer: config.database.pglite_wasm_optimizer,
    });
  }
  const { openPostgresDatabase } = await import('../adapters/postgres/postgres.database.ts');
  return openPostgresDatabase({
    primaryUrl: config.database.direct_url ?? config.database.primary_url!,
    readReplicaEnabled: false,
    maxConnections: 2,
    minConnections: 0,
    connectTimeoutMs: config.database.connect_timeout,
    queryTimeoutMs: 0,
    replicaMaxLagMs: 0,
  });
}
