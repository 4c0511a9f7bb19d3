import type { Indicator, IndicatorType } from '../../contracts/index.ts';

/** What a threat-intel source says about one indicator. */
export interface IntelVerdict {
  verdict: 'malicious' | 'suspicious' | 'benign' | 'unknown';
  /** Provider-normalised score 0..1 (1 = certainly malicious), null when the source gives none. */
  score: number | null;
  /** Free-form facts worth showing an analyst: list name, tags, first seen, threat name… */
  details: Record<string, unknown>;
}

/**
 * A threat-intel source (offline lists now; VirusTotal, AbuseIPDB… in a later issue). Lookups go
 * through the enrichment cache, so providers need not cache.
 */
export interface IntelProvider {
  /** Stable name, stored with each enrichment and used in cache keys. */
  readonly name: string;
  supports(type: IndicatorType): boolean;
  lookup(indicator: Indicator, signal?: AbortSignal): Promise<IntelVerdict>;
}
