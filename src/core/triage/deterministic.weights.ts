/**
 * The deterministic analyzer's documented model (docs/ANALYZER.md): priors by severity, evidence
 * weights, type signals, thresholds and confidence ranges. Data only; the analyzer applies it.
 */
import type { Classification, IndicatorType, Severity } from '../../contracts/index.ts';
import { DESTINATIONS, HASHES, IPS, NETWORK, type KnownVerdict } from './deterministic.recommendations.ts';

/** Log-odds of "malicious" before any evidence, by severity (docs/ANALYZER.md). */
export const SEVERITY_PRIOR: Readonly<Record<Severity, number>> = Object.freeze({
  info: -2.0,
  low: -1.5,
  medium: -0.5,
  high: 0,
  critical: 1.0,
});

/** Evidence weights in log-odds; positive means "more likely malicious" (docs/ANALYZER.md). */
export const WEIGHTS = Object.freeze({
  maliciousHit: 2.0,
  /** Each further independent source (provider or list) calling the same indicator malicious. */
  maliciousCorroboration: 1.0,
  suspiciousHit: 0.8,
  suspiciousCorroboration: 0.4,
  /** Corroborating sources counted per indicator and verdict, beyond the first. */
  maxCorroborations: 2,
  /** First allowlist hit per indicator; further allowlists on the same indicator add nothing. */
  benignHit: -1.0,
  /** Floor on the summed allowlist pull-down: known-good indicators do not make an incident good. */
  benignTotalFloor: -2.5,
  /** Multiplies logit(vendor confidence), the confidence being clamped to 0.05..0.95. */
  vendorConfidenceScale: 0.5,
  burst: 0.4,
  largeBurst: 0.8,
  mitreMapped: 0.3,
  mitreMany: 0.5,
  criticalAsset: 0.3,
  /** The strongest vendor rule hit, by the rule's severity; `info` marks a routine event. */
  ruleHit: Object.freeze({ info: -1.0, low: 0.5, medium: 1.0, high: 2.0, critical: 3.5 }) as Readonly<
    Record<Severity, number>
  >,
  /** A rule that restates the vendor's risk rating, already in the severity prior and vendor confidence. */
  ruleRestatingRisk: 0.5,
  /** Each further distinct non-routine rule hit on the incident (at most `maxRuleCorroborations`). */
  ruleCorroboration: 0.5,
  maxRuleCorroborations: 2,
});

/** A signal specific to one incident type, applied once when an indicator of `types` has a `verdicts` hit. */
export interface TypeSignal {
  types: readonly IndicatorType[];
  verdicts: readonly KnownVerdict[];
  weight: number;
  /** `{v}` is replaced by the indicator. */
  text: string;
}

/** Incident-type specific signals (docs/ANALYZER.md). */
export const TYPE_SIGNALS: Readonly<Record<string, TypeSignal>> = Object.freeze({
  malware: {
    types: HASHES,
    verdicts: ['malicious'],
    weight: 1.5,
    text: 'known-malicious file hash {v} on a malware incident',
  },
  ransomware: {
    types: HASHES,
    verdicts: ['malicious'],
    weight: 1.5,
    text: 'known-malicious file hash {v} on a ransomware incident',
  },
  phishing: {
    types: NETWORK,
    verdicts: ['malicious'],
    weight: 1.0,
    text: 'phishing infrastructure {v} is known-malicious',
  },
  suspicious_login: { types: IPS, verdicts: ['malicious'], weight: 1.0, text: 'login from malicious IP {v}' },
  // An untyped incident: a known-bad file or destination is what says what it is.
  other: {
    types: [...HASHES, ...DESTINATIONS],
    verdicts: ['malicious'],
    weight: 1.0,
    text: 'known-malicious {v} on an incident of no specific type',
  },
  data_exfiltration: {
    types: DESTINATIONS,
    verdicts: ['malicious', 'suspicious'],
    weight: 0.7,
    text: 'exfiltration destination {v} is flagged',
  },
});

/** Occurrence counts at which the burst weights apply. */
export const BURST_OCCURRENCES = 5;
export const LARGE_BURST_OCCURRENCES = 50;
/** Incident tags that mark a critical asset. */
export const CRITICAL_ASSET_TAG =
  /^(critical|critical[-_ ]asset|crown[-_ ]jewels?|tier[-_ ]?0|vip|executive|domain[-_ ]controller)$/i;

/**
 * Confidence range per classification: `lo + (hi − lo) × strength` (docs/ANALYZER.md, "Confidence").
 * The ranges were set from the observed accuracy of each call on the tune split of the shipped
 * evaluation set (never the holdout), so that confidence reads as the chance the call is right.
 */
export const CONFIDENCE_RANGE: Readonly<Record<Classification, readonly [number, number]>> = Object.freeze({
  malicious: [0.75, 0.99],
  benign: [0.75, 0.99],
  suspicious: [0.6, 0.95],
  inconclusive: [0.4, 0.6],
});

/** Probability of "malicious" at or above which the verdict is malicious. */
export const MALICIOUS_THRESHOLD = 0.85;
/** At or above this (or with any malicious/suspicious intel hit) the verdict is at least suspicious. */
export const SUSPICIOUS_THRESHOLD = 0.5;
/** At or below this, with no bad hit, the verdict is benign. */
export const BENIGN_THRESHOLD = 0.2;
/** Below this much intel + vendor evidence (sum of |weights|) the verdict is inconclusive. */
export const MIN_DECISIVE_EVIDENCE = 1.0;
/** The summed log-odds are clamped to ±this (probability 0.25%..99.75%). */
export const LOG_ODDS_LIMIT = 6;
