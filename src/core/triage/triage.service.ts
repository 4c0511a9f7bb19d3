import { PermanentJobError, type IncidentStatus } from '../../contracts/index.ts';
import type {
  EventBus,
  EventInput,
  IncidentStore,
  KillSwitchView,
  Logger,
  Telemetry,
  TriageRunStore,
  TriageStepRecord,
} from '../../ports/index.ts';
import type { PlaybookSource, PlaybookSubject } from '../playbooks/playbook.model.ts';
import type { Verdict } from './analyzer.ts';
import type { AnalyzerRegistry } from './analyzer-registry.ts';
import type { Enricher } from './pipeline.ts';
import {
  analysisBoundary,
  PlaybookRunner,
  restore,
  type CallLimiter,
  type RunState,
  type StepServices,
} from './playbook-runner.ts';

export type { CallLimiter } from './playbook-runner.ts';

export interface TriagePolicy {
  autoResolveBenign: boolean;
  autoResolveMinConfidence: number;
  autoResolveStatus: 'false_positive' | 'resolved';
}

export interface TriageServiceDeps {
  store: IncidentStore & TriageRunStore;
  bus: EventBus;
  enricher: Enricher;
  /** Picks the playbook that drives each incident's triage (BuiltinPlaybookSource: the generic one). */
  playbooks: PlaybookSource;
  /** The analyst engines analyze steps name (`deterministic`, `llm`, `auto`). */
  analyzers: AnalyzerRegistry;
  analyzerSlots: CallLimiter;
  policy: TriagePolicy;
  log: Logger;
  telemetry: Telemetry;
  /** Written to the audit log as the actor, e.g. `orchestrator:<instance id>`. */
  actor: string;
  /** The kill switch (docs/RESPONSE.md): propose_action records when it was active. */
  killSwitch?: KillSwitchView;
  /** Response actions: propose_action and notify steps propose them; released after the verdict. */
  actions?: StepServices['actions'];
}

export type TriageOutcome = 'completed' | 'skipped' | 'superseded';

/**
 * Moves one incident new → enriching → analyzing → pending_review (or auto-resolved), running the
 * steps of the playbook its PlaybookSource picks: the stages before the first analyze stage while
 * `enriching`, the rest while `analyzing`. Every status move is a compare-and-set, and every step
 * is recorded once per run (triage_steps), so a job delivered twice, or redelivered after a crash
 * mid-way, resumes from the stored status and recorded steps and applies each step once: the loser
 * of a race writes nothing and stops.
 */
export class TriageService {
  private readonly runner: PlaybookRunner;

  constructor(private readonly deps: TriageServiceDeps) {
    this.runner = new PlaybookRunner(deps);
  }

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
    const { store, actor } = this.deps;
    const started = performance.now();
    const found = await store.triageSubject(incidentId);
    if (!found) throw new PermanentJobError(`incident ${incidentId} not found`);
    let incident = found.incident;
    if (incident.triage_failed_at !== null) return 'skipped';
    if (!isTriageStatus(incident.status)) return 'skipped';
    const subject: PlaybookSubject = {
      incident: { ...incident },
      ...(found.alert !== undefined ? { alert: found.alert } : {}),
    };
    const playbook = await this.deps.playbooks.forIncident(subject, signal);
    let run = found.run;
    /** Steps recorded for this run; none when this process just started it. */
    let recorded: Map<string, TriageStepRecord> | undefined;

    if (incident.status === 'new') {
      const moved = await store.startTriage(
        {
          id: incidentId,
          from: 'new',
          to: 'enriching',
          actor,
          action: 'triage.started',
          details: { playbook: playbook.name, playbook_version: playbook.version },
        },
        { name: playbook.name, version: playbook.version },
      );
      if (!moved) return 'superseded';
      await this.publish({
        type: 'status_changed',
        data: { incident_id: incidentId, from: 'new', to: 'enriching', by: actor },
      });
      incident = moved;
      run = moved.run;
      recorded = new Map();
    } else if (found.playbook_name !== null && found.playbook_name !== playbook.name) {
      // Resumed under another playbook than the one that started the run (the set changed meanwhile):
      // recorded steps are matched by id and never run twice; the rest follow the current playbook.
      this.deps.log.info(
        { incident_id: incidentId, started_with: found.playbook_name, now: playbook.name },
        'triage resumed under another playbook',
      );
    }
    recorded ??= new Map((await store.triageSteps(incidentId, run)).map((s) => [s.step_id, s]));
    const boundary = analysisBoundary(playbook);
    const state: RunState = {
      incidentId,
      run,
      playbook,
      status: 'enriching',
      subject,
      indicators: [],
      enrichments: [],
      newEnrichments: [],
      enrichStats: { lookups: 0, hits: 0, errors: 0 },
      ...(incident.vendor_confidence !== null ? { vendorConfidence: incident.vendor_confidence } : {}),
      proposed: [],
      actionIds: [],
      after: [],
      recorded,
      pending: [],
      stopped: false,
    };

    if (incident.status === 'enriching') {
      signal.throwIfAborted();
      state.indicators = await store.indicators(incidentId);
      const ok = await this.runner.runStages(
        state,
        0,
        boundary,
        () => ({ incident, indicators: state.indicators }),
        signal,
      );
      if (!ok) return 'superseded';
      signal.throwIfAborted();
      const { lookups, hits, errors } = state.enrichStats;
      const moved = await store.recordEnrichmentSteps(
        {
          id: incidentId,
          from: 'enriching',
          to: 'analyzing',
          actor,
          action: 'triage.enriched',
          details: { lookups, hits, errors, ...(state.stopped ? { stopped: true } : {}) },
        },
        state.newEnrichments,
        { run, steps: state.pending },
      );
      if (!moved) return 'superseded';
      incident = moved;
      await this.publish(
        { type: 'enrichment_complete', data: { incident_id: incidentId, lookups, hits } },
        {
          type: 'status_changed',
          data: { incident_id: incidentId, from: 'enriching', to: 'analyzing', by: actor },
        },
      );
      state.pending = [];
    } else {
      // Resumed in `analyzing`: a stop decided while enriching still holds.
      for (const done of recorded.values()) if (done.kind === 'condition') restore(state, done);
    }

    if (incident.status !== 'analyzing') return 'skipped';
    signal.throwIfAborted();
    const detail = await store.getDetail(incidentId);
    if (!detail) throw new PermanentJobError(`incident ${incidentId} vanished during triage`);
    state.status = 'analyzing';
    state.indicators = detail.indicators;
    state.enrichments = [...detail.enrichments];
    state.subject = { ...subject, incident: detail as unknown as PlaybookSubject['incident'] };
    if (detail.vendor_confidence !== null) state.vendorConfidence = detail.vendor_confidence;
    if (!state.stopped) {
      const ok = await this.runner.runStages(
        state,
        boundary,
        playbook.stages.length,
        () => ({ incident: detail, indicators: detail.indicators }),
        signal,
      );
      if (!ok) return 'superseded';
      signal.throwIfAborted();
    }
    return this.finish(state, started);
  }

  /** The final move, analyzing → pending_review or auto-resolved, with the verdict and the pending step records. */
  private async finish(state: RunState, started: number): Promise<TriageOutcome> {
    const { store, actor } = this.deps;
    const { incidentId, run, playbook } = state;
    const steps = { run, steps: state.pending };
    const pb = { playbook: playbook.name, playbook_version: playbook.version };
    if (!state.verdict) {
      // No analyze step ran (none in the playbook, skipped, or stopped before): a person reviews it.
      const done = await store.transitionSteps(
        {
          id: incidentId,
          from: 'analyzing',
          to: 'pending_review',
          actor,
          action: 'triage.analyzed',
          details: {
            ...pb,
            analyzer: null,
            reason: state.stopped ? 'stopped by a condition step' : 'no analyze step ran',
          },
        },
        steps,
      );
      if (!done) return 'superseded';
      await this.publish(
        {
          type: 'status_changed',
          data: { incident_id: incidentId, from: 'analyzing', to: 'pending_review', by: actor },
        },
        ...state.after,
      );
      await this.releaseActions(state);
      return 'completed';
    }
    const { analyzer, verdict } = state.verdict;
    const recommended = [...verdict.recommended_actions];
    for (const a of state.proposed) if (!recommended.includes(a)) recommended.push(a);
    const next = this.nextStatus(verdict);
    const done = await store.recordAnalysisSteps(
      {
        id: incidentId,
        from: 'analyzing',
        to: next,
        actor,
        action: 'triage.analyzed',
        details: { ...pb, analyzer, classification: verdict.classification, confidence: verdict.confidence },
        ...(next !== 'pending_review'
          ? {
              reason: `auto-resolved: ${verdict.classification} with confidence ${verdict.confidence.toFixed(2)}`,
            }
          : {}),
      },
      { analyzer, ...verdict, recommended_actions: recommended },
      steps,
    );
    if (!done) return 'superseded';
    this.deps.telemetry.triageFinished(verdict.classification, (performance.now() - started) / 1000);
    const events: EventInput[] = [
      {
        type: 'analysis_complete',
        data: {
          incident_id: incidentId,
          analyzer,
          classification: verdict.classification,
          confidence: verdict.confidence,
        },
      },
      {
        type: 'status_changed',
        data: { incident_id: incidentId, from: 'analyzing', to: next, by: actor },
      },
    ];
    if (next !== 'pending_review') {
      events.push({
        type: 'incident_resolved',
        data: { incident_id: incidentId, status: next, reason: done.resolution_reason ?? '', by: actor },
      });
    }
    // The steps' events and actions only now: what they follow (the verdict) is committed.
    await this.publish(...events, ...state.after);
    await this.releaseActions(state);
    return 'completed';
  }

  /** Announces and queues the run's proposed actions (idempotent; an enqueue lost here is re-queued by the leader). */
  private async releaseActions(state: RunState): Promise<void> {
    if (!this.deps.actions || state.actionIds.length === 0) return;
    try {
      await this.deps.actions.releaseIds(state.actionIds);
    } catch (err) {
      this.deps.log.warn(
        { incident_id: state.incidentId, err: String(err) },
        'releasing proposed actions failed',
      );
    }
  }

  private nextStatus(v: Verdict): IncidentStatus {
    const p = this.deps.policy;
    if (p.autoResolveBenign && v.classification === 'benign' && v.confidence >= p.autoResolveMinConfidence) {
      return p.autoResolveStatus;
    }
    return 'pending_review';
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

function isTriageStatus(s: IncidentStatus): s is 'new' | 'enriching' | 'analyzing' {
  return s === 'new' || s === 'enriching' || s === 'analyzing';
}
