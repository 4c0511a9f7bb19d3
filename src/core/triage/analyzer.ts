import type {
  AlertRecord,
  EnrichmentRecord,
  IncidentRecord,
  IndicatorRecord,
  NewAnalysis,
} from '../../ports/index.ts';
import { vendorRuleHits, type VendorRuleHit } from './rules/index.ts';

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
  /**
   * The incident's alerts as received (webhook source and raw payload), read by the vendor rule packs.
   * When absent, the alerts of an incident detail record passed as `incident` are used.
   */
  alerts?: ReadonlyArray<Pick<AlertRecord, 'source' | 'raw'>>;
  /** Vendor rule hits worked out by the caller; when absent they are computed from the alerts. */
  ruleHits?: readonly VendorRuleHit[];
}

/**
 * The vendor rule hits of an incident (docs/ANALYZER.md, "Vendor rule packs"): `input.ruleHits`, or
 * those of every alert, each rule once, strongest first; routine (`info`) hits only when nothing
 * else fired. Pure: any analyzer may call it to give its engine the same context.
 */
export function ruleHitsOf(input: AnalysisInput): VendorRuleHit[] {
  if (input.ruleHits) return [...input.ruleHits];
  const detail = input.incident as IncidentRecord & { alerts?: unknown };
  const alerts = input.alerts ?? (Array.isArray(detail.alerts) ? (detail.alerts as AlertRecord[]) : []);
  const all = new Map<string, VendorRuleHit>();
  for (const a of alerts.slice(0, 100)) {
    for (const h of vendorRuleHits(a.source, a.raw)) if (!all.has(h.rule_id)) all.set(h.rule_id, h);
  }
  const hits = [...all.values()];
  const alarming = hits.filter((h) => h.severity !== 'info');
  const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;
  return (alarming.length ? alarming : hits).sort((a, b) => rank[b.severity] - rank[a.severity]);
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
