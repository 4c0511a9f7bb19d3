import { InProcessLeaderElector } from '../adapters/in-process/index.ts';
import {
  SqlIncidentStore,
  SqlKillSwitchStore,
  SqlLlmTranscriptStore,
  type SqlDatabase,
} from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import { IncidentDecisionsService } from '../core/incidents/incident-decisions.service.ts';
import { IngestService } from '../core/ingest/ingest.service.ts';
import { PARSERS } from '../core/ingest/index.ts';
import { KillSwitchService } from '../core/response/kill-switch.service.ts';
import { TriageRetryService } from '../core/triage/triage-retry.service.ts';
import { Metrics } from '../observability/metrics.ts';
import type { LeaderElector, Logger } from '../ports/index.ts';
import type { Transports } from './transports.ts';
import { createConnectors, type ConnectorsWiring } from './connectors.wiring.ts';
import { createEmailAnalysis } from './email.wiring.ts';
import { createPlaybooks, type PlaybooksWiring } from './playbooks.wiring.ts';
import { createPolicy, type PolicyWiring } from './policy.wiring.ts';
import { createWebhookSources } from './webhook-sources.wiring.ts';

/** The services every role shares: storage, metrics, webhook sources, ingest and decisions. */
export interface CoreServices {
  store: SqlIncidentStore;
  metrics: Metrics;
  /** The transports' elector, or a private solo lease when election is disabled. */
  leaderElector: LeaderElector;
  webhooks: Awaited<ReturnType<typeof createWebhookSources>>;
  /** Whether a source name may be a metric label (built-in parsers and known webhook sources). */
  knownSource(name: string): boolean;
  ingest: IngestService;
  decisions: IncidentDecisionsService;
  triageRetry: TriageRetryService;
  /** The kill switch: routes on the API side, `isActive()` for automation (docs/RESPONSE.md). */
  killSwitch: KillSwitchService;
  /** Playbooks: selection for the pipeline, management for the API, the SLA job for the leader. */
  playbooks: PlaybooksWiring;
  /** LLM analyst transcripts: written by the analyst, read by GET /incidents/:id/transcripts. */
  llmTranscripts: SqlLlmTranscriptStore;
  /** Email analysis: the routes' service, and the step that analyses raw messages inside alerts. */
  email: ReturnType<typeof createEmailAnalysis>;
  /** Action connectors: management for the API, the directory for the action executor (docs/CONNECTORS.md). */
  connectors: ConnectorsWiring;
  /** Guardrails: the active policy (provider) and its management (docs/POLICY.md). */
  policy: PolicyWiring;
}

/** Builds the core services. Closes nothing on failure: the caller owns the database and transports. */
export async function createCoreServices(
  config: Config,
  database: SqlDatabase,
  t: Transports,
  portLog: Logger,
): Promise<CoreServices> {
  // With election disabled this process leads alone (a private in-process lease): the leader jobs,
  // the reconciler first of all, must run in every deployment.
  const leaderElector = config.orchestrator.leaderElection.enabled
    ? t.elector
    : new InProcessLeaderElector({ instanceName: config.server.instance_id });
  const metrics = new Metrics();
  const store = new SqlIncidentStore(database);
  metrics.bind({
    poolStats: () => database.poolStats(),
    leader: () => leaderElector.state(),
    ...(t.queueWorkerRecoveries ? { queueWorkerRecoveries: t.queueWorkerRecoveries } : {}),
  });

  // Webhook sources: config/env first, then managed ones (database), then local secrets (embedded).
  const webhooks = await createWebhookSources(config, database, t.bus, portLog);
  let playbooks: PlaybooksWiring;
  try {
    playbooks = await createPlaybooks(config, database, t.bus, portLog, metrics);
  } catch (err) {
    webhooks.sources.stop();
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
  const decisions = new IncidentDecisionsService({ store, bus: t.bus, log: portLog });
  const email = createEmailAnalysis(config, database, {
    incidents: store,
    queue: t.queue,
    bus: t.bus,
    log: portLog,
    telemetry: metrics,
  });
  const triageRetry = new TriageRetryService({
    store,
    queue: t.queue,
    bus: t.bus,
    log: portLog.child({ component: 'triage-retry' }),
  });
  const killSwitch = new KillSwitchService({
    store: new SqlKillSwitchStore(database),
    bus: t.bus,
    log: portLog.child({ component: 'kill-switch' }),
    gauge: metrics.killSwitchActive,
    pollMs: Math.max(100, config.response.kill_switch_poll),
  });
  try {
    await killSwitch.start();
  } catch (err) {
    webhooks.sources.stop();
    playbooks.stop();
    throw err;
  }
  let connectors: ConnectorsWiring;
  try {
    connectors = await createConnectors(config, database, t.bus, portLog, metrics.connectorCalls);
  } catch (err) {
    webhooks.sources.stop();
    playbooks.stop();
    killSwitch.stop();
    throw err;
  }
  let policy: PolicyWiring;
  try {
    policy = await createPolicy(config, database, t.bus, portLog, {
      killSwitchActive: () => killSwitch.isActive(),
    });
  } catch (err) {
    webhooks.sources.stop();
    playbooks.stop();
    killSwitch.stop();
    connectors.stop();
    throw err;
  }
  return {
    connectors,
    policy,
    killSwitch,
    store,
    metrics,
    leaderElector,
    webhooks,
    knownSource,
    ingest,
    decisions,
    triageRetry,
    playbooks,
    email,
    llmTranscripts: new SqlLlmTranscriptStore(database),
  };
}
