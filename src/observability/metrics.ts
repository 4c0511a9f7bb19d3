import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitState, IntelOutcome, IntelTelemetry, LlmTelemetry, Telemetry } from '../ports/index.ts';
import { cpuLimitCores, memoryLimitBytes } from './cgroup.ts';

/** Sliding window for http_requests_per_second, seconds. */
const RPS_WINDOW_S = 15;

export interface MetricSources {
  poolStats?: () => { primary: { waiting: number }; replica?: { waiting: number } };
  webSocketConnections?: () => number;
  leader?: () => { isLeader: boolean; term: number };
  /** Times the queue worker was found stuck and replaced (Redis mode). */
  queueWorkerRecoveries?: () => number;
  /**
   * Whether a source name may be a label value (configured or built-in sources); others are
   * counted as `other`, so no caller-chosen string becomes a label. Default: none may.
   */
  knownSource?: (name: string) => boolean;
}

/** The label value standing for every source name that is not known. */
export const OTHER_SOURCE = 'other';

/**
 * Every metric of this process (names from the seed, exactly, plus `tw_*`). Two registries:
 * per-instance metrics, and cluster-wide gauges that only the leader exposes so sums do not
 * double count (DESIGN.md "Metrics").
 */
export class Metrics implements Telemetry, IntelTelemetry, LlmTelemetry {
  readonly instance = new Registry();
  readonly cluster = new Registry();
  private sources: MetricSources = {};
  private readonly rpsBuckets = new Array<number>(RPS_WINDOW_S).fill(0);
  private rpsSecond = Math.floor(Date.now() / 1000);
  private lastCpu = process.cpuUsage();
  private lastCpuAt = performance.now();
  private readonly cores = cpuLimitCores();
  private readonly memLimit = memoryLimitBytes();
  private httpAnswered = 0;
  private httpOpen = 0;

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.instance],
  });
  readonly ingested = new Counter({
    name: 'tw_incidents_ingested_total',
    help: 'Alerts accepted, by source and whether they created an incident or were folded into one',
    labelNames: ['source', 'result'] as const,
    registers: [this.instance],
  });
  readonly triaged = new Counter({
    name: 'tw_incidents_triaged_total',
    help: 'Incidents that finished automated triage, by verdict',
    labelNames: ['classification'] as const,
    registers: [this.instance],
  });
  readonly triageDuration = new Histogram({
    name: 'tw_triage_duration_seconds',
    help: 'Time from triage start to stored verdict in this worker',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.instance],
  });
  readonly cacheHits = new Counter({
    name: 'tw_enrichment_cache_hits_total',
    help: 'Enrichment lookups served from cache',
    registers: [this.instance],
  });
  readonly cacheMisses = new Counter({
    name: 'tw_enrichment_cache_misses_total',
    help: 'Enrichment lookups that went to a provider',
    registers: [this.instance],
  });
  readonly enrichmentErrors = new Counter({
    name: 'tw_enrichment_errors_total',
    help: 'Enrichment lookups that failed',
    registers: [this.instance],
  });
  readonly analyzerCalls = new Counter({
    name: 'tw_analyzer_calls_total',
    help: 'Analyst engine calls by analyzer and result',
    labelNames: ['analyzer', 'result'] as const,
    registers: [this.instance],
  });
  // LLM requests (docs/LLM.md "Metrics"): provider and model come from operator config (bounded).
  readonly llmCalls = new Counter({
    name: 'tw_llm_calls_total',
    help: 'Requests to an LLM, by provider, model and result (success, rate_limited, unavailable, timeout, connection, auth, bad_request, aborted)',
    labelNames: ['provider', 'model', 'result'] as const,
    registers: [this.instance],
  });
  readonly llmDuration = new Histogram({
    name: 'tw_llm_call_duration_seconds',
    help: 'LLM request latency, by provider and model',
    labelNames: ['provider', 'model'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.instance],
  });
  readonly llmTokens = new Counter({
    name: 'tw_llm_tokens_total',
    help: 'Tokens of LLM requests as the server reported them, by provider, model and kind (prompt, completion)',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers: [this.instance],
  });
  readonly llmCost = new Counter({
    name: 'tw_llm_cost_usd_total',
    help: 'Estimated LLM spend in USD from llm.prices, by provider and model',
    labelNames: ['provider', 'model'] as const,
    registers: [this.instance],
  });
  readonly llmFallbacks = new Counter({
    name: 'tw_llm_fallbacks_total',
    help: 'LLM analyses decided by the deterministic analyzer instead, by reason',
    labelNames: ['reason'] as const,
    registers: [this.instance],
  });
  readonly llmReuses = new Counter({
    name: 'tw_llm_transcript_reuses_total',
    help: 'LLM analyses answered from a stored transcript (redelivered jobs) without calling the model',
    registers: [this.instance],
  });
  readonly llmInjections = new Counter({
    name: 'tw_llm_prompt_injections_total',
    help: 'Analyses whose alert content tried to instruct the model (recorded on the incident)',
    registers: [this.instance],
  });
  readonly jobFailures = new Counter({
    name: 'tw_job_failures_total',
    help: 'Job runs that threw, by job and whether the failure was permanent',
    labelNames: ['job', 'permanent'] as const,
    registers: [this.instance],
  });
  readonly fencedOut = new Counter({
    name: 'tw_leader_fenced_out_total',
    help: 'Leader-job writes refused because a newer leadership term holds the fence',
    registers: [this.instance],
  });
  readonly reconciled = new Counter({
    name: 'tw_reconciler_requeued_total',
    help: 'Incidents re-enqueued by the reconciler after sitting in new/enriching/analyzing too long',
    registers: [this.instance],
  });
  readonly deadLetters = new Counter({
    name: 'tw_triage_dead_letter_total',
    help: 'Incidents dead-lettered by this process after triage.max_attempts failed triage runs',
    registers: [this.instance],
  });
  readonly slaBreaches = new Counter({
    name: 'tw_playbook_sla_breaches_total',
    help: 'Incidents that outlived their playbook SLA, by playbook and kind (time_to_triage, time_to_respond); counted once per incident and kind, by the leader',
    labelNames: ['playbook', 'kind'] as const,
    registers: [this.instance],
  });
  readonly emailAnalyses = new Counter({
    name: 'tw_email_analyses_total',
    help: 'Raw emails analysed, by where they came from (upload, alert, dry_run) and verdict (or error)',
    labelNames: ['source', 'verdict'] as const,
    registers: [this.instance],
  });
  readonly wsSlowConsumers = new Counter({
    name: 'tw_websocket_slow_consumer_disconnects_total',
    help: 'WebSocket clients closed (code 1013) because their unsent buffer outgrew the limit',
    registers: [this.instance],
  });
  readonly actions = new Counter({
    name: 'tw_actions_total',
    help: 'Response action executions by action type and outcome (executed, failed, kill_switch, no_connector, rate_limited)',
    labelNames: ['action_type', 'outcome'] as const,
    registers: [this.instance],
  });

  readonly intelCacheLookups = new Counter({
    name: 'tw_intel_cache_lookups_total',
    help: 'Threat-intel lookups by provider, answered from the cache (hit) or not (miss)',
    labelNames: ['provider', 'result'] as const,
    registers: [this.instance],
  });
  readonly intelLookupDuration = new Histogram({
    name: 'tw_intel_provider_duration_seconds',
    help: 'Threat-intel provider lookups by provider and outcome (every request, retry and wait of one lookup)',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.instance],
  });
  readonly intelErrors = new Counter({
    name: 'tw_intel_provider_errors_total',
    help: 'Threat-intel provider lookups that failed, by provider and reason',
    labelNames: ['provider', 'reason'] as const,
    registers: [this.instance],
  });
  readonly intelCircuitState = new Gauge({
    name: 'tw_intel_circuit_state',
    help: 'Threat-intel provider circuit breaker: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider'] as const,
    registers: [this.instance],
  });
  /** This process's view of the kill switch (docs/RESPONSE.md): 1 while no automated action may start. */
  readonly killSwitchActive = new Gauge({
    name: 'tw_kill_switch_active',
    help: 'Kill switch as this process sees it: 1 active (no automated response action starts), 0 inactive',
    registers: [this.instance],
  });
  /** Connector calls by kind and outcome (both fixed vocabularies; never a connector name or a target). */
  readonly connectorCalls = new Counter({
    name: 'tw_connector_calls_total',
    help: 'Action connector calls (execute, dry run, rollback), by connector kind and outcome',
    labelNames: ['connector_kind', 'outcome'] as const,
    registers: [this.instance],
  });
  readonly intelRateLimitedWaits = new Counter({
    name: 'tw_intel_rate_limited_total',
    help: 'Waits before calling a threat-intel vendor, by provider and whose limit (local or vendor 429)',
    labelNames: ['provider', 'by'] as const,
    registers: [this.instance],
  });

  // Cluster-wide gauges: set by the leader's aggregation job.
  readonly queueDepth = new Gauge({
    name: 'incident_queue_depth',
    help: 'Incidents waiting in the triage queue (cluster-wide)',
    registers: [this.cluster],
  });
  readonly redisClients = new Gauge({
    name: 'redis_connected_clients',
    help: 'Clients connected to Redis (cluster-wide)',
    registers: [this.cluster],
  });
  readonly meanTimeToTriage = new Gauge({
    name: 'tw_mean_time_to_triage_seconds',
    help: 'Mean time from incident creation to verdict over the last hour (cluster-wide)',
    registers: [this.cluster],
  });
  readonly approvalsPending = new Gauge({
    name: 'tw_approvals_pending',
    help: 'Actions waiting for approval (cluster-wide)',
    registers: [this.cluster],
  });
  readonly deadLettered = new Gauge({
    name: 'tw_triage_dead_letter_incidents',
    help: 'Incidents in the triage dead letter, waiting for retry-triage (cluster-wide)',
    registers: [this.cluster],
  });
  readonly incidentsByStatus = new Gauge({
    name: 'tw_incidents',
    help: 'Incidents by status (cluster-wide)',
    labelNames: ['status'] as const,
    registers: [this.cluster],
  });

  constructor() {
    collectDefaultMetrics({ register: this.instance });
    const rps: Gauge = new Gauge({
      name: 'http_requests_per_second',
      help: `HTTP requests per second over the last ${RPS_WINDOW_S} s`,
      registers: [this.instance],
      collect: () => {
        this.rollRps();
        rps.set(this.rpsBuckets.reduce((a, b) => a + b, 0) / RPS_WINDOW_S);
      },
    });
    const cpuGauge: Gauge = new Gauge({
      name: 'cpu_usage_percent',
      help: 'Process CPU use as a percentage of the CPU it may use (cgroup quota, else all cores)',
      registers: [this.instance],
      collect: () => {
        const now = performance.now();
        const cpu = process.cpuUsage();
        const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
        const elapsedUs = (now - this.lastCpuAt) * 1000;
        this.lastCpu = cpu;
        this.lastCpuAt = now;
        if (elapsedUs > 0) cpuGauge.set(Math.min(100, (usedUs / elapsedUs / this.cores) * 100));
      },
    });
    const mem: Gauge = new Gauge({
      name: 'memory_usage_percent',
      help: 'Resident memory as a percentage of the memory limit (cgroup limit, else machine total)',
      registers: [this.instance],
      collect: () => {
        mem.set((process.memoryUsage.rss() / this.memLimit) * 100);
      },
    });
    const poolWaiting: Gauge = new Gauge({
      name: 'db_connection_pool_waiting',
      help: 'Queries waiting for a database connection, per pool',
      labelNames: ['pool'] as const,
      registers: [this.instance],
      collect: () => {
        const s = this.sources.poolStats?.();
        if (!s) return;
        poolWaiting.set({ pool: 'primary' }, s.primary.waiting);
        if (s.replica) poolWaiting.set({ pool: 'replica' }, s.replica.waiting);
      },
    });
    const wsConnections: Gauge = new Gauge({
      name: 'tw_websocket_connections',
      help: 'Open WebSocket connections on this instance',
      registers: [this.instance],
      collect: () => {
        wsConnections.set(this.sources.webSocketConnections?.() ?? 0);
      },
    });
    const leader: Gauge = new Gauge({
      name: 'tw_leader',
      help: '1 on the orchestrator that holds leadership, else 0',
      registers: [this.instance],
      collect: () => {
        leader.set(this.sources.leader?.().isLeader ? 1 : 0);
      },
    });
    const leaderTerm: Gauge = new Gauge({
      name: 'tw_leader_term',
      help: 'Leadership term (fencing token) held by this instance, 0 when not leader',
      registers: [this.instance],
      collect: () => {
        leaderTerm.set(this.sources.leader?.().term ?? 0);
      },
    });
    const recoveries: Gauge = new Gauge({
      name: 'tw_queue_worker_recoveries',
      help: 'Times this process replaced a queue worker that had stopped consuming (lost Redis connection)',
      registers: [this.instance],
      collect: () => {
        recoveries.set(this.sources.queueWorkerRecoveries?.() ?? 0);
      },
    });
  }

  /** Late-bound sources (the pool and the WebSocket hub exist after the metrics object). */
  bind(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  recordRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpAnswered++;
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
    this.rollRps();
    this.rpsBuckets[this.rpsSecond % RPS_WINDOW_S]! += 1;
  }

  /** Requests answered since start (every one {@link recordRequest} saw): the cluster registry's load. */
  get httpRequestsAnswered(): number {
    return this.httpAnswered;
  }
  /** Requests received and not yet finished or abandoned (WebSocket upgrades are not counted: see tw_websocket_connections). */
  get httpRequestsInFlight(): number {
    return this.httpOpen;
  }
  /** Counts a request in flight; the returned function (idempotent) counts it out. */
  httpRequestStarted(): () => void {
    this.httpOpen++;
    let open = true;
    return () => {
      if (open) this.httpOpen--;
      open = false;
    };
  }
  /** The value a registered metric shows in /metrics now (summed over labels); undefined if absent. */
  async currentValue(name: string): Promise<number | undefined> {
    const metric = this.instance.getSingleMetric(name);
    if (!metric) return undefined;
    const { values } = await metric.get();
    return values.length ? values.reduce((sum, v) => sum + v.value, 0) : undefined;
  }

  /** Prometheus text for this instance, plus cluster-wide gauges when it leads. */
  async render(): Promise<{ contentType: string; body: string }> {
    const leading = this.sources.leader?.().isLeader ?? true;
    const registry = leading ? Registry.merge([this.instance, this.cluster]) : this.instance;
    return { contentType: this.instance.contentType, body: await registry.metrics() };
  }

  private rollRps(): void {
    const now = Math.floor(Date.now() / 1000);
    if (now === this.rpsSecond) return;
    const steps = Math.min(RPS_WINDOW_S, now - this.rpsSecond);
    for (let i = 1; i <= steps; i++) this.rpsBuckets[(this.rpsSecond + i) % RPS_WINDOW_S] = 0;
    this.rpsSecond = now;
  }

  // Telemetry port
  incidentIngested(source: string, result: 'created' | 'deduplicated'): void {
    const label = this.sources.knownSource?.(source) ? source : OTHER_SOURCE;
    this.ingested.inc({ source: label, result });
  }
  triageFinished(classification: string, seconds: number): void {
    this.triaged.inc({ classification });
    this.triageDuration.observe(seconds);
  }
  emailAnalyzed(
    source: 'upload' | 'alert' | 'dry_run',
    verdict: 'malicious' | 'suspicious' | 'benign' | 'error',
  ): void {
    this.emailAnalyses.inc({ source, verdict });
  }

  triageDeadLettered(): void {
    this.deadLetters.inc();
  }
  /** Playbook names are validated (`[a-z0-9][a-z0-9_-]{0,63}`) and operator-chosen: a bounded label. */
  slaBreached(playbook: string, kind: 'time_to_triage' | 'time_to_respond'): void {
    this.slaBreaches.inc({ playbook, kind });
  }
  enrichmentLookups(cacheHits: number, cacheMisses: number, errors: number): void {
    if (cacheHits) this.cacheHits.inc(cacheHits);
    if (cacheMisses) this.cacheMisses.inc(cacheMisses);
    if (errors) this.enrichmentErrors.inc(errors);
  }
  /** Whole analyses; an LLM analyst's individual requests are counted by {@link llmRequest}. */
  analyzerCall(analyzer: string, _seconds: number, ok: boolean): void {
    this.analyzerCalls.inc({ analyzer, result: ok ? 'success' : 'failure' });
  }
  // LlmTelemetry port: one model request each (an analysis makes several).
  llmRequest(
    provider: string,
    model: string,
    result: string,
    seconds: number,
    usage: { inputTokens: number; outputTokens: number },
    costUsd: number,
  ): void {
    this.llmCalls.inc({ provider, model, result });
    this.llmDuration.observe({ provider, model }, seconds);
    if (usage.inputTokens) this.llmTokens.inc({ provider, model, kind: 'prompt' }, usage.inputTokens);
    if (usage.outputTokens) this.llmTokens.inc({ provider, model, kind: 'completion' }, usage.outputTokens);
    if (costUsd > 0) this.llmCost.inc({ provider, model }, costUsd);
  }
  llmFallback(reason: string): void {
    this.llmFallbacks.inc({ reason });
  }
  llmReused(): void {
    this.llmReuses.inc();
  }
  llmInjectionDetected(): void {
    this.llmInjections.inc();
  }
  jobFailed(job: string, permanent: boolean): void {
    this.jobFailures.inc({ job, permanent: String(permanent) });
  }
  intelCache(provider: string, result: 'hit' | 'miss'): void {
    this.intelCacheLookups.inc({ provider, result });
  }
  intelLookup(provider: string, outcome: IntelOutcome, seconds: number): void {
    this.intelLookupDuration.observe({ provider, outcome }, seconds);
    if (outcome !== 'ok' && outcome !== 'not_found') this.intelErrors.inc({ provider, reason: outcome });
  }
  intelCircuit(provider: string, state: CircuitState): void {
    this.intelCircuitState.set({ provider }, state === 'closed' ? 0 : state === 'half_open' ? 1 : 2);
  }
  intelRateLimited(provider: string, by: 'local' | 'vendor'): void {
    this.intelRateLimitedWaits.inc({ provider, by });
  }
}
