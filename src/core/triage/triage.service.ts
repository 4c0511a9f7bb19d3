import { PermanentJobError, type IncidentStatus } from '../../contracts/index.ts';
import type {
  EventBus,
  EventInput,
  IncidentRecord,
  IncidentStore,
  Logger,
  Telemetry,
} from '../../ports/index.ts';
import type { Verdict } from './analyzer.ts';
import type { Enricher, PipelineRegistry } from './pipeline.ts';

/** Bounds concurrent analyzer calls per process (orchestrator.concurrency.llm). */
export interface CallLimiter {
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface TriagePolicy {
  autoResolveBenign: boolean;
  autoResolveMinConfidence: number;
  autoResolveStatus: 'false_positive' | 'resolved';
}

export interface TriageServiceDeps {
  store: IncidentStore;
  bus: EventBus;
  enricher: Enricher;
  pipelines: PipelineRegistry;
  analyzerSlots: CallLimiter;
  policy: TriagePolicy;
  log: Logger;
  telemetry: Telemetry;
  /** Written to the audit log as the actor, e.g. `orchestrator:<instance id>`. */
  actor: string;
}

export type TriageOutcome = 'completed' | 'skipped' | 'superseded';

/**
 * Moves one incident new → enriching → analyzing → pending_review (or auto-resolved). Every step is
 * a compare-and-set, so a job delivered twice, or redelivered after a crash mid-way, resumes from
 * the stored status and applies each step once: the loser of a race writes nothing and stops.
 */
export class TriageService {
  constructor(private readonly deps: TriageServiceDeps) {}

  /**
   * Triage one incident. A dead-lettered one is skipped (an operator retries it). When a repeat with
   * new evidence sent the incident back to `new` while this run was under way, this run is superseded
   * at its next step and starts over (the queue would not take a second job for the id meanwhile).
   */
  async triage(incidentId: string, signal: AbortSignal): Promise<TriageOutcome> {
    for (let round = 0; ; round++) {
      const outcome = await this.run(incidentId, signal);
      if (outcome !== 'superseded' || round >= 2) return outcome;
      const now = await this.deps.store.get(incidentId);
      if (now?.status !== 'new' || now.triage_failed_at !== null) return outcome;
    }
  }

  private async run(incidentId: string, signal: AbortSignal): Promise<TriageOutcome> {
    const { store } = this.deps;
    const started = performance.now();
    let incident = await store.get(incidentId);
    if (!incident) throw new PermanentJobError(`incident ${incidentId} not found`);
    if (incident.triage_failed_at !== null) return 'skipped';
    const pipeline = this.deps.pipelines.forType(incident.incident_type);

    if (incident.status === 'new') {
      incident = await this.move(incident, 'new', 'enriching', 'triage.started', { pipeline: pipeline.name });
      if (!incident) return 'superseded';
    }

    if (incident.status === 'enriching') {
      signal.throwIfAborted();
      const indicators = await store.indicators(incidentId);
      const selected = pipeline.selectIndicators ? pipeline.selectIndicators(indicators) : indicators;
      const result = pipeline.enrich
        ? await this.deps.enricher.enrich(selected, signal)
        : { enrichments: [], lookups: 0, cacheHits: 0, cacheMisses: 0, errors: 0 };
      this.deps.telemetry.enrichmentLookups(result.cacheHits, result.cacheMisses, result.errors);
      signal.throwIfAborted();
      const hits = result.enrichments.filter(
        (e) => e.verdict === 'malicious' || e.verdict === 'suspicious',
      ).length;
      const moved = await store.recordEnrichment(
        {
          id: incidentId,
          from: 'enriching',
          to: 'analyzing',
          actor: this.deps.actor,
          action: 'triage.enriched',
          details: { lookups: result.lookups, hits, errors: result.errors },
        },
        result.enrichments,
      );
      if (!moved) return 'superseded';
      incident = moved;
      await this.publish(
        { type: 'enrichment_complete', data: { incident_id: incidentId, lookups: result.lookups, hits } },
        {
          type: 'status_changed',
          data: { incident_id: incidentId, from: 'enriching', to: 'analyzing', by: this.deps.actor },
        },
      );
    }

    if (incident.status !== 'analyzing') return 'skipped';
    signal.throwIfAborted();
    const detail = await store.getDetail(incidentId);
    if (!detail) throw new PermanentJobError(`incident ${incidentId} vanished during triage`);
    const analyzer = pipeline.analyzer;
    const t0 = performance.now();
    let verdict: Verdict;
    try {
      verdict = await this.deps.analyzerSlots.run(
        () =>
          analyzer.analyze(
            {
              incident: detail,
              indicators: detail.indicators,
              enrichments: detail.enrichments,
              ...(detail.vendor_confidence !== null ? { vendorConfidence: detail.vendor_confidence } : {}),
            },
            signal,
          ),
        signal,
      );
      this.deps.telemetry.analyzerCall(analyzer.name, (performance.now() - t0) / 1000, true);
    } catch (err) {
      this.deps.telemetry.analyzerCall(analyzer.name, (performance.now() - t0) / 1000, false);
      throw err;
    }
    const next = this.nextStatus(verdict);
    const done = await store.recordAnalysis(
      {
        id: incidentId,
        from: 'analyzing',
        to: next,
        actor: this.deps.actor,
        action: 'triage.analyzed',
        details: {
          analyzer: analyzer.name,
          classification: verdict.classification,
          confidence: verdict.confidence,
        },
        ...(next !== 'pending_review'
          ? {
              reason: `auto-resolved: ${verdict.classification} with confidence ${verdict.confidence.toFixed(2)}`,
            }
          : {}),
      },
      { analyzer: analyzer.name, ...verdict },
    );
    if (!done) return 'superseded';
    this.deps.telemetry.triageFinished(verdict.classification, (performance.now() - started) / 1000);
    const events: EventInput[] = [
      {
        type: 'analysis_complete',
        data: {
          incident_id: incidentId,
          analyzer: analyzer.name,
          classification: verdict.classification,
          confidence: verdict.confidence,
        },
      },
      {
        type: 'status_changed',
        data: { incident_id: incidentId, from: 'analyzing', to: next, by: this.deps.actor },
      },
    ];
    if (next !== 'pending_review') {
      events.push({
        type: 'incident_resolved',
        data: {
          incident_id: incidentId,
          status: next,
          reason: done.resolution_reason ?? '',
          by: this.deps.actor,
        },
      });
    }
    await this.publish(...events);
    return 'completed';
  }

  private nextStatus(v: Verdict): IncidentStatus {
    const p = this.deps.policy;
    if (p.autoResolveBenign && v.classification === 'benign' && v.confidence >= p.autoResolveMinConfidence) {
      return p.autoResolveStatus;
    }
    return 'pending_review';
  }

  private async move(
    incident: IncidentRecord,
    from: IncidentStatus,
    to: IncidentStatus,
    action: string,
    details: Record<string, unknown>,
  ): Promise<IncidentRecord | null> {
    const moved = await this.deps.store.transition({
      id: incident.id,
      from,
      to,
      actor: this.deps.actor,
      action,
      details,
    });
    if (moved)
      await this.publish({
        type: 'status_changed',
        data: { incident_id: incident.id, from, to, by: this.deps.actor },
      });
    return moved;
  }

  /**
   * Events are best effort after the commit: a bus failure must not redo a committed step. The events
   * of one step go in one round trip, in order.
   */
  private async publish(...events: EventInput[]): Promise<void> {
    try {
      await this.deps.bus.publishMany(events);
    } catch (err) {
      this.deps.log.warn({ err: String(err), events: events.map((e) => e.type) }, 'event publish failed');
    }
  }
}
