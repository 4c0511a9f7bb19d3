import type { IncidentRecord } from '../../ports/index.ts';
import type {
  Classification,
  IncidentType,
  IndicatorType,
  OperationMode,
  Severity,
} from '../../contracts/index.ts';

/**
 * A playbook as the triage pipeline runs it: the validated, compiled form of a YAML playbook
 * (docs/PLAYBOOKS.md). The YAML side (parsing, validation with file/line/field, storage, the API)
 * produces it; the pipeline side runs it. Nothing here knows about YAML or SQL.
 */
export interface PlaybookDefinition {
  /** Unique, `[a-z0-9][a-z0-9_-]*`, stored with every triage run it drove. */
  name: string;
  /** Increases with every stored change (1 for a new playbook). */
  version: number;
  description: string;
  enabled: boolean;
  /** Higher wins when several playbooks' triggers match; ties go to the name, ascending. */
  priority: number;
  /** Overrides the global operation mode for incidents this playbook drives (response side). */
  mode?: OperationMode;
  trigger: PlaybookTrigger;
  /** Run in order; a stage's steps run one after the other, or all at once when `parallel`. */
  stages: PlaybookStage[];
  sla?: PlaybookSla;
  /** Where it came from: `builtin`, `file:<path>` or `api`. */
  origin: string;
}

/** Every present part must match (AND); an empty trigger matches every incident (the fallback). */
export interface PlaybookTrigger {
  sources?: string[];
  incident_types?: IncidentType[];
  /** Inclusive lower bound. */
  min_severity?: Severity;
  conditions?: Condition[];
}

export interface PlaybookSla {
  /** Incident creation → triage finished (pending_review or auto-resolved), ms. */
  time_to_triage_ms?: number;
  /** Incident creation → closed by a person or a response action, ms. */
  time_to_respond_ms?: number;
}

export interface PlaybookStage {
  name: string;
  parallel: boolean;
  steps: PlaybookStep[];
}

/**
 * Fields a condition can read: `incident.<column>` (severity, source, incident_type, title…),
 * `alert.<dotted path into the first alert's raw payload>`, `verdict.classification`,
 * `verdict.confidence`, `verdict.category`, `enrichment.hits` (malicious + suspicious answers),
 * `enrichment.malicious`, `indicators.<type>` (count of that indicator type).
 */
export interface Condition {
  field: string;
  op: 'eq' | 'ne' | 'in' | 'not_in' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'matches' | 'exists';
  /** Absent only for `exists`. `matches` takes a regular expression source (validated at load). */
  value?: string | number | boolean | Array<string | number>;
}

interface StepBase {
  /** Unique within the playbook; keys per-step results (e.g. an LLM transcript) for redeliveries. */
  id: string;
  /** The step runs only when every condition holds; otherwise it is recorded as skipped. */
  when?: Condition[];
}

export interface EnrichStep extends StepBase {
  kind: 'enrich';
  /** Provider names (default: every configured provider). */
  providers?: string[];
  /** Indicator types to look up (default: all). */
  indicator_types?: IndicatorType[];
}

export interface AnalyzeStep extends StepBase {
  kind: 'analyze';
  /** `auto`: the LLM analyst when configured, else the deterministic one. */
  analyzer: 'auto' | 'deterministic' | 'llm';
}

/** Stops the pipeline (with the status it reached) or continues, on its conditions. */
export interface ConditionStep extends StepBase {
  kind: 'condition';
  if: Condition[];
  then: 'continue' | 'stop';
  else: 'continue' | 'stop';
}

/**
 * Proposes a response action (an ACTION_TYPE; `target` a template such as `{{indicator.ipv4}}`, its
 * type the action type's first target type): through the policy engine, like a manual request.
 */
export interface ProposeActionStep extends StepBase {
  kind: 'propose_action';
  action: string;
  target: string;
  /** Only proposed when the verdict is one of these (default malicious, suspicious). */
  on_verdict?: Classification[];
  min_confidence?: number;
  /** Connector parameters, each a template (`mailbox: '{{alert.evidence.0.recipientEmailAddress}}'`). */
  parameters?: Record<string, string>;
}

/** Sends a notification through a named channel (connectors come with the response side). */
export interface NotifyStep extends StepBase {
  kind: 'notify';
  channel: string;
  /** Template over the same fields as conditions, e.g. `{{incident.title}}`. */
  message: string;
}

export type PlaybookStep = EnrichStep | AnalyzeStep | ConditionStep | ProposeActionStep | NotifyStep;
export type StepKind = PlaybookStep['kind'];

/** What playbook selection sees about an incident. */
export interface PlaybookSubject {
  incident: Pick<IncidentRecord, 'id' | 'source' | 'incident_type' | 'severity' | 'title'> &
    Record<string, unknown>;
  /** The first alert's raw vendor payload, for `alert.<path>` conditions (absent when unknown). */
  alert?: unknown;
}

/**
 * Picks the playbook that drives an incident's triage: the enabled playbook with the highest
 * priority whose trigger matches, else the generic fallback. Selection is deterministic, so any
 * process (a worker, the leader's SLA check) gets the same answer for the same incident and set.
 */
export interface PlaybookSource {
  forIncident(subject: PlaybookSubject, signal?: AbortSignal): Promise<PlaybookDefinition>;
}
