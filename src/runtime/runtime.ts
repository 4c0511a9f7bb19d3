import type { FastifyInstance } from 'fastify';
import type { AccessPolicy } from '../api/plugins/access.ts';
import type { SsoWiring } from '../api/routes/oidc.routes.ts';
import type { StreamHub } from '../api/routes/stream.routes.ts';
import type { SqlDatabase, SqlIncidentStore } from '../adapters/sql/index.ts';
import { SqlAuditLog } from '../adapters/sql/audit-chain.ts';
import type { KillSwitchService } from '../core/response/kill-switch.service.ts';
import type { Config } from '../config/index.ts';
import type { PlaybookSource } from '../core/playbooks/playbook.model.ts';
import type { Analyzer } from '../core/triage/analyzer.ts';
import { asPortLogger, type PinoLogger } from '../observability/logger.ts';
import { startPhase } from '../observability/start-phases.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { LeaderJobs } from '../worker/leader-jobs.ts';
import { createApi } from './api.wiring.ts';
import { createIdentity, type FirstStart } from './identity-wiring.ts';
import { createInstances } from './instances.wiring.ts';
import type { ConnectorsWiring } from './connectors.wiring.ts';
import { createCoreServices, type CoreServices } from './services.wiring.ts';
import { openFoundation } from './storage.wiring.ts';
import type { PlaybooksWiring } from './playbooks.wiring.ts';
import type { Transports } from './transports.ts';
import { createWorker } from './worker.wiring.ts';
import { createResponse, type ResponseOptions, type ResponseWiring } from './response.wiring.ts';

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
  /** Playbooks: the source the triage pipeline selects from, management, the SLA job. */
  readonly playbooks: PlaybooksWiring;
  /** The kill switch as this process sees it (docs/RESPONSE.md). */
  readonly killSwitch: KillSwitchService;
  /** Action connectors: management and the directory the action executor resolves through (docs/CONNECTORS.md). */
  readonly connectors: ConnectorsWiring;
  /** Response actions: store, proposals and approvals, the executor (docs/RESPONSE.md). */
  readonly response: ResponseWiring;
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
  /** Replaces the playbook source (tests). Default: the built-in one (the generic playbook). */
  playbooks?: PlaybookSource;
  /** Replaces the access policy (tests of the HTTP edge). Default: the configured policy. */
  access?: AccessPolicy;
  /** Builds distributed transports; required when config selects Redis. */
  redisTransports?: (config: Config, log: PinoLogger) => Promise<Transports>;
  /** Identity store + session cookie for single sign-on (the integrator wires the real store). */
  sso?: SsoWiring;
  /** Replaces the guardrails policy and action connectors (tests). Default: the stored ones. */
  response?: ResponseOptions;
}

/** The only place that wires everything (STYLE.md #6). Modes come from config via selectedModes(). */
export async function createRuntime(
  config: Config,
  role: Role,
  log: PinoLogger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const portLog = asPortLogger(log);
  const { database, transports: t } = await openFoundation(config, log, portLog, options);
  let services: CoreServices;
  try {
    services = await createCoreServices(config, database, t, portLog);
  } catch (err) {
    await t.close().catch(() => undefined);
    await database.close();
    throw err;
  }
  startPhase(log, 'core services built');
  const { store, metrics, leaderElector, webhooks } = services;
  let shuttingDown = false;
  const identityWiring = createIdentity(config, database, t, portLog);
  const response = createResponse({
    config,
    database,
    transports: t,
    incidents: store,
    killSwitch: services.killSwitch,
    policy: services.policy.provider,
    connectors: services.connectors.directory,
    metrics,
    log: portLog,
    ...(options.response ? { options: options.response } : {}),
  });
  const instances = createInstances({
    config,
    role,
    database,
    metrics,
    queue: t.queue,
    id: leaderElector.id,
    log: portLog,
  });
  const { app, hub, oidc } = await createApi({
    config,
    surface: role === 'orchestrator' ? 'health' : 'full',
    database,
    transports: t,
    services,
    response,
    identity: identityWiring,
    ...(options.access ? { access: options.access } : {}),
    ...(options.sso ? { sso: options.sso } : {}),
    isShuttingDown: () => shuttingDown,
    log,
    portLog,
    cluster: instances.cluster,
  });
  startPhase(log, 'HTTP API built');
  const worker =
    role !== 'api'
      ? await createWorker({
          config,
          transports: t,
          store,
          metrics,
          leaderElector,
          audit: new SqlAuditLog(database),
          killSwitch: services.killSwitch,
          response,
          ...(options.analyzer ? { analyzer: options.analyzer } : {}),
          playbooks: options.playbooks ?? services.playbooks.source,
          sla: services.playbooks.sla,
          llmTranscripts: services.llmTranscripts,
          wrapTriage: (triage, actor) => services.email.wrapTriage(triage, actor),
          portLog,
          instances: instances.registry,
        })
      : undefined;
  const jobs = worker?.jobs;
  if (jobs) instances.bindJobs(() => jobs.stats());
  const leaderJobs = worker?.leaderJobs;
  if (worker) startPhase(log, 'worker built');

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
    playbooks: services.playbooks,
    killSwitch: services.killSwitch,
    connectors: services.connectors,
    response,
    ...(leaderJobs ? { leaderJobs } : {}),
    async start(opts = {}) {
      if (role !== 'orchestrator') {
        unwatchCredentials = await identityWiring.watch().catch((err: unknown) => {
          log.warn({ err: String(err) }, 'credential cache not watching the bus; its TTL bounds staleness');
          return undefined;
        });
        const first = await identityWiring.bootstrap();
        if (first) runtime.firstStart = first;
        startPhase(log, first ? 'identity: first-start admin created' : 'identity checked');
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
      startPhase(log, 'listening');
      // Discovery in the background: a provider that is down must not stop the API (logins answer 503).
      void oidc?.start();
      instances.heartbeat.start();
      jobs?.start();
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
        services.playbooks.stop();
        services.killSwitch.stop();
        services.connectors.stop();
        services.policy.stop();
        // Stop the things that do work before the things they depend on (STYLE.md #16).
        await Promise.allSettled([app.close(), jobs?.stop(grace)]);
        await leaderJobs?.stop();
        await worker?.close();
        await response.notifier.drain();
        await leaderElector.stop().catch(() => undefined);
        if (leaderElector !== t.elector) await t.elector.stop().catch(() => undefined);
        await t.queue.close({ graceMs: 0 }).catch(() => undefined);
        await t.close().catch((err) => log.warn({ err: String(err) }, 'transport close failed'));
        await instances.heartbeat.stop();
        await database.close().catch((err) => log.warn({ err: String(err) }, 'database close failed'));
        log.info('stopped');
      })();
      return stopping;
    },
  };
  return runtime;
}
