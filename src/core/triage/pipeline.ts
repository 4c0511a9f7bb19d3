import type { Indicator } from '../../contracts/index.ts';
import type { NewEnrichment } from '../../ports/index.ts';
import type { Analyzer } from './analyzer.ts';

/** What the enrichment step needs (EnrichmentService implements it). */
export interface Enricher {
  enrich(
    indicators: Indicator[],
    signal?: AbortSignal,
  ): Promise<{
    enrichments: NewEnrichment[];
    lookups: number;
    cacheHits: number;
    cacheMisses: number;
    errors: number;
  }>;
}

/**
 * How one incident type is triaged. The built-in pipelines enrich every indicator and run one
 * analyzer; playbooks (a later issue) produce pipelines of the same shape, so the triage service
 * does not change when they arrive.
 */
export interface TriagePipeline {
  readonly name: string;
  /** Run the enrichment step. */
  readonly enrich: boolean;
  /** Which indicators to look up (default: all). */
  readonly selectIndicators?: (indicators: Indicator[]) => Indicator[];
  readonly analyzer: Analyzer;
}

/** Picks the pipeline for an incident type: an override when one is registered, else the default. */
export class PipelineRegistry {
  private readonly overrides = new Map<string, TriagePipeline>();

  constructor(private readonly fallback: TriagePipeline) {}

  register(incidentType: string, pipeline: TriagePipeline): this {
    this.overrides.set(incidentType, pipeline);
    return this;
  }

  forType(incidentType: string): TriagePipeline {
    return this.overrides.get(incidentType) ?? this.fallback;
  }
}
