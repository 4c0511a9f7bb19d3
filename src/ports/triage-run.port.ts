import type { IncidentStatus } from '../contracts/index.ts';
import type { IncidentRecord, Moved, NewAnalysis, NewEnrichment, Transition } from './incident-store.port.ts';

/** A playbook step's kind (src/core/playbooks/playbook.model.ts). */
export type TriageStepKind = 'enrich' | 'analyze' | 'condition' | 'propose_action' | 'notify';

/**
 * What a step came to: `done` (applied), `skipped` (its `when` did not hold, or nothing to do), or a
 * condition step's decision, `stop` or `continue`.
 */
export type TriageStepOutcome = 'done' | 'skipped' | 'stop' | 'continue';

/** One step of one triage run as recorded (migration 0008_triage_steps). */
export interface NewTriageStep {
  step_id: string;
  kind: TriageStepKind;
  outcome: TriageStepOutcome;
  /** What the step produced or why it was skipped (e.g. an analyze step's verdict); JSON. */
  result: Record<string, unknown>;
}

export interface TriageStepRecord extends NewTriageStep {
  created_at: string;
}

/** The steps to record with a status move, in the same transaction. */
export interface StepBatch {
  run: number;
  steps: readonly NewTriageStep[];
}

/** What triage reads first about an incident, in one query. */
export interface TriageSubjectRecord {
  incident: IncidentRecord;
  /** The first alert's raw vendor payload (absent when the incident has no alert left). */
  alert?: unknown;
  /** The current (or last) triage run: 0 before the first one starts. */
  run: number;
  playbook_name: string | null;
  playbook_version: number | null;
}

/** A side effect recorded with its step, in one transaction. */
export interface StepEffects {
  enrichments?: readonly NewEnrichment[];
  /** An audit entry on the incident (its details get `step` and `run`). */
  audit?: { actor: string; action: string; details: Record<string, unknown> };
}

/**
 * Per-run, per-step bookkeeping of the triage pipeline. Every write is guarded by the incident's
 * status and run number, so a run that was superseded (new evidence sent the incident back to `new`)
 * or raced by a duplicate delivery writes nothing.
 */
export interface TriageRunStore {
  /** The incident, its first alert's raw payload and its run bookkeeping, in one query; null when gone. */
  triageSubject(id: string): Promise<TriageSubjectRecord | null>;
  /**
   * The `new → enriching` compare-and-set that starts a run: raises the run number and records the
   * playbook (name, version) on the incident. Null (nothing written) when `from` no longer holds.
   */
  startTriage(
    t: Transition,
    playbook: { name: string; version: number },
  ): Promise<(Moved & { run: number }) | null>;
  /** The recorded steps of one run, in the order they were recorded. */
  triageSteps(id: string, run: number): Promise<TriageStepRecord[]>;
  /**
   * Records one step and its effects in one transaction, only while the incident is still in
   * `status` at run `run` and the step is not recorded yet. False (nothing written) otherwise.
   */
  recordTriageStep(
    guard: { id: string; run: number; status: IncidentStatus },
    step: NewTriageStep,
    effects?: StepEffects,
  ): Promise<boolean>;
  /** {@link IncidentStore.recordEnrichment} that also records steps of the run, in the same statement. */
  recordEnrichmentSteps(
    t: Transition,
    enrichments: readonly NewEnrichment[],
    steps: StepBatch,
  ): Promise<IncidentRecord | null>;
  /** {@link IncidentStore.recordAnalysis} that also records steps of the run, in the same statement. */
  recordAnalysisSteps(t: Transition, analysis: NewAnalysis, steps: StepBatch): Promise<IncidentRecord | null>;
  /** {@link IncidentStore.transition} that also records steps of the run, in the same statement. */
  transitionSteps(t: Transition, steps: StepBatch): Promise<IncidentRecord | null>;
}
