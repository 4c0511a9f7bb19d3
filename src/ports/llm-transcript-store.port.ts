import type { Classification, IncidentStatus, Indicator, Severity } from '../contracts/index.ts';
import type { NewAnalysis } from './incident-store.port.ts';

/** One entry of a stored LLM conversation (after redaction: what left the process, and what came back). */
export interface TranscriptMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Assistant turns: the tools it asked for. */
  tool_calls?: Array<{ id: string; name: string; arguments: string }>;
  /** Tool turns: which call this answers, and whether it was an error (unknown tool, bad arguments). */
  tool_call_id?: string;
  name?: string;
  is_error?: boolean;
  /** Assistant turns: tokens and latency of the call that produced it. */
  usage?: { input_tokens: number; output_tokens: number };
  latency_ms?: number;
  finish?: string;
}

/** Who produced the stored verdict. */
export type DecidedBy = 'llm' | 'deterministic';

/** A transcript to store (the result of one analysis step). */
export interface NewLlmTranscript {
  incident_id: string;
  /** The pipeline step, e.g. `analyze`. */
  step_key: string;
  /** Identifies the run/attempt: a redelivery of the same run finds this row and reuses it. */
  attempt_key: string;
  provider: string;
  model: string;
  /** `verdict`: the model answered validly; `fallback`: the deterministic analyzer decided. */
  outcome: 'verdict' | 'fallback';
  decided_by: DecidedBy;
  /** Why the model's answer was not used (stable reason code plus detail), null when it was. */
  fallback_reason: string | null;
  /** The verdict returned to the pipeline (without the analyzer name). */
  verdict: Omit<NewAnalysis, 'analyzer'>;
  messages: TranscriptMessage[];
  iterations: number;
  tool_calls: number;
  unknown_tool_calls: number;
  input_tokens: number;
  output_tokens: number;
  /** Estimated cost in USD from the configured prices; null when no prices are configured. */
  cost_usd: number | null;
  latency_ms: number;
  /** Prompt-injection findings in the alert content (rule, field, excerpt). */
  injection: Array<{ rule: string; field: string; excerpt: string }>;
  /** Values replaced before sending, per kind (secret, email, card, ssn, phone). */
  redactions: Record<string, number>;
}

/**
 * The state of an analysis still under way, stored after every model turn so that a redelivered job
 * resumes the conversation instead of paying for the same turns again.
 */
export type LlmTranscriptProgress = Pick<
  NewLlmTranscript,
  | 'incident_id'
  | 'step_key'
  | 'attempt_key'
  | 'provider'
  | 'model'
  | 'messages'
  | 'iterations'
  | 'tool_calls'
  | 'unknown_tool_calls'
  | 'input_tokens'
  | 'output_tokens'
  | 'latency_ms'
  | 'injection'
  | 'redactions'
>;

/** A stored transcript: final (`verdict`, `fallback`) or an analysis under way (`in_progress`: no verdict yet). */
export type LlmTranscriptRecord = Omit<NewLlmTranscript, 'outcome' | 'decided_by' | 'verdict'> & {
  id: string;
  outcome: NewLlmTranscript['outcome'] | 'in_progress';
  decided_by: DecidedBy | null;
  verdict: NewLlmTranscript['verdict'] | null;
  created_at: string;
};

/** An incident sharing indicators with another (the `list_related_incidents` tool). */
export interface RelatedIncident {
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  classification: Classification | null;
  created_at: string;
  shared_indicators: Indicator[];
}

/** Raw alerts of one incident (the `get_raw_alert` tool). */
export interface RawAlert {
  id: string;
  source: string;
  title: string;
  occurred_at: string;
  raw: unknown;
}

/**
 * LLM analyst storage: transcripts keyed by (incident, step, attempt) so a redelivered job reuses a
 * stored result instead of paying for the same call twice, plus the two incident-context reads its
 * tools need.
 */
export interface LlmTranscriptStore {
  find(incidentId: string, stepKey: string, attemptKey: string): Promise<LlmTranscriptRecord | null>;
  /**
   * Stores the progress of an analysis under way (creates or replaces its `in_progress` row). False,
   * writing nothing, when the key already has a final transcript.
   */
  checkpoint(progress: LlmTranscriptProgress): Promise<boolean>;
  /**
   * Stores the final transcript unless a final one exists for the key (an `in_progress` row is
   * completed); when this call stored it, also writes the
   * incident's audit entries in the same transaction: `llm.analysis` (decided_by, fallback_reason,
   * model, tokens) and, when `injection` is not empty, `llm.prompt_injection_detected`. Returns the
   * stored row (the earlier one on a conflict) and whether this call created it.
   */
  save(
    transcript: NewLlmTranscript,
    actor: string,
  ): Promise<{ record: LlmTranscriptRecord; created: boolean }>;
  /** Every transcript of an incident, oldest first. */
  list(incidentId: string): Promise<LlmTranscriptRecord[]>;
  /** Other incidents with any indicator in common, newest first. */
  relatedIncidents(incidentId: string, limit: number): Promise<RelatedIncident[]>;
  /** The incident's alerts, newest first. */
  alerts(incidentId: string, limit: number): Promise<RawAlert[]>;
}
