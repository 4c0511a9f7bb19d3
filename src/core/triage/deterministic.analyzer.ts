import type { Classification, Indicator } from '../../contracts/index.ts';
import {
  ruleHitsOf,
  type AnalysisContext,
  type AnalysisInput,
  type Analyzer,
  type Verdict,
} from './analyzer.ts';
import type { VendorRuleHit } from './rules/index.ts';
import {
  impliedTechniques,
  recommendedActions,
  type IndicatorIntel,
  type KnownVerdict,
  type Sighting,
} from './deterministic.recommendations.ts';

export type { KnownVerdict };
import {
  BENIGN_THRESHOLD,
  CONFIDENCE_RANGE,
  CRITICAL_ASSET_TAG,
  LARGE_BURST_OCCURRENCES,
  LOG_ODDS_LIMIT,
  MALICIOUS_THRESHOLD,
  MIN_DECISIVE_EVIDENCE,
  SEVERITY_PRIOR,
  SUSPICIOUS_THRESHOLD,
  TYPE_SIGNALS,
  WEIGHTS,
  BURST_OCCURRENCES,
} from './deterministic.weights.ts';
// The model's figures live in deterministic.weights.ts; re-exported for existing importers.
export {
  BENIGN_THRESHOLD,
  BURST_OCCURRENCES,
  CONFIDENCE_RANGE,
  CRITICAL_ASSET_TAG,
  LARGE_BURST_OCCURRENCES,
  LOG_ODDS_LIMIT,
  MALICIOUS_THRESHOLD,
  MIN_DECISIVE_EVIDENCE,
  SEVERITY_PRIOR,
  SUSPICIOUS_THRESHOLD,
  TYPE_SIGNALS,
  WEIGHTS,
} from './deterministic.weights.ts';
export type { TypeSignal } from './deterministic.weights.ts';

/** `decisive`: intel or vendor evidence, which alone can take the verdict out of "inconclusive". */
interface Evidence {
  text: string;
  weight: number;
  decisive: boolean;
  indicator?: Indicator;
}

/**
 * The built-in analyst: a documented log-odds model over threat-intel verdicts, vendor confidence
 * and incident context (docs/ANALYZER.md). Pure and deterministic: same input, same verdict.
 */
export class DeterministicAnalyzer implements Analyzer {
  readonly name = 'deterministic';

  /** The context (which run and step asks) does not change a deterministic verdict. */
  async analyze(input: AnalysisInput, signal?: AbortSignal, _context?: AnalysisContext): Promise<Verdict> {
    signal?.throwIfAborted();
    return analyzeDeterministic(input);
  }
}

/** The model itself, synchronous; {@link DeterministicAnalyzer.analyze} wraps it. */
export function analyzeDeterministic(input: AnalysisInput): Verdict {
  const { incident } = input;
  const prior = SEVERITY_PRIOR[incident.severity] ?? 0;
  const intel = collectIntel(input);
  const hits = ruleHitsOf(input);
  const evidence = [
    ...intelEvidence(intel),
    ...typeEvidence(incident.incident_type, intel),
    ...ruleEvidence(hits),
  ];
  const vendor = input.vendorConfidence ?? incident.vendor_confidence;
  if (typeof vendor === 'number' && Number.isFinite(vendor)) {
    const c = Math.min(0.95, Math.max(0.05, vendor));
    const w = Math.round(10 * WEIGHTS.vendorConfidenceScale * Math.log(c / (1 - c))) / 10 || 0;
    evidence.push(ev(`vendor confidence ${vendor.toFixed(2)}: ${fmt(w)}`, w, true));
  }
  evidence.push(...contextEvidence(input));

  const sum = evidence.reduce((s, e) => s + e.weight, 0);
  const logOdds = Math.max(-LOG_ODDS_LIMIT, Math.min(LOG_ODDS_LIMIT, prior + sum));
  const p = sigmoid(logOdds);
  const decisive = evidence.reduce((s, e) => s + (e.decisive ? Math.abs(e.weight) : 0), 0);
  // A known-bad indicator, or a high/critical vendor rule, is never closed as benign.
  const hasBad =
    intel.some((i) => i.sightings.some((s) => s.verdict !== 'clean')) ||
    hits.some((h) => h.severity === 'high' || h.severity === 'critical');
  const alarming = hits.some((h) => h.severity === 'high' || h.severity === 'critical');
  const classification = classify(p, alarming ? Math.max(decisive, MIN_DECISIVE_EVIDENCE) : decisive, hasBad);

  const pos = evidence.reduce((s, e) => s + Math.max(0, e.weight), 0);
  const neg = evidence.reduce((s, e) => s + Math.max(0, -e.weight), 0);
  const support = 1 - Math.exp(-(pos + neg) / 2);
  const agreement = pos + neg > 0 ? Math.max(pos, neg) / (pos + neg) : 0;
  const coverage = intel.length ? intel.filter((i) => i.sightings.length).length / intel.length : 0;
  const confidence =
    Math.round(100 * Math.min(0.99, confidenceOf(classification, p, support, agreement, coverage))) / 100;

  const strongest = evidence
    .filter((e) => e.weight !== 0)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const reasoning = [
    `${label(incident.incident_type)} incident "${incident.title}" (severity ${incident.severity}) is ${pct(p)} likely malicious:`,
    `log-odds ${logOdds.toFixed(1)} from a prior of ${prior.toFixed(1)} and ${evidence.length} evidence items summing to ${fmt(sum)}${prior + sum !== logOdds ? `, clamped to ±${LOG_ODDS_LIMIT}` : ''}.`,
    strongest.length
      ? `Strongest evidence: ${strongest
          .slice(0, 2)
          .map((e) => e.text)
          .join('; ')}.`
      : 'No evidence moved the score.',
    `Classified ${classification} with confidence ${confidence.toFixed(2)}: ${why(classification, decisive, agreement)}.`,
  ].join(' ');

  return {
    classification,
    confidence,
    category:
      classification === 'benign'
        ? 'false_positive'
        : (CATEGORY[incident.incident_type] ?? incident.incident_type),
    reasoning,
    reasons: [
      `severity ${incident.severity} sets the prior: ${fmt(prior)} (${pct(sigmoid(prior))} before evidence)`,
      ...evidence.map((e) => e.text),
    ],
    recommended_actions: recommendedActions(input, classification, intel),
    mitre_techniques: withRuleTechniques(
      impliedTechniques(input, classification, intel),
      classification,
      hits,
    ),
    indicators: drivingIndicators(classification, evidence),
    score: Math.round(p * 1000) / 1000,
  };
}

function classify(p: number, decisive: number, hasBad: boolean): Classification {
  if (decisive < MIN_DECISIVE_EVIDENCE) return 'inconclusive';
  if (p >= MALICIOUS_THRESHOLD) return 'malicious';
  // A SOC does not close an alert carrying a known-bad indicator, whatever else is allowlisted.
  if (p >= SUSPICIOUS_THRESHOLD || hasBad) return 'suspicious';
  if (p <= BENIGN_THRESHOLD) return 'benign';
  return 'inconclusive';
}

/**
 * Confidence grows with evidence mass (`support`) and its one-sidedness (`agreement`); a benign call
 * is also scaled by `coverage` (share of indicators with any verdict), since an unknown indicator
 * is exactly where a miss would hide.
 */
function confidenceOf(
  c: Classification,
  p: number,
  support: number,
  agreement: number,
  coverage: number,
): number {
  const strength =
    c === 'malicious'
      ? Math.abs(2 * p - 1) * support * agreement
      : c === 'benign'
        ? Math.abs(2 * p - 1) * support * agreement * coverage
        : c === 'suspicious'
          ? support * agreement
          : support;
  const [lo, hi] = CONFIDENCE_RANGE[c];
  return lo + (hi - lo) * strength;
}

/** Groups enrichments by indicator; each distinct provider/list with a verdict is one sighting. */
function collectIntel(input: AnalysisInput): IndicatorIntel[] {
  const byKey = new Map<string, IndicatorIntel>();
  const entry = (i: Indicator): IndicatorIntel => {
    const k = `${i.type}:${i.value}`;
    let found = byKey.get(k);
    if (!found) byKey.set(k, (found = { indicator: i, sightings: [], lookedUp: false }));
    return found;
  };
  for (const i of input.indicators)
    entry({ type: i.type, value: i.value, ...(i.context ? { context: i.context } : {}) });
  for (const e of input.enrichments) {
    const item = entry({ type: e.indicator_type, value: e.indicator_value });
    item.lookedUp = true;
    if (e.verdict === 'unknown') continue;
    const base: Sighting = { verdict: e.verdict, provider: e.provider, score: e.score };
    const lists = listHits(e.details, e.verdict);
    // Only an allowlist vouches for an indicator. A vendor's "clean" (no engine flagged it, a low
    // abuse score) is weak evidence — fresh attacker infrastructure is clean everywhere — and must
    // not pull a phishing mail towards an automatic benign close.
    if (e.verdict === 'clean' && lists.length === 0) continue;
    for (const s of lists.length ? lists.map((l) => ({ ...base, ...l })) : [base]) {
      const seen = item.sightings.some(
        (o) => o.verdict === s.verdict && o.provider === s.provider && o.list === s.list,
      );
      if (!seen) item.sightings.push(s);
    }
  }
  return [...byKey.values()];
}

/** Distinct lists in `details.hits` that gave `verdict` (the shape of the local-lists provider). */
function listHits(
  details: Record<string, unknown>,
  verdict: string,
): Array<{ list: string; description?: string; entry?: string }> {
  const out: Array<{ list: string; description?: string; entry?: string }> = [];
  for (const h of Array.isArray(details['hits']) ? (details['hits'] as unknown[]) : []) {
    if (typeof h !== 'object' || h === null) continue;
    const { list, verdict: v, description, entry } = h as Record<string, unknown>;
    if (typeof list !== 'string' || v !== verdict || out.some((o) => o.list === list)) continue;
    out.push({
      list,
      ...(typeof description === 'string' && description ? { description } : {}),
      ...(typeof entry === 'string' && entry ? { entry } : {}),
    });
  }
  return out;
}

function intelEvidence(intel: IndicatorIntel[]): Evidence[] {
  const out: Evidence[] = [];
  let benignTotal = 0;
  // One list entry seen through several forms of one indicator (a domain, its URL, its host name)
  // is one piece of evidence.
  const entries = new Map<string, string>();
  for (const { indicator, sightings } of intel) {
    for (const verdict of ['malicious', 'suspicious', 'clean'] as const) {
      sightings
        .filter((s) => s.verdict === verdict)
        .forEach((s, n) => {
          let w: number;
          let note = '';
          const key = s.entry ? `${s.provider}|${s.list}|${s.entry}|${verdict}` : undefined;
          const seenAs = key ? entries.get(key) : undefined;
          if (key && seenAs === undefined) entries.set(key, indicator.value);
          if (seenAs !== undefined) {
            w = 0;
            note = ` (the same list entry as ${seenAs})`;
          } else if (verdict === 'clean') {
            w = n === 0 ? Math.max(WEIGHTS.benignHit, WEIGHTS.benignTotalFloor - benignTotal) : 0;
            if (n > 0) note = ' (already allowlisted)';
            else if (w > WEIGHTS.benignHit)
              note = ` (allowlist total floor ${WEIGHTS.benignTotalFloor.toFixed(1)} reached)`;
            benignTotal += w;
          } else {
            const malicious = verdict === 'malicious';
            const first = malicious ? WEIGHTS.maliciousHit : WEIGHTS.suspiciousHit;
            const more = malicious ? WEIGHTS.maliciousCorroboration : WEIGHTS.suspiciousCorroboration;
            w = n === 0 ? first : n <= WEIGHTS.maxCorroborations ? more : 0;
            if (n > WEIGHTS.maxCorroborations) note = ' (corroboration cap reached)';
          }
          const source = s.list
            ? `is ${n > 0 ? 'also ' : ''}on list ${s.list}${s.description ? ` (${s.description})` : ''}: ${verdict}`
            : `is rated ${verdict} by ${s.provider}${s.score !== null ? ` (score ${s.score.toFixed(2)})` : ''}`;
          out.push(
            ev(
              `indicator ${indicator.value} (${indicator.type}) ${source}, ${fmt(w)}${note}`,
              w,
              true,
              indicator,
            ),
          );
        });
    }
  }
  const checked = intel.filter((i) => i.lookedUp);
  const quiet = checked.filter((i) => i.sightings.length === 0).length;
  if (intel.length === 0) out.push(ev('the incident has no indicators to check: +0.0', 0, false));
  else if (checked.length === 0)
    out.push(ev(`no threat-intel data for the ${plural(intel.length, 'indicator')}: +0.0`, 0, false));
  else if (quiet > 0) out.push(ev(`${plural(quiet, 'indicator')} had no threat-intel match: +0.0`, 0, false));
  return out;
}

function typeEvidence(type: string, intel: IndicatorIntel[]): Evidence[] {
  const signal = TYPE_SIGNALS[type];
  if (!signal) return [];
  const hit = intel.find(
    (i) =>
      signal.types.includes(i.indicator.type) && i.sightings.some((s) => signal.verdicts.includes(s.verdict)),
  );
  if (!hit) return [];
  return [
    ev(
      `${signal.text.replace('{v}', hit.indicator.value)}: ${fmt(signal.weight)}`,
      signal.weight,
      true,
      hit.indicator,
    ),
  ];
}

/**
 * The strongest rule hit at its weight (a rule restating the vendor's risk rating at
 * `ruleRestatingRisk`), then up to `maxRuleCorroborations` more at most `ruleCorroboration` each.
 */
function ruleEvidence(hits: readonly VendorRuleHit[]): Evidence[] {
  const base = (h: VendorRuleHit): number =>
    h.restates_vendor_risk ? WEIGHTS.ruleRestatingRisk : WEIGHTS.ruleHit[h.severity];
  return [...hits]
    .sort((a, b) => Math.abs(base(b)) - Math.abs(base(a)))
    .map((h, n) => {
      const w =
        n === 0
          ? base(h)
          : n <= WEIGHTS.maxRuleCorroborations
            ? Math.min(base(h), WEIGHTS.ruleCorroboration)
            : 0;
      const what = h.severity === 'info' ? 'routine vendor event' : `vendor rule (${h.severity})`;
      const note =
        n > WEIGHTS.maxRuleCorroborations
          ? ' (rule cap reached)'
          : h.restates_vendor_risk && n === 0
            ? ' (restates the vendor risk already in the prior)'
            : '';
      return ev(`${what} ${h.rule_id}: ${h.title}: ${fmt(w)}${note}`, w, true);
    });
}

/** The rules' techniques join a malicious or suspicious verdict's. */
function withRuleTechniques(
  techniques: string[],
  c: Classification,
  hits: readonly VendorRuleHit[],
): string[] {
  if (c !== 'malicious' && c !== 'suspicious') return techniques;
  const out = [...techniques];
  for (const t of hits.flatMap((h) => h.mitre)) {
    if (!out.some((o) => o === t || o.startsWith(`${t}.`))) out.push(t);
  }
  return out;
}

function contextEvidence({ incident }: AnalysisInput): Evidence[] {
  const out: Evidence[] = [];
  const n = incident.occurrence_count;
  if (n >= BURST_OCCURRENCES) {
    const w = n >= LARGE_BURST_OCCURRENCES ? WEIGHTS.largeBurst : WEIGHTS.burst;
    out.push(ev(`alert repeated ${n} times: ${fmt(w)}`, w, false));
  }
  const t = incident.mitre_techniques;
  if (t.length > 0) {
    const w = t.length >= 3 ? WEIGHTS.mitreMany : WEIGHTS.mitreMapped;
    out.push(
      ev(`${plural(t.length, 'MITRE ATT&CK technique')} mapped (${t.join(', ')}): ${fmt(w)}`, w, false),
    );
  }
  const tag = incident.tags.find((x) => CRITICAL_ASSET_TAG.test(x));
  if (tag)
    out.push(ev(`critical asset tag "${tag}": ${fmt(WEIGHTS.criticalAsset)}`, WEIGHTS.criticalAsset, false));
  return out;
}

/** Indicators whose evidence points the way of the verdict, heaviest first. */
function drivingIndicators(c: Classification, evidence: Evidence[]): Indicator[] {
  const wanted = (w: number): boolean => (c === 'benign' ? w < 0 : c === 'inconclusive' ? w !== 0 : w > 0);
  const total = new Map<string, { indicator: Indicator; w: number }>();
  for (const e of evidence) {
    if (!e.indicator || !wanted(e.weight)) continue;
    const k = `${e.indicator.type}:${e.indicator.value}`;
    const t = total.get(k) ?? { indicator: e.indicator, w: 0 };
    t.w += Math.abs(e.weight);
    total.set(k, t);
  }
  return [...total.values()].sort((a, b) => b.w - a.w).map((t) => t.indicator);
}

const CATEGORY: Readonly<Record<string, string>> = {
  malware: 'malware_infection',
  suspicious_login: 'account_compromise',
  other: 'malicious_activity',
};
function why(c: Classification, decisive: number, agreement: number): string {
  const mixed = agreement < 0.8;
  if (c === 'malicious')
    return mixed
      ? 'strong evidence outweighs some conflicting signals'
      : 'the evidence is strong and consistent';
  if (c === 'suspicious') {
    return mixed
      ? 'the evidence conflicts, with known-bad indicators present'
      : 'some evidence points to malicious activity but not conclusively';
  }
  if (c === 'benign') return 'the indicators are known-good and nothing known-bad was found';
  return decisive < MIN_DECISIVE_EVIDENCE
    ? 'there is too little threat-intel or vendor evidence to decide'
    : 'the evidence is weak or balanced';
}

function ev(text: string, weight: number, decisive: boolean, indicator?: Indicator): Evidence {
  return indicator ? { text, weight, decisive, indicator } : { text, weight, decisive };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const fmt = (w: number): string => `${w >= 0 ? '+' : ''}${(w || 0).toFixed(1)}`;
const pct = (p: number): string =>
  p >= 0.995 || p < 0.005 ? `${(p * 100).toFixed(1)}%` : `${Math.round(p * 100)}%`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const label = (type: string): string => type.charAt(0).toUpperCase() + type.slice(1).replace(/_/g, ' ');
