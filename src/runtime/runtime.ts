import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import type { ApiDeps, ReadinessReport } from '../api/deps.ts';
import { OPEN_ACCESS } from '../api/plugins/access.ts';
import type { StreamHub } from '../api/routes/stream.routes.ts';
import { SqlIncidentStore, migrate, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import { EnrichmentService } from '../core/enrichment/enrichment.service.ts';
import { IncidentActionsService } from '../core/incidents/incident-actions.service.ts';
import { IngestService } from '../core/ingest/ingest.service.ts';
import { Semaphore } from '../core/shared/semaphore.ts';
import { DeterministicAnalyzer } from '../core/triage/deterministic.analyzer.ts';
import type { Analyzer } from '../core/triage/analyzer.ts';
import { PipelineRegistry } from '../core/triage/pipeline.ts';
import { TriageService } from '../core/triage/triage.service.ts';
import { DEMO_LIST_ENTRIES, LocalListIntelProvider } from '../extensions/intel/index.ts';
import { asPortLogger, type PinoLogger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { LeaderJobs } from '../worker/leader-jobs.ts';
import { TriageProcessor } from '../worker/triage.processor.ts';
import { createWebhookSources } from './webhook-sources.wiring.ts';
import { createInProcessTransports, type Transports } from './transports.ts';

export type Role = 'all' | 'api' | 'orchestrator';

export interface Runtime {
  readonly role: Role;
  readonly config: Config;
  readonly database: SqlDatabase;
  readonly transports: Transports;
  readonly store: SqlIncidentStore;
  readonly metrics: Metrics;
  readonly app: FastifyInstance;
  readonly hub: StreamHub;
  readonly leaderJobs?: LeaderJobs;
  /** The listening address after start(), e.g. http://127.0.0.1:8080. */
  url?: string;
  start(options?: { listen?: boolean }): Promise<void>;
  /** Graceful: /ready 503, drain HTTP and WebSockets, finish or hand back jobs, release leadership, close pools. Idempotent. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Replaces the transports chosen by config (tests). */
  transports?: Transports;
  /** Replaces the built-in analyzer (benchmarks wrap it with a simulated LLM latency). */
  analyzer?: Analyzer;
  /** Builds distributed transports; required when config selects Redis. */
  redisTransports?: (config: Config, log: PinoLogger) => Promise<Transports>;
}

/** The only place that wires everything (STYLE.md #6). Modes come from config via selectedModes(). */
export async function createRuntime(
  config: Config,
  role: Role,
  log: PinoLogger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const modes = selectedModes(config);
  const portLog = asPortLogger(log);
  const database = await openDatabase(config, portLog);
  let transports: Transports | undefined;
  try {
    const applied = await migrate(database);
    if (applied.length) log.info({ applied }, 'database migrations applied');
    if (options.transports) transports = options.transports;
    else if (modes.transport === 'in-process') transports = createInProcessTransports(config);
    else if (options.redisTransports) transports = await options.redisTransports(config, log);
    else throw new Error('Redis is configured but no Redis transport factory was given');
  } catch (err) {
    await database.close();
    throw err;
  }
  const t = transports;

  const metrics = new Metrics();
  const store = new SqlIncidentStore(database);
  metrics.bind({
    poolStats: () => database.poolStats(),
    leader: () => t.elector.state(),
    ...(t.queueWorkerRecoveries ? { queueWorkerRecoveries: t.queueWorkerRecoveries } : {}),
  });

  // Webhook sources: config/env first, then managed ones (database), then local secrets (embedded).
  let webhooks: Awaited<ReturnType<typeof createWebhookSources>>;
  try {
    webhooks = await createWebhookSources(config, database, t.bus, portLog);
  } catch (err) {
    await t.close().catch(() => undefined);
    await database.close();
    throw err;
  }

  const ingest = new IngestService({
    store,
    queue: t.queue,
    bus: t.bus,
    log: portLog.child({ component: 'ingest' }),
    telemetry: metrics,
    dedupWindowMs: config.triage.dedup_window,
    batch: {
      maxBatch: config.ingest.batch_max,
      maxConcurrent: config.ingest.batch_concurrency,
      maxQueued: config.ingest.max_queued,
    },
  });
  const decisions = new IncidentActionsService({ store, bus: t.bus, log: portLog });
  let shuttingDown = false;

  const readiness = async (): Promise<ReadinessReport> => {
    const checks: ReadinessReport['checks'] = {};
    const withTimeout = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000).unref()),
      ]);
    try {
      await withTimeout(database.ping());
      checks.database = {
        ok: true,
        ...(database.kind === 'postgres'
          ? { detail: database.replicaInUse() ? 'replica reads on' : 'primary only' }
          : {}),
      };
    } catch (err) {
      checks.database = { ok: false, detail: `database unreachable: ${(err as Error).message}` };
    }
    if (t.kind === 'redis') {
      try {
        checks.redis = await withTimeout(t.check());
      } catch (err) {
        checks.redis = { ok: false, detail: `redis unreachable: ${(err as Error).message}` };
      }
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };

  const apiDeps: ApiDeps = {
    config,
    store,
    ingest,
    decisions,
    bus: t.bus,
    counters: t.counters,
    metrics,
    access: OPEN_ACCESS,
    readiness,
    webhookSources: webhooks.sources,
    replays: webhooks.replays,
    isShuttingDown: () => shuttingDown,
  };
  const { app, hub } = await buildApp(apiDeps, log as FastifyBaseLogger, {
    surface: role === 'orchestrator' ? 'health' : 'full',
  });

  let processor: TriageProcessor | undefined;
  let leaderJobs: LeaderJobs | undefined;
  if (role !== 'api') {
    const intel = await loadIntel(config, portLog);
    const enricher = new EnrichmentService({
      providers: intel,
      cache: t.cache,
      cacheTtlMs: config.intel.cache_ttl,
      concurrency: config.orchestrator.concurrency.enrichment,
    });
    const triage = new TriageService({
      store,
      bus: t.bus,
      enricher,
      pipelines: new PipelineRegistry({
        name: 'default',
        enrich: true,
        analyzer: options.analyzer ?? new DeterministicAnalyzer(),
      }),
      analyzerSlots: new Semaphore(config.orchestrator.concurrency.llm),
      policy: {
        autoResolveBenign: config.triage.auto_resolve_benign,
        autoResolveMinConfidence: config.triage.auto_resolve_min_confidence,
        autoResolveStatus: config.triage.auto_resolve_status,
      },
      log: portLog.child({ component: 'triage' }),
      telemetry: metrics,
      actor: `orchestrator:${config.server.instance_id}`,
    });
    processor = new TriageProcessor({
      queue: t.queue,
      triage,
      concurrency: config.orchestrator.concurrency.incidents,
      log: portLog.child({ component: 'worker' }),
      telemetry: metrics,
    });
    if (config.orchestrator.leaderElection.enabled) {
      leaderJobs = new LeaderJobs({
        elector: t.elector,
        store,
        queue: t.queue,
        bus: t.bus,
        metrics,
        log: portLog.child({ component: 'leader' }),
        ...(t.redisConnectedClients ? { redisConnectedClients: t.redisConnectedClients } : {}),
        intervals: {
          reconcileMs: config.orchestrator.reconcile_interval,
          staleAfterMs: config.orchestrator.stale_after,
          metricsMs: config.orchestrator.metrics_interval,
          housekeepingMs: config.orchestrator.housekeeping_interval,
          retentionMs: config.retention.closed_incidents,
        },
      });
    }
  }

  let stopping: Promise<void> | undefined;
  const runtime: Runtime = {
    role,
    config,
    database,
    transports: t,
    store,
    metrics,
    app,
    hub,
    ...(leaderJobs ? { leaderJobs } : {}),
    async start(opts = {}) {
      if (opts.listen !== false) {
        const address = await app.listen({ host: config.server.host, port: config.server.port });
        runtime.url = address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
      } else {
        await app.ready();
      }
      processor?.start();
      if (leaderJobs) {
        leaderJobs.start();
        await t.elector.start();
      }
    },
    stop() {
      stopping ??= (async () => {
        shuttingDown = true;
        const grace = config.server.shutdown_grace;
        log.info({ grace_ms: grace }, 'shutting down');
        if (config.server.drain_delay > 0) await new Promise((r) => setTimeout(r, config.server.drain_delay));
        hub.closeAll();
        webhooks.sources.stop();
        // Stop the things that do work before the things they depend on (STYLE.md #16).
        await Promise.allSettled([app.close(), processor?.stop(grace)]);
        await leaderJobs?.stop();
        await t.elector.stop().catch(() => undefined);
        await t.queue.close({ graceMs: 0 }).catch(() => undefined);
        await t.close().catch((err) => log.warn({ err: String(err) }, 'transport close failed'));
        await database.close().catch((err) => log.warn({ err: String(err) }, 'database close failed'));
        log.info('stopped');
      })();
      return stopping;
    },
  };
  return runtime;
}

/** One local-list provider: the lists folder (if any) plus the built-in demo list (if enabled). */
async function loadIntel(
  config: Config,
  log: ReturnType<typeof asPortLogger>,
): Promise<LocalListIntelProvider[]> {
  const demo = config.intel.demo_list ? DEMO_LIST_ENTRIES : [];
  if (!config.intel.lists_dir) return [LocalListIntelProvider.fromEntries(demo)];
  const provider = await LocalListIntelProvider.fromFolder(config.intel.lists_dir, { include: demo });
  if (provider.warnings.length)
    log.warn({ warnings: provider.warnings.slice(0, 20) }, 'intel list lines skipped');
  return [provider];
}

/**
 * The configured storage. Each adapter is imported only in the mode that uses it, so that PGlite
 * (its WASM glue) stays out of the distributed roles and pg out of embedded mode.
 */
async function openDatabase(config: Config, log: ReturnType<typeof asPortLogger>): Promise<SqlDatabase> {
  if (selectedModes(config).database === 'pglite') {
    const { openPGliteDatabase } = await import('../adapters/pglite/pglite.database.ts');
    return openPGliteDatabase(config.data_dir);
  }
  const { openPostgresDatabase } = await import('../adapters/postgres/postgres.database.ts');
  return openPostgresDatabase({
    primaryUrl: config.database.primary_url!,
    ...(config.database.direct_url ? { directUrl: config.database.direct_url } : {}),
    ...(config.database.replica_url ? { replicaUrl: config.database.replica_url } : {}),
    readReplicaEnabled: config.database.read_replica_enabled,
    maxConnections: config.database.max_connections,
    minConnections: config.database.min_connections,
    connectTimeoutMs: config.database.connect_timeout,
    queryTimeoutMs: config.database.statement_timeout,
    replicaMaxLagMs: config.database.replica_max_lag,
    applicationName: `triage-warden:${config.server.instance_id}`,
    log,
  });
}
