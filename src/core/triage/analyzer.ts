import type { EnrichmentRecord, IncidentRecord, IndicatorRecord, NewAnalysis } from '../../ports/index.ts';

/** Everything an analyst engine sees about one incident. */
export interface AnalysisInput {
  incident: IncidentRecord;
  indicators: IndicatorRecord[];
  enrichments: Pick<
    EnrichmentRecord,
    'indicator_type' | 'indicator_value' | 'provider' | 'verdict' | 'score' | 'details'
  >[];
  /** The first alert's vendor confidence (0..1) when the vendor gave one. */
  vendorConfidence?: number;
}

/**
 * An analyst engine's verdict (DESIGN.md vocabulary): classification, confidence 0..1, category,
 * a readable `reasoning` paragraph, `reasons` (each piece of evidence, in the order applied),
 * recommended actions (`verb:target`), MITRE techniques, the indicators it rests on, and the raw
 * `score` when the engine has one. It is stored as is, with the analyzer's name.
 */
export type Verdict = Omit<NewAnalysis, 'analyzer'>;

/**
 * Which step of which triage run asks: stable across redeliveries of the run, so an analyst that
 * keeps per-call records (an LLM transcript) keys them by `incidentId` + `run` + `stepId`.
 */
export interface AnalysisContext {
  incidentId: string;
  /** The incident's triage run number (1 for its first triage; raised when new evidence re-triages it). */
  run: number;
  /** The playbook step's id. */
  stepId: string;
  playbook: { name: string; version: number };
}

/** An analyst engine: the deterministic analyzer, or an LLM analyst registered with the AnalyzerRegistry. */
export interface Analyzer {
  readonly name: string;
  analyze(input: AnalysisInput, signal?: AbortSignal, context?: AnalysisContext): Promise<Verdict>;
}
