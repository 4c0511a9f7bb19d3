import { InProcessCache } from '../../adapters/in-process/in-process.cache.ts';
import { isAppError, type Classification, type NormalizedAlert } from '../../contracts/index.ts';
import { EnrichmentService } from '../../core/enrichment/enrichment.service.ts';
import { parseAlerts } from '../../core/ingest/index.ts';
import { ruleHitsOf, type AnalysisInput, type Analyzer } from '../../core/triage/analyzer.ts';
import type { DatasetProblem, EvalCase, Split } from '../../core/triage/evaluation/dataset.ts';
import { computeMetrics, type EvalMetrics, type ScoredCase } from '../../core/triage/evaluation/metrics.ts';
import { canonicalSource } from '../../core/webhooks/source-names.ts';
import { LocalListIntelProvider } from '../../extensions/intel/index.ts';
import type { IncidentRecord, IndicatorRecord } from '../../ports/index.ts';

/** One case's outcome, as written to `--report`. */
export interface CaseResult {
  id: string;
  split: Split;
  expected: { classification: Classification; incident_type?: string };
  predicted: { classification: Classification; confidence: number; incident_type: string };
  /** Which analyzer decided: the one run, or `deterministic` when the LLM analyst fell back. */
  analyzer: string;
  rule_hits: string[];
  /** The LLM analyst's transcripts of this case (prompt, tool calls, answer, usage), when it ran. */
  transcripts?: unknown[];
}

/** An analyzer that can also show what it did for a case (the LLM analyst's transcripts). */
export interface EvalAnalyzer extends Analyzer {
  transcripts?(incidentId: string): Promise<Array<{ decided_by?: string | null }>>;
}

/** What a run produced: per-case results, figures per split, and the cases that could not run. */
export interface EvalRun {
  results: CaseResult[];
  metrics: EvalMetrics;
  by_split: Record<Split, EvalMetrics>;
  problems: DatasetProblem[];
}

/** A fixed receive time, so a case whose event has no time evaluates the same on every run. */
const RECEIVED_AT = new Date('2024-06-15T12:00:00Z');

/**
 * The alert exactly as `POST /api/v1/webhooks/<source>` would store it: the source's parser (by its
 * canonical name), batch splitting, and the path's source replacing any the body claims. One case is
 * one incident, so a payload must hold exactly one event.
 */
export function alertForCase(c: Pick<EvalCase, 'source' | 'payload'>): NormalizedAlert {
  const source = canonicalSource(c.source);
  const alerts = parseAlerts(source, c.payload, RECEIVED_AT);
  if (alerts.length !== 1) {
    throw new CaseError(`the payload holds ${alerts.length} events; a case is one event (one incident)`);
  }
  return { ...alerts[0]!, source };
}

/** A case that cannot be evaluated (its payload is refused, …); the message names why. */
export class CaseError extends Error {
  override readonly name = 'CaseError';
}

/** The incident ingest would create from `alert` (first occurrence, not yet triaged). */
function incidentFor(alert: NormalizedAlert, id: string): IncidentRecord {
  const at = alert.occurredAt.toISOString();
  return {
    id,
    incident_type: alert.incidentType,
    source: alert.source,
    severity: alert.severity,
    status: 'analyzing',
    title: alert.title,
    description: alert.description ?? null,
    fingerprint: alert.fingerprint,
    occurrence_count: 1,
    first_seen: at,
    last_seen: at,
    created_at: RECEIVED_AT.toISOString(),
    updated_at: RECEIVED_AT.toISOString(),
    version: 1,
    tags: alert.tags,
    assets: alert.assets,
    mitre_techniques: alert.mitreTechniques,
    vendor_confidence: alert.vendorConfidence ?? null,
    classification: null,
    confidence: null,
    triaged_at: null,
    closed_at: null,
    resolution_reason: null,
    related_incident_id: null,
    triage_attempts: 0,
    triage_error: null,
    triage_failed_at: null,
    assignee: null,
    assigned_at: null,
    original_severity: null,
    original_incident_type: null,
  };
}

/**
 * Runs one case the way triage would: parse as the webhook does, enrich every indicator through
 * {@link EnrichmentService} with a {@link LocalListIntelProvider} seeded from the case's intel (and a
 * fresh in-memory cache, so one case's intel never answers another's), then analyze.
 */
export async function runCase(c: EvalCase, analyzer: EvalAnalyzer): Promise<CaseResult> {
  let alert: NormalizedAlert;
  try {
    alert = alertForCase(c);
  } catch (err) {
    if (err instanceof CaseError) throw err;
    if (isAppError(err))
      throw new CaseError(`the ${c.source} webhook would refuse the payload: ${err.message}`);
    throw err;
  }
  const provider = LocalListIntelProvider.fromEntries(
    c.intel.map((e) => ({
      list: e.list ?? `eval-${e.verdict}`,
      value: e.value,
      verdict: e.verdict === 'benign' ? ('clean' as const) : e.verdict,
      ...(e.type ? { type: e.type } : {}),
      ...(e.description ? { description: e.description } : {}),
    })),
  );
  if (provider.warnings.length > 0) throw new CaseError(`bad intel entry: ${provider.warnings[0]}`);
  const cache = new InProcessCache({ maxEntries: 1_000 });
  const enricher = new EnrichmentService({
    providers: [provider],
    cache,
    cacheTtlMs: 60_000,
    concurrency: 8,
  });
  const { enrichments } = await enricher.enrich(alert.indicators);
  const indicators: IndicatorRecord[] = alert.indicators.map((i, n) => ({ ...i, id: `${c.id}:ind:${n}` }));
  const input: AnalysisInput = {
    incident: incidentFor(alert, c.id),
    indicators,
    enrichments,
    ...(alert.vendorConfidence !== undefined ? { vendorConfidence: alert.vendorConfidence } : {}),
    alerts: [{ source: alert.source, raw: alert.raw }],
  };
  const verdict = await analyzer.analyze(input);
  const transcripts = analyzer.transcripts ? await analyzer.transcripts(c.id) : undefined;
  const decidedBy = transcripts?.at(-1)?.decided_by;
  return {
    id: c.id,
    split: c.split,
    expected: c.expected,
    predicted: {
      classification: verdict.classification,
      confidence: verdict.confidence,
      incident_type: alert.incidentType,
    },
    analyzer: decidedBy ?? analyzer.name,
    rule_hits: ruleHitsOf(input).map((h) => h.rule_id),
    ...(transcripts ? { transcripts } : {}),
  };
}

const scored = (r: CaseResult): ScoredCase => ({
  expected: r.expected.classification,
  predicted: r.predicted.classification,
  confidence: r.predicted.confidence,
  ...(r.expected.incident_type !== undefined
    ? { expectedType: r.expected.incident_type, predictedType: r.predicted.incident_type }
    : {}),
});

/** Runs every case; a case that cannot run is reported as a problem on its line, not a crash. */
export async function runEvaluation(cases: readonly EvalCase[], analyzer: EvalAnalyzer): Promise<EvalRun> {
  const results: CaseResult[] = [];
  const problems: DatasetProblem[] = [];
  for (const c of cases) {
    try {
      results.push(await runCase(c, analyzer));
    } catch (err) {
      if (!(err instanceof CaseError)) throw err;
      problems.push({ line: c.line, message: `case "${c.id}": ${err.message}` });
    }
  }
  return {
    results,
    metrics: computeMetrics(results.map(scored)),
    by_split: {
      tune: computeMetrics(results.filter((r) => r.split === 'tune').map(scored)),
      holdout: computeMetrics(results.filter((r) => r.split === 'holdout').map(scored)),
    },
    problems,
  };
}
