import type { Classification, Indicator } from '../../contracts/index.ts';
import type { EnrichmentRecord, IncidentRecord, IndicatorRecord } from '../../ports/index.ts';

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

/** An analyst engine's verdict (DESIGN.md vocabulary). */
export interface Verdict {
  classification: Classification;
  /** 0..1 */
  confidence: number;
  category: string;
  /** One paragraph an analyst can read. */
  reasoning: string;
  /** Each piece of evidence that moved the score, in the order applied. */
  reasons: string[];
  recommended_actions: string[];
  mitre_techniques: string[];
  /** The indicators the verdict rests on. */
  indicators: Indicator[];
  /** The raw score behind the classification, when the engine has one. */
  score: number | null;
}

/** The deterministic analyzer now, LLM analysts in a later issue. */
export interface Analyzer {
  readonly name: string;
  analyze(input: AnalysisInput, signal?: AbortSignal): Promise<Verdict>;
}
