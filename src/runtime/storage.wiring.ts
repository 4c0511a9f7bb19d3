import { migrate, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import type { Logger } from '../ports/index.ts';
import type { PinoLogger } from '../observability/logger.ts';
import { startPhase } from '../observability/start-phases.ts';
import { createInProcessTransports, type Transports } from './transports.ts';

export interface Foundation {
  database: SqlDatabase;
  transports: Transports;
}

export interface FoundationOptions {
  /** Replaces the transports chosen by config (tests). */
  transports?: Transports;
  /** Builds distributed transports; required when config selects Redis. */
  redisTransports?: (config: Config, log: PinoLogger) => Promise<Transports>;
}

/**
 * The database (migrated) and the transports the config selects. On failure, whatever was opened
 * is closed again before it rejects.
 */
export async function openFoundation(
  config: Config,
  log: PinoLogger,
  portLog: Logger,
  options: FoundationOptions,
): Promise<Foundation> {
  const modes = selectedModes(config);
  const database = await openDatabase(config, portLog);
  try {
    const applied = await migrate(database);
    startPhase(log, 'migrations checked');
    if (applied.length) log.info({ applied }, 'database migrations applied');
    let transports: Transports;
    if (options.transports) transports = options.transports;
    else if (modes.transport === 'in-process') transports = createInProcessTransports(config);
    else if (options.redisTransports) transports = await options.redisTransports(config, log);
    else throw new Error('Redis is configured but no Redis transport factory was given');
    return { database, transports };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/**
 * The configured storage. Each adapter is imported only in the mode that uses it, so that PGlite
 * (its WASM glue) stays out of the distributed roles and pg out of embedded mode.
 */
async function openDatabase(config: Config, log: Logger): Promise<SqlDatabase> {
  if (selectedModes(config).database === 'pglite') {
    const { openPGliteDatabase } = await import('../adapters/pglite/pglite.database.ts');
    startPhase(log, 'storage adapter loaded');
    const db = await openPGliteDatabase(config.data_dir, {
      template: config.database.pglite_template,
      sharedBuffers: config.database.pglite_shared_buffers,
      wasmOptimizer: config.database.pglite_wasm_optimizer,
      phase: (name) => startPhase(log, name),
    });
    if (!config.data_dir.startsWith('memory://')) {
      log.info(
        { data_dir: config.data_dir },
        'embedded database: every commit is fsynced before it answers (survives a crash or power loss); folder 0700, files 0600',
      );
    } else log.info({}, 'embedded database in memory: nothing survives a restart');
    return db;
  }
  const { openPostgresDatabase } = await import('../adapters/postgres/postgres.database.ts');
  startPhase(log, 'storage adapter loaded');
  return openPostgresDatabase({
    primaryUrl: config.database.primary_url!,
    ...(config.database.direct_url ? { directUrl: config.database.direct_url } : {}),
    ...(config.database.replica_url ? { replicaUrl: config.database.replica_url } : {}),
    readReplicaEnabled: config.database.read_replica_enabled,
    maxConnections: config.database.max_connections,
    minConnections: config.database.min_connections,
    connectTimeoutMs: config.database.connect_timeout,
    queryTimeoutMs: config.database.statement_timeout,
    lockTimeoutMs: config.database.lock_timeout,
    idleInTransactionTimeoutMs: config.database.idle_in_transaction_timeout,
    replicaMaxLagMs: config.database.replica_max_lag,
    applicationName: `triage-warden:${config.server.instance_id}`,
    log,
  });
}
