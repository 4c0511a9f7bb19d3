import type { Indicator } from '../../contracts/index.ts';
import type { NewEnrichment } from '../../ports/index.ts';

/** What the enrich step needs (EnrichmentService implements it). */
export interface Enricher {
  enrich(
    indicators: Indicator[],
    signal?: AbortSignal,
    /** `providers`: ask only these (by name); default every configured provider. */
    options?: { providers?: readonly string[] },
  ): Promise<{
    enrichments: NewEnrichment[];
    lookups: number;
    cacheHits: number;
    cacheMisses: number;
    errors: number;
  }>;
}
