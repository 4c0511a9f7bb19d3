import type { SqlIncidentStore } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import { Semaphore } from '../core/shared/semaphore.ts';
import type { Analyzer } from '../core/triage/analyzer.ts';
import { InProcessLlmTranscriptStore } from '../adapters/in-process/in-process.llm-transcript-store.ts';
import type { LlmTranscriptStore } from '../ports/index.ts';
import { DeterministicAnalyzer } from '../core/triage/deterministic.analyzer.ts';
import { AnalyzerRegistry } from '../core/triage/analyzer-registry.ts';
import { BuiltinPlaybookSource } from '../core/playbooks/builtin-playbooks.ts';
import type { PlaybookSource } from '../core/playbooks/playbook.model.ts';
import { TriageService } from '../core/triage/triage.service.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AuditLogStore, KillSwitchView, LeaderElector, Logger } from '../ports/index.ts';
import { JOB_CATALOG, type JobCatalog } from '../core/jobs/job-catalog.ts';
import { JobWorker } from '../worker/job-worker.ts';
import { LeaderJobs, type LeaderJobsDeps } from '../worker/leader-jobs.ts';
import { TriageProcessor } from '../worker/triage.processor.ts';
import { createEnrichment } from './intel.wiring.ts';
import { ActionSweeps } from '../worker/action-sweeps.ts';
import type { ResponseWiring } from './response.wiring.ts';
import { createLlmAnalyzer, lookupFromEnricher, ruleHitContext } from './llm.wiring.ts';
import type { Transports } from './transports.ts';

export interface WorkerWiringInput {
  /** Steps that run before each triage (email analysis of raw messages in alerts). */
  wrapTriage?: (triage: TriageService, actor: string) => Pick<TriageService, 'triage'>;
  config: Config;
  transports: Transports;
  store: SqlIncidentStore;
  metrics: Metrics;
  leaderElector: LeaderElector;
  /** Replaces the built-in analyzer (benchmarks wrap it with a simulated LLM latency). */
  analyzer?: Analyzer;
  /** Where the LLM analyst (built here when `llm.provider` is set) keeps its transcripts. */
  llmTranscripts?: LlmTranscriptStore;
  /** Picks each incident's playbook. Default: the built-in source (the generic playbook for all). */
  playbooks?: PlaybookSource;
  /** The leader's SLA check (playbooks). */
  sla?: LeaderJobsDeps['sla'];
  /** The audit log, for audit's own retention (retention.audit). */
  audit?: AuditLogStore;
  /** Consulted before any automated response action (docs/RESPONSE.md). */
  killSwitch?: KillSwitchView;
  /** Response actions: playbook proposals, the `action.execute` handler, the leader's sweeps. */
  response: ResponseWiring;
  portLog: Logger;
  /** The cluster registry, pruned by the leader (docs/DASHBOARD.md "Cluster"). */
  instances?: LeaderJobsDeps['instances'];
}

export interface WorkerWiring {
  /** Consumes the work queue: one handler per job kind of the catalog. */
  jobs: JobWorker<JobCatalog>;
  leaderJobs: LeaderJobs;
  /** Releases the intel providers (feed pollers); after the jobs stopped. */
  close(): Promise<void>;
}

/** The orchestrator side: intel, the triage service and its queue consumer, and the leader jobs. */
export async function createWorker(input: WorkerWiringInput): Promise<WorkerWiring> {
  const { config, transports: t, store, metrics, portLog } = input;
  const actor = `orchestrator:${config.server.instance_id}`;
  const enricher = await createEnrichment(config, {
    cache: t.cache,
    rateLimiter: t.counters,
    telemetry: metrics,
    log: portLog.child({ component: 'intel' }),
  });
  const analyzers = new AnalyzerRegistry(input.analyzer ?? new DeterministicAnalyzer());
  // The LLM analyst when llm.provider is set (docs/LLM.md): analyze steps asking `llm` or `auto` get it.
  const llm = createLlmAnalyzer({
    config,
    store: input.llmTranscripts ?? new InProcessLlmTranscriptStore(),
    counters: t.counters,
    telemetry: metrics,
    bus: t.bus,
    log: portLog.child({ component: 'llm' }),
    lookup: lookupFromEnricher(enricher),
    // The vendor rule packs' hits go to the model as context, as the deterministic analyzer weighs them.
    contextSource: ruleHitContext,
  });
  if (llm) analyzers.registerLlm(llm);
  const triage = new TriageService({
    store,
    bus: t.bus,
    enricher,
    playbooks: input.playbooks ?? new BuiltinPlaybookSource(),
    analyzers,
    analyzerSlots: new Semaphore(config.orchestrator.concurrency.llm),
    policy: {
      autoResolveBenign: config.triage.auto_resolve_benign,
      autoResolveMinConfidence: config.triage.auto_resolve_min_confidence,
      autoResolveStatus: config.triage.auto_resolve_status,
    },
    log: portLog.child({ component: 'triage' }),
    telemetry: metrics,
    actor,
    ...(input.killSwitch ? { killSwitch: input.killSwitch } : {}),
    actions: input.response.service,
  });
  const workerLog = portLog.child({ component: 'worker' });
  const triageJobs = new TriageProcessor({
    // Raw messages inside alerts are analysed before the pipeline runs (docs/EMAIL-ANALYSIS.md).
    triage: input.wrapTriage ? input.wrapTriage(triage, actor) : triage,
    store,
    maxAttempts: config.triage.max_attempts,
    actor,
    log: workerLog,
    telemetry: metrics,
  });
  // One handler per kind of JOB_CATALOG: a kind added to the catalog fails to compile until it has one here.
  const jobs = new JobWorker({
    queue: t.queue,
    catalog: JOB_CATALOG,
    handlers: {
      triage: triageJobs.handle,
      'action.execute': async (job) => void (await input.response.executor.execute(job.payload.action_id)),
    },
    concurrency: config.orchestrator.concurrency.incidents,
    log: workerLog,
    telemetry: metrics,
  });
  // Leader jobs always run: with election disabled this process is the only leader (a solo
  // in-process lease), as an embedded deployment is; the reconciler must never be off.
  const leaderJobs = new LeaderJobs({
    elector: input.leaderElector,
    store,
    queue: t.queue,
    bus: t.bus,
    metrics,
    log: portLog.child({ component: 'leader' }),
    ...(t.redisConnectedClients ? { redisConnectedClients: t.redisConnectedClients } : {}),
    ...(input.sla ? { sla: input.sla } : {}),
    ...(input.audit ? { audit: input.audit } : {}),
    ...(input.instances ? { instances: input.instances } : {}),
    actions: new ActionSweeps({
      store: input.response.store,
      bus: t.bus,
      queue: t.queue,
      log: portLog.child({ component: 'action-sweeps' }),
      staleExecutingMs: config.response.stale_executing_after,
    }),
    intervals: {
      reconcileMs: config.orchestrator.reconcile_interval,
      staleAfterMs: config.orchestrator.stale_after,
      metricsMs: config.orchestrator.metrics_interval,
      housekeepingMs: config.orchestrator.housekeeping_interval,
      retentionMs: config.retention.closed_incidents,
      auditRetentionMs: config.retention.audit,
      // A live leader claims the fence every reconcile pass; one silent for three passes (and two
      // leases) is gone, e.g. another deployment that used this database before.
      fenceTakeoverMs: Math.max(
        3 * config.orchestrator.reconcile_interval,
        2 * config.orchestrator.leaderElection.leaseDuration,
      ),
    },
  });
  return { jobs, leaderJobs, close: () => enricher.close() };
}
