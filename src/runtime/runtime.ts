import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import type { ApiDeps, ReadinessReport } from '../api/deps.ts';
import type { AccessPolicy } from '../api/plugins/access.ts';
import type { StreamHub } from '../api/routes/stream.routes.ts';
import type { SsoWiring } from '../api/routes/oidc.routes.ts';
import { setSessionCookie } from '../api/plugins/identity-access.ts';
import { OpenIdClientLogin } from '../adapters/oidc/index.ts';
import { SqlIncidentStore, SqlLlmTranscriptStore, migrate, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import { EnrichmentService } from '../core/enrichment/enrichment.service.ts';
import { IncidentActionsService } from '../core/incidents/incident-actions.service.ts';
import { IngestService } from '../core/ingest/ingest.service.ts';
import { PARSERS } from '../core/ingest/index.ts';
import { Semaphore } from '../core/shared/semaphore.ts';
import { DeterministicAnalyzer } from '../core/triage/deterministic.analyzer.ts';
import type { Analyzer } from '../core/triage/analyzer.ts';
import { PipelineRegistry } from '../core/triage/pipeline.ts';
import { TriageRetryService } from '../core/triage/triage-retry.service.ts';
import { TriageService } from '../core/triage/triage.service.ts';
import { InProcessLeaderElector } from '../adapters/in-process/index.ts';
import { DEMO_LIST_ENTRIES, LocalListIntelProvider } from '../extensions/intel/index.ts';
import { asPortLogger, type PinoLogger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { LeaderJobs } from '../worker/leader-jobs.ts';
import { TriageProcessor } from '../worker/triage.processor.ts';
import { createIdentity, type FirstStart } from './identity-wiring.ts';
import { createLlmAnalyzer, lookupFromEnricher } from './llm.wiring.ts';
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
  /** The address the listener is bound to after start(), e.g. 127.0.0.1:8080 or 0.0.0.0:8080. */
  boundAddress?: string;
  /** Set by start() on the first start: the admin created and its one-time password (print once). */
  firstStart?: FirstStart;
  start(options?: { listen?: boolean }): Promise<void>;
  /** Graceful: /ready 503, drain HTTP and WebSockets, finish or hand back jobs, release leadership, close pools. Idempotent. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Replaces the transports chosen by config (tests). */
  transports?: Transports;
  /** Replaces the built-in analyzer (benchmarks wrap it with a simulated LLM latency). */
  analyzer?: Analyzer;
  /** Replaces the access policy (tests of the HTTP edge). Default: the configured policy. */
  access?: AccessPolicy;
  /** Builds distributed transports; required when config selects Redis. */
  redisTransports?: (config: Config, log: PinoLogger) => Promise<Transports>;
  /** Identity store + session cookie for single sign-on (the integrator wires the real store). */
  sso?: SsoWiring;
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

  // With election disabled this process leads alone (a private in-process lease): the leader jobs,
  // the reconciler first of all, must run in every deployment.
  const leaderElector = config.orchestrator.leaderElection.enabled
    ? t.elector
    : new InProcessLeaderElector({ instanceName: config.server.instance_id });
  const metrics = new Metrics();
  const store = new SqlIncidentStore(database);
  const llmTranscripts = new SqlLlmTranscriptStore(database);
  metrics.bind({
    poolStats: () => database.poolStats(),
    leader: () => leaderElector.state(),
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
  // Metric labels take only these source names (plus `other`); see Metrics.knownSource.
  const builtInSources = new Set(PARSERS.flatMap((p) => [p.name, ...p.aliases]));
  const knownSource = (name: string): boolean => builtInSources.has(name) || webhooks.sources.isKnown(name);
  metrics.bind({ knownSource });

  const ingest = new IngestService({
    store,
    queue: t.queue,
    bus: t.bus,
    log: portLog.child({ component: 'ingest' }),
    telemetry: metrics,
    dedupWindowMs: config.triage.dedup_window,
    dedupMaxAlerts: config.triage.dedup_max_alerts,
    onRepeatAfterClose: config.triage.on_repeat_after_close,
    batch: {
      maxBatch: config.ingest.batch_max,
      maxConcurrent: config.ingest.batch_concurrency,
      maxQueued: config.ingest.max_queued,
    },
  });
  const decisions = new IncidentActionsService({ store, bus: t.bus, log: portLog });
  let shuttingDown = false;
  const identityWiring = createIdentity(config, database, t, portLog);

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

  // --- single sign-on (issue 9 part 5) ---
  const oidcConfig = config.auth.oidc;
  const oidc =
    oidcConfig.enabled && role !== 'orchestrator'
      ? new OpenIdClientLogin({
          issuerUrl: oidcConfig.issuer_url!,
          clientId: oidcConfig.client_id!,
          ...(oidcConfig.client_secret ? { clientSecret: oidcConfig.client_secret } : {}),
          redirectUrl: oidcConfig.redirect_url!,
          scopes: oidcConfig.scopes,
          tokenAuthMethod: oidcConfig.token_auth_method,
          timeoutMs: oidcConfig.timeout,
          log: portLog.child({ component: 'oidc' }),
        })
      : undefined;

  const apiDeps: ApiDeps = {
    config,
    store,
    ingest,
    decisions,
    bus: t.bus,
    counters: t.counters,
    metrics,
    access: options.access ?? identityWiring.access,
    identity: identityWiring.identity,
    readiness,
    webhookSources: webhooks.sources,
    replays: webhooks.replays,
    isShuttingDown: () => shuttingDown,
    ...(oidc ? { oidc } : {}),
    // Single sign-on ends like a password login: a user in the identity store, a database session.
    sso: options.sso ?? { users: identityWiring.identity, setSessionCookie },
    knownSource,
    llmTranscripts,
    triageRetry: new TriageRetryService({
      store,
      queue: t.queue,
      bus: t.bus,
      log: portLog.child({ component: 'triage-retry' }),
    }),
  };
  if (config.server.trust_proxy && config.server.trusted_proxies.length === 0)
    log.warn(
      'server.trust_proxy=true trusts X-Forwarded-For from ANY peer (anyone can pick the IP the rate limits see): list the load balancers in server.trusted_proxies instead',
    );
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
    // The LLM analyst when llm.provider is set (docs/LLM.md); the pipeline work makes it a registry entry.
    const llm = createLlmAnalyzer({
      config,
      store: llmTranscripts,
      counters: t.counters,
      telemetry: metrics,
      bus: t.bus,
      log: portLog.child({ component: 'llm' }),
      lookup: lookupFromEnricher(enricher),
    });
    const triage = new TriageService({
      store,
      bus: t.bus,
      enricher,
      pipelines: new PipelineRegistry({
        name: 'default',
        enrich: true,
        analyzer: options.analyzer ?? llm ?? new DeterministicAnalyzer(),
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
      store,
      maxAttempts: config.triage.max_attempts,
      actor: `orchestrator:${config.server.instance_id}`,
      concurrency: config.orchestrator.concurrency.incidents,
      log: portLog.child({ component: 'worker' }),
      telemetry: metrics,
    });
    // Leader jobs always run: with election disabled this process is the only leader (a solo
    // in-process lease), as an embedded deployment is; the reconciler must never be off.
    leaderJobs = new LeaderJobs({
      elector: leaderElector,
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
        // A live leader claims the fence every reconcile pass; one silent for three passes (and two
        // leases) is gone, e.g. another deployment that used this database before.
        fenceTakeoverMs: Math.max(
          3 * config.orchestrator.reconcile_interval,
          2 * config.orchestrator.leaderElection.leaseDuration,
        ),
      },
    });
  }

  let stopping: Promise<void> | undefined;
  let unwatchCredentials: (() => void) | undefined;
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
      if (role !== 'orchestrator') {
        unwatchCredentials = await identityWiring.watch().catch((err: unknown) => {
          log.warn({ err: String(err) }, 'credential cache not watching the bus; its TTL bounds staleness');
          return undefined;
        });
        const first = await identityWiring.bootstrap();
        if (first) runtime.firstStart = first;
      }
      if (opts.listen !== false) {
        const address = await app.listen({ host: config.server.host, port: config.server.port });
        runtime.url = address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
        const bound = app.server.address();
        if (bound && typeof bound === 'object')
          runtime.boundAddress =
            bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
      } else {
        await app.ready();
      }
      // Discovery in the background: a provider that is down must not stop the API (logins answer 503).
      void oidc?.start();
      processor?.start();
      if (leaderJobs) {
        leaderJobs.start();
        await leaderElector.start();
      }
    },
    stop() {
      stopping ??= (async () => {
        shuttingDown = true;
        const grace = config.server.shutdown_grace;
        log.info({ grace_ms: grace }, 'shutting down');
        if (config.server.drain_delay > 0) await new Promise((r) => setTimeout(r, config.server.drain_delay));
        hub.closeAll();
        unwatchCredentials?.();
        webhooks.sources.stop();
        // Stop the things that do work before the things they depend on (STYLE.md #16).
        await Promise.allSettled([app.close(), processor?.stop(grace)]);
        await leaderJobs?.stop();
        await leaderElector.stop().catch(() => undefined);
        if (leaderElector !== t.elector) await t.elector.stop().catch(() => undefined);
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
    const db = await openPGliteDatabase(config.data_dir);
    if (!config.data_dir.startsWith('memory://')) {
      log.info(
        { data_dir: config.data_dir },
        'embedded database: every commit is fsynced before it answers (survives a crash or power loss); folder 0700, files 0600',
      );
    } else log.info({}, 'embedded database in memory: nothing survives a restart');
    return db;
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
    lockTimeoutMs: config.database.lock_timeout,
    idleInTransactionTimeoutMs: config.database.idle_in_transaction_timeout,
    replicaMaxLagMs: config.database.replica_max_lag,
    applicationName: `triage-warden:${config.server.instance_id}`,
    log,
  });
}
