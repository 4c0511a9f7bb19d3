import {
  ACTION_TYPES,
  type ActionType,
  type Classification,
  type IncidentStatus,
} from '../../contracts/index.ts';
import type {
  EventBus,
  EventInput,
  IncidentRecord,
  IndicatorRecord,
  KillSwitchView,
  Logger,
  NewEnrichment,
  NewTriageStep,
  Telemetry,
  TriageRunStore,
  TriageStepRecord,
} from '../../ports/index.ts';
import { evaluateConditions } from '../playbooks/conditions.ts';
import type { ActionService } from '../response/action.service.ts';
import { defaultTargetType } from '../response/action-targets.ts';
import type {
  AnalyzeStep,
  ConditionStep,
  EnrichStep,
  NotifyStep,
  PlaybookDefinition,
  PlaybookStep,
  PlaybookSubject,
  ProposeActionStep,
} from '../playbooks/playbook.model.ts';
import type { AnalysisInput, Verdict } from './analyzer.ts';
import type { AnalyzerRegistry } from './analyzer-registry.ts';
import type { Enricher } from './pipeline.ts';
import { factReader, renderTemplate, type TriageFacts } from './triage-fields.ts';

/** Bounds concurrent analyzer calls per process (orchestrator.concurrency.llm). */
export interface CallLimiter {
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** What the steps use. */
export interface StepServices {
  store: Pick<TriageRunStore, 'recordTriageStep'>;
  bus: EventBus;
  enricher: Enricher;
  analyzers: AnalyzerRegistry;
  analyzerSlots: CallLimiter;
  log: Logger;
  telemetry: Telemetry;
  actor: string;
  /**
   * The kill switch (docs/RESPONSE.md): a propose_action step records that it was active (the executor
   * is what refuses to start an action while it is).
   */
  killSwitch?: KillSwitchView;
  /**
   * Response actions (docs/RESPONSE.md): propose_action and notify steps become actions through the
   * policy engine, announced and queued once the verdict is committed. Without it they only record.
   */
  actions?: Pick<ActionService, 'recommend' | 'releaseIds'>;
}

/** One enrichment as analyzers and conditions see it. */
type EnrichmentView = AnalysisInput['enrichments'][number];

/**
 * The state of one triage run while its steps execute. The triage service builds it per phase
 * (enriching: the stages before the first analyze stage; analyzing: the rest) and stores what it
 * gathered with the phase's status move.
 */
export interface RunState {
  incidentId: string;
  run: number;
  playbook: PlaybookDefinition;
  /** The status the incident holds while this phase runs (guards immediate step records). */
  status: Extract<IncidentStatus, 'enriching' | 'analyzing'>;
  subject: PlaybookSubject;
  indicators: IndicatorRecord[];
  /** Every enrichment known to this run (stored ones and this phase's), for analyzers and conditions. */
  enrichments: EnrichmentView[];
  /** Enrichments of this phase not stored yet (stored with the enriching → analyzing move). */
  newEnrichments: NewEnrichment[];
  /** This run's enrich steps, summed. */
  enrichStats: { lookups: number; hits: number; errors: number };
  vendorConfidence?: number;
  /** The verdict of the last analyze step that ran (in stage order). */
  verdict?: { analyzer: string; verdict: Verdict };
  /** `verb:target` recommendations of this run's propose_action steps. */
  proposed: string[];
  /** Response actions this run's steps proposed: announced and queued after the verdict commits. */
  actionIds: string[];
  /** Events of this run's steps, published only after the verdict's transaction commits. */
  after: EventInput[];
  /** Steps recorded for this run (resume: never applied again). */
  recorded: Map<string, TriageStepRecord>;
  /** Step records to store with the phase's status move. */
  pending: NewTriageStep[];
  /** A condition step said stop: no further step runs. */
  stopped: boolean;
}

/** The input an analyze step hands its analyzer. */
export type AnalysisSubject = Omit<AnalysisInput, 'enrichments' | 'vendorConfidence'>;

type StepOutcome =
  /** Applied (or restored); `record` is kept for the phase's status move unless it is stored already. */
  | { ok: true; record?: NewTriageStep; apply?: (s: RunState) => void }
  /** A guarded write found the run superseded (or raced): the run stops, writing nothing more. */
  | { ok: false };

const DEFAULT_PROPOSE_ON: readonly Classification[] = ['malicious', 'suspicious'];

/** Index of the first stage holding an analyze step (the enriching/analyzing phase boundary). */
export function analysisBoundary(playbook: PlaybookDefinition): number {
  const i = playbook.stages.findIndex((s) => s.steps.some((step) => step.kind === 'analyze'));
  return i < 0 ? playbook.stages.length : i;
}

/**
 * Runs playbook stages in order for one phase of a triage run. Steps of a stage run one after the
 * other, or all at once when the stage is `parallel` (their effects are then applied in step
 * order once all are done). A step whose `when` does not hold is recorded as skipped; a condition
 * step may stop the run. Steps with side effects (propose_action, notify; analyze when more steps
 * follow it; enrich once analysis began) are recorded as they finish, in one guarded transaction
 * with their effect; the others are recorded with the phase's status move. A recorded step is
 * never run again: a redelivered job restores its result and goes on after it.
 */
export class PlaybookRunner {
  constructor(private readonly deps: StepServices) {}

  /** Runs stages [from, to). False when the run was superseded (stop: write nothing more). */
  async runStages(
    state: RunState,
    from: number,
    to: number,
    analysis: () => AnalysisSubject,
    signal: AbortSignal,
  ): Promise<boolean> {
    const last = lastStepId(state.playbook);
    for (let i = from; i < to && !state.stopped; i++) {
      const stage = state.playbook.stages[i]!;
      if (stage.parallel) {
        signal.throwIfAborted();
        const outcomes = await Promise.all(
          stage.steps.map((step) => this.step(state, step, step.id === last, analysis, signal)),
        );
        if (outcomes.some((o) => !o.ok)) return false;
        for (const o of outcomes) this.apply(state, o);
      } else {
        for (const step of stage.steps) {
          if (state.stopped) break;
          signal.throwIfAborted();
          const o = await this.step(state, step, step.id === last, analysis, signal);
          if (!o.ok) return false;
          this.apply(state, o);
        }
      }
    }
    return true;
  }

  private apply(state: RunState, o: StepOutcome): void {
    if (!o.ok) return;
    o.apply?.(state);
    if (o.record) {
      state.pending.push(o.record);
      state.recorded.set(o.record.step_id, { ...o.record, created_at: new Date().toISOString() });
    }
  }

  private async step(
    state: RunState,
    step: PlaybookStep,
    isLast: boolean,
    analysis: () => AnalysisSubject,
    signal: AbortSignal,
  ): Promise<StepOutcome> {
    const done = state.recorded.get(step.id);
    if (done) return { ok: true, apply: (s) => restore(s, done) };
    const read = factReader(facts(state));
    if (step.when && !evaluateConditions(step.when, read)) {
      return { ok: true, record: row(step, 'skipped', { reason: 'when did not hold' }) };
    }
    switch (step.kind) {
      case 'enrich':
        return this.enrich(state, step, signal);
      case 'analyze':
        return this.analyze(state, step, isLast, analysis, signal);
      case 'condition':
        return this.condition(state, step);
      case 'propose_action':
        return this.propose(state, step);
      case 'notify':
        return this.notify(state, step);
    }
  }

  private async enrich(state: RunState, step: EnrichStep, signal: AbortSignal): Promise<StepOutcome> {
    const types = step.indicator_types;
    const selected = types?.length
      ? state.indicators.filter((i) => types.includes(i.type))
      : state.indicators;
    const result = await this.deps.enricher.enrich(
      selected,
      signal,
      step.providers?.length ? { providers: step.providers } : undefined,
    );
    this.deps.telemetry.enrichmentLookups(result.cacheHits, result.cacheMisses, result.errors);
    signal.throwIfAborted();
    const hits = result.enrichments.filter(
      (e) => e.verdict === 'malicious' || e.verdict === 'suspicious',
    ).length;
    const record = row(step, 'done', {
      lookups: result.lookups,
      hits,
      errors: result.errors,
      ...(step.providers?.length ? { providers: step.providers } : {}),
      ...(types?.length ? { indicator_types: types } : {}),
    });
    const apply = (s: RunState) => {
      if (s.status === 'enriching') s.newEnrichments.push(...result.enrichments);
      s.enrichments.push(...result.enrichments);
      s.enrichStats.lookups += result.lookups;
      s.enrichStats.hits += hits;
      s.enrichStats.errors += result.errors;
    };
    if (state.status === 'enriching') return { ok: true, record, apply };
    // Once analysis began there is no later status move to carry them: stored now, with the step.
    const stored = await this.deps.store.recordTriageStep(guard(state), record, {
      enrichments: result.enrichments,
    });
    return stored ? { ok: true, apply: (s) => (apply(s), remember(s, record)) } : { ok: false };
  }

  private async analyze(
    state: RunState,
    step: AnalyzeStep,
    isLast: boolean,
    analysis: () => AnalysisSubject,
    signal: AbortSignal,
  ): Promise<StepOutcome> {
    const { analyzer, fallback } = this.deps.analyzers.resolve(step.analyzer);
    if (fallback)
      this.deps.log.warn(
        { incident_id: state.incidentId, playbook: state.playbook.name, step: step.id, fallback },
        'analyze step fell back',
      );
    const input: AnalysisInput = {
      ...analysis(),
      enrichments: state.enrichments,
      ...(state.vendorConfidence !== undefined ? { vendorConfidence: state.vendorConfidence } : {}),
    };
    const context = {
      incidentId: state.incidentId,
      run: state.run,
      stepId: step.id,
      playbook: { name: state.playbook.name, version: state.playbook.version },
    };
    const t0 = performance.now();
    let verdict: Verdict;
    try {
      verdict = await this.deps.analyzerSlots.run(() => analyzer.analyze(input, signal, context), signal);
      this.deps.telemetry.analyzerCall(analyzer.name, (performance.now() - t0) / 1000, true);
    } catch (err) {
      this.deps.telemetry.analyzerCall(analyzer.name, (performance.now() - t0) / 1000, false);
      throw err;
    }
    const record = row(step, 'done', {
      analyzer: analyzer.name,
      requested: step.analyzer,
      ...(fallback ? { fallback } : {}),
      verdict,
    });
    const apply = (s: RunState) => void (s.verdict = { analyzer: analyzer.name, verdict });
    // The last step's verdict is stored with the final status move; an earlier one now, so that a
    // redelivery after a crash does not ask the analyst (an LLM: cost, a different answer) again.
    if (isLast) return { ok: true, record, apply };
    const stored = await this.deps.store.recordTriageStep(guard(state), record);
    return stored ? { ok: true, apply: (s) => (apply(s), remember(s, record)) } : { ok: false };
  }

  private condition(state: RunState, step: ConditionStep): StepOutcome {
    const held = evaluateConditions(step.if, factReader(facts(state)));
    const decision = held ? step.then : step.else;
    return {
      ok: true,
      record: row(step, decision, { held }),
      apply: (s) => void (decision === 'stop' && (s.stopped = true)),
    };
  }

  private async propose(state: RunState, step: ProposeActionStep): Promise<StepOutcome> {
    const v = state.verdict?.verdict;
    const on = step.on_verdict?.length ? step.on_verdict : DEFAULT_PROPOSE_ON;
    if (!v) return { ok: true, record: row(step, 'skipped', { reason: 'no verdict yet' }) };
    if (!on.includes(v.classification))
      return { ok: true, record: row(step, 'skipped', { reason: `verdict ${v.classification}` }) };
    if (step.min_confidence !== undefined && v.confidence < step.min_confidence)
      return { ok: true, record: row(step, 'skipped', { reason: 'confidence below min_confidence' }) };
    const target = renderTemplate(step.target, factReader(facts(state)), 512).trim();
    if (!target) return { ok: true, record: row(step, 'skipped', { reason: 'target rendered empty' }) };
    const action = `${step.action}:${target}`;
    const halted = this.deps.killSwitch?.isActive() ? { kill_switch_active: true } : {};
    const proposed = isActionType(step.action)
      ? await this.recommend(state, step.id, {
          action_type: step.action,
          value: target,
          parameters: Object.fromEntries(
            Object.entries(step.parameters ?? {}).map(([k, t]) => [k, renderTemplate(t, read(state), 512)]),
          ),
          reason: `playbook ${state.playbook.name} step ${step.id}: verdict ${v.classification} (${v.confidence.toFixed(2)})`,
        })
      : {};
    const record = row(step, 'done', {
      action: step.action,
      target,
      recommendation: action,
      executed: false,
      ...halted,
      ...proposed,
    });
    const stored = await this.deps.store.recordTriageStep(guard(state), record, {
      audit: {
        actor: this.deps.actor,
        action: 'triage.action_recommended',
        details: {
          step: step.id,
          action: step.action,
          target,
          recommendation: action,
          executed: false,
          ...halted,
          ...proposed,
        },
      },
    });
    if (!stored) return { ok: false };
    return { ok: true, apply: (s) => (restore(s, { ...record, created_at: '' }), remember(s, record)) };
  }

  /**
   * Proposes the step's action through the policy engine (stored, not yet announced nor queued). The
   * dedupe key `<run>:<step>:<target>` makes a redelivered job get the same action back.
   */
  private async recommend(
    state: RunState,
    stepId: string,
    p: { action_type: ActionType; value: string; parameters: Record<string, unknown>; reason: string },
  ): Promise<{ action_id?: string; action_status?: string; policy_rule?: string }> {
    if (!this.deps.actions) return {};
    const v = state.verdict?.verdict;
    const { action } = await this.deps.actions.recommend({
      incident: state.subject.incident as unknown as IncidentRecord,
      action_type: p.action_type,
      target: { type: defaultTargetType(p.action_type), value: p.value },
      parameters: p.parameters,
      reason: p.reason,
      requested_by: `playbook:${state.playbook.name}@${state.playbook.version}/${stepId}`,
      ...(state.playbook.mode ? { mode: state.playbook.mode } : {}),
      verdict: v ? { classification: v.classification, confidence: v.confidence } : null,
      dedupe_key: `${state.run}:${stepId}:${p.value}`,
    });
    return { action_id: action.id, action_status: action.status, policy_rule: action.decision.rule };
  }

  private async notify(state: RunState, step: NotifyStep): Promise<StepOutcome> {
    const message = renderTemplate(step.message, read(state));
    // A `notify` action to the channel, through the policy engine like any other; sent by the
    // connector handling `notify` once approved (docs/RESPONSE.md).
    const proposed = await this.recommend(state, step.id, {
      action_type: 'notify',
      value: step.channel,
      parameters: { message },
      reason: `playbook ${state.playbook.name} step ${step.id}`,
    });
    const record = row(step, 'done', { channel: step.channel, message, sent: false, ...proposed });
    const stored = await this.deps.store.recordTriageStep(guard(state), record, {
      audit: {
        actor: this.deps.actor,
        action: 'triage.notification_requested',
        details: { step: step.id, channel: step.channel, message, sent: false, ...proposed },
      },
    });
    if (!stored) return { ok: false };
    return { ok: true, apply: (s) => (restore(s, { ...record, created_at: '' }), remember(s, record)) };
  }
}

/** Applies what a recorded step did to a resumed run's state. */
export function restore(state: RunState, done: TriageStepRecord): void {
  const r = done.result;
  if (done.kind === 'analyze' && done.outcome === 'done' && r.verdict && typeof r.analyzer === 'string') {
    state.verdict = { analyzer: r.analyzer, verdict: r.verdict as Verdict };
  } else if (
    done.kind === 'propose_action' &&
    done.outcome === 'done' &&
    typeof r.recommendation === 'string'
  ) {
    if (!state.proposed.includes(r.recommendation)) state.proposed.push(r.recommendation);
    afterVerdict(state, done, {
      type: 'action_recommended',
      data: {
        incident_id: state.incidentId,
        step: done.step_id,
        action: String(r.action),
        target: String(r.target),
      },
    });
  } else if (done.kind === 'notify' && done.outcome === 'done') {
    afterVerdict(state, done, {
      type: 'notification_requested',
      data: {
        incident_id: state.incidentId,
        step: done.step_id,
        channel: String(r.channel),
        message: String(r.message),
      },
    });
  } else if (done.kind === 'condition' && done.outcome === 'stop') {
    state.stopped = true;
  }
}

/** Keeps a step's event and proposed action for after the verdict commits (once per step). */
function afterVerdict(state: RunState, done: TriageStepRecord, event: EventInput): void {
  const id = done.result.action_id;
  if (typeof id === 'string') {
    if (state.actionIds.includes(id)) return;
    state.actionIds.push(id);
  } else if (state.after.some((e) => 'step' in e.data && e.data.step === done.step_id)) return;
  state.after.push(event);
}

function isActionType(action: string): action is ActionType {
  return (ACTION_TYPES as readonly string[]).includes(action);
}

function read(state: RunState) {
  return factReader(facts(state));
}

function remember(state: RunState, record: NewTriageStep): void {
  state.recorded.set(record.step_id, { ...record, created_at: new Date().toISOString() });
}

function guard(state: RunState) {
  return { id: state.incidentId, run: state.run, status: state.status };
}

function row(
  step: PlaybookStep,
  outcome: NewTriageStep['outcome'],
  result: Record<string, unknown>,
): NewTriageStep {
  return { step_id: step.id, kind: step.kind, outcome, result };
}

function facts(state: RunState): TriageFacts {
  return {
    subject: state.subject,
    indicators: state.indicators,
    enrichments: state.enrichments,
    lookups: state.enrichStats.lookups,
    ...(state.verdict ? { verdict: state.verdict.verdict } : {}),
  };
}

/**
 * The id of the step whose verdict may wait for the final move: the last step of the last stage,
 * unless that stage runs steps alongside it (one of them could commit first, then a crash would
 * make the analyst run again).
 */
function lastStepId(playbook: PlaybookDefinition): string | undefined {
  for (let i = playbook.stages.length - 1; i >= 0; i--) {
    const { steps, parallel } = playbook.stages[i]!;
    if (!steps.length) continue;
    return parallel && steps.length > 1 ? undefined : steps[steps.length - 1]!.id;
  }
  return undefined;
}
