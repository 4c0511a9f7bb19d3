import type { Indicator, IndicatorType } from '../contracts/index.ts';

/**
 * The normalised threat-intel vocabulary (issue 11), stored with each enrichment: what a source
 * says about one indicator. `clean` is a source vouching for it (an allowlist, a vendor with no
 * detections); `unknown` is a source with nothing to say. Not the incident's classification
 * (`malicious suspicious benign inconclusive`), which an analyzer derives from these.
 */
export const INTEL_VERDICTS = ['malicious', 'suspicious', 'clean', 'unknown'] as const;
export type IntelVerdictValue = (typeof INTEL_VERDICTS)[number];

/** What a threat-intel source says about one indicator. */
export interface IntelVerdict {
  verdict: IntelVerdictValue;
  /** Source-normalised score 0..1 (1 = certainly malicious), null when the source gives none. */
  score: number | null;
  /** When the source first / last saw the indicator (ISO 8601), null when it does not say. */
  first_seen: string | null;
  last_seen: string | null;
  /** Short facts worth showing an analyst: list name, tags, detections, report link… Never a secret. */
  details: Record<string, unknown>;
}

/**
 * A threat-intel source: the offline lists, or a vendor API run by the HTTP intel provider. The
 * enrichment service caches answers, collapses identical lookups and bounds concurrency, so a
 * provider need not. The provider's `name` is the enrichment's source.
 */
export interface IntelProvider {
  /** Stable operator-chosen name (`[a-z0-9_-]`, at most 40): stored with each enrichment, in cache keys and metric labels. */
  readonly name: string;
  supports(type: IndicatorType): boolean;
  /**
   * Rejects when the source could not answer (outage, quota, open circuit): the enrichment service
   * counts it as an error and triage goes on with the evidence it has. Never caches.
   */
  lookup(indicator: Indicator, signal?: AbortSignal): Promise<IntelVerdict>;
  /** Cache TTLs overriding the service's for this provider (ms). */
  readonly cacheTtl?: Partial<IntelCacheTtl>;
  /** Releases what the provider holds (a feed's poll timer); called once when the process stops. */
  close?(): Promise<void>;
}

/** How long answers are cached, ms: positive answers per indicator type, negative ones (clean/unknown) apart. */
export interface IntelCacheTtl {
  /** Malicious / suspicious answers, unless `byType` names the indicator's type. */
  default: number;
  byType: Partial<Record<IndicatorType, number>>;
  /** Clean / unknown answers: usually shorter, so a new listing is seen soon. */
  negative: number;
}

/** Provider names become cache keys and metric labels: operator config, so validated. */
export const INTEL_PROVIDER_NAME = /^[a-z0-9_-]{1,40}$/;

/** True when `value` has the shape of a cached {@link IntelVerdict}. */
export function isIntelVerdict(value: unknown): value is IntelVerdict {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<IntelVerdict>;
  const seen = (s: unknown) => s === null || typeof s === 'string';
  return (
    typeof v.verdict === 'string' &&
    (INTEL_VERDICTS as readonly string[]).includes(v.verdict) &&
    (v.score === null || typeof v.score === 'number') &&
    seen(v.first_seen) &&
    seen(v.last_seen) &&
    typeof v.details === 'object' &&
    v.details !== null
  );
}
