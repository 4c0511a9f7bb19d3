import type { Indicator } from '../../contracts/index.ts';
import type { Cache, NewEnrichment } from '../../ports/index.ts';
import { Semaphore } from '../shared/semaphore.ts';
import type { IntelProvider, IntelVerdict } from './intel-provider.ts';

/** Construction options of {@link EnrichmentService}. */
export interface EnrichmentServiceOptions {
  /** Asked in order; a provider is skipped for indicator types it does not `supports()`. */
  providers: IntelProvider[];
  /** Shared enrichment cache (keys `intel:<provider>:<type>:<value>`). */
  cache: Cache;
  /** How long a provider's answer (including "unknown") is cached; must be > 0. */
  cacheTtlMs: number;
  /**
   * Provider lookups in flight at once for this process, across every incident (config
   * `orchestrator.concurrency.enrichment`, default 20). Ignored when `semaphore` is given.
   */
  concurrency: number;
  /** A process-wide semaphore to share instead of creating one from `concurrency`. */
  semaphore?: Semaphore;
}

/** What one `enrich()` call did. */
export interface EnrichmentOutcome {
  /** One per (indicator, provider) answered, in indicator then provider order; errors are absent. */
  enrichments: NewEnrichment[];
  /** (indicator, provider) pairs resolved, from the cache or the provider: `cacheHits + cacheMisses`. */
  lookups: number;
  cacheHits: number;
  /** Pairs that had to ask the provider (whether or not it then answered). */
  cacheMisses: number;
  /** Provider calls that failed; each leaves its pair out of `enrichments`. */
  errors: number;
  /** One line per failure, `<provider> <type>:<value>: <message>`, for logs and the audit trail. */
  errorMessages: string[];
}

/**
 * Runs every supporting provider on every distinct indicator, through the cache, with the
 * provider calls bounded by one semaphore per service. Build one service per process so the
 * bound holds across concurrent incidents.
 */
export class EnrichmentService {
  /** The semaphore bounding provider calls; exposed for metrics (`inFlight`, `maxObserved`). */
  readonly semaphore: Semaphore;
  readonly #providers: readonly IntelProvider[];
  readonly #cache: Cache;
  readonly #ttlMs: number;

  constructor(options: EnrichmentServiceOptions) {
    if (!(options.cacheTtlMs > 0)) throw new RangeError('cacheTtlMs must be > 0');
    const names = options.providers.map((p) => p.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    // Names key the cache and the stored enrichments: two providers sharing one would read each
    // other's answers.
    if (twice !== undefined) {
      throw new Error(
        `intel provider name "${twice}" is used twice; give each provider its own name ` +
          '(local lists: load them as one provider, e.g. fromFolder(dir, { include: DEMO_LIST_ENTRIES }))',
      );
    }
    this.#providers = [...options.providers];
    this.#cache = options.cache;
    this.#ttlMs = options.cacheTtlMs;
    this.semaphore = options.semaphore ?? new Semaphore(options.concurrency);
  }

  /** The cache key of one provider's answer about one indicator. */
  static cacheKey(provider: string, indicator: Pick<Indicator, 'type' | 'value'>): string {
    return `intel:${provider}:${indicator.type}:${indicator.value}`;
  }

  /**
   * Looks up every distinct indicator with every provider that supports its type (only the
   * providers named in `options.providers`, when given). A provider
   * failing for one indicator is counted in `errors` and does not fail the rest; an aborted
   * `signal` rejects the whole call with its reason.
   */
  async enrich(
    indicators: Indicator[],
    signal?: AbortSignal,
    options: { providers?: readonly string[] } = {},
  ): Promise<EnrichmentOutcome> {
    signal?.throwIfAborted();
    const seen = new Set<string>();
    const pairs: Array<{ indicator: Indicator; provider: IntelProvider }> = [];
    for (const indicator of indicators) {
      const id = `${indicator.type}:${indicator.value}`;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const provider of this.#providers) {
        // A playbook's enrich step may name the providers to ask (default: all).
        if (options.providers && !options.providers.includes(provider.name)) continue;
        if (provider.supports(indicator.type)) pairs.push({ indicator, provider });
      }
    }

    const outcome: EnrichmentOutcome = {
      enrichments: [],
      lookups: pairs.length,
      cacheHits: 0,
      cacheMisses: 0,
      errors: 0,
      errorMessages: [],
    };
    const results = await Promise.all(
      pairs.map((p) => this.#resolve(p.provider, p.indicator, outcome, signal)),
    );
    signal?.throwIfAborted();
    results.forEach((verdict, i) => {
      const pair = pairs[i];
      if (!verdict || !pair) return;
      outcome.enrichments.push({
        indicator_type: pair.indicator.type,
        indicator_value: pair.indicator.value,
        provider: pair.provider.name,
        verdict: verdict.verdict,
        score: verdict.score,
        details: verdict.details,
      });
    });
    return outcome;
  }

  async #resolve(
    provider: IntelProvider,
    indicator: Indicator,
    outcome: EnrichmentOutcome,
    signal: AbortSignal | undefined,
  ): Promise<IntelVerdict | null> {
    const key = EnrichmentService.cacheKey(provider.name, indicator);
    const cached = await this.#cacheGet(key);
    if (cached) {
      outcome.cacheHits += 1;
      return cached;
    }
    outcome.cacheMisses += 1;
    let verdict: IntelVerdict;
    try {
      verdict = await this.semaphore.run(() => provider.lookup(indicator, signal), signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      outcome.errors += 1;
      const message = err instanceof Error ? err.message : String(err);
      outcome.errorMessages.push(`${provider.name} ${indicator.type}:${indicator.value}: ${message}`);
      return null;
    }
    // The cache is an optimisation: failing to write it must not lose the answer.
    await this.#cache.set(key, verdict, this.#ttlMs).catch(() => undefined);
    return verdict;
  }

  async #cacheGet(key: string): Promise<IntelVerdict | undefined> {
    try {
      const value = await this.#cache.get<IntelVerdict>(key);
      return isIntelVerdict(value) ? value : undefined;
    } catch {
      // An unreachable cache degrades to a miss rather than failing triage.
      return undefined;
    }
  }
}

const VERDICTS = new Set(['malicious', 'suspicious', 'benign', 'unknown']);

function isIntelVerdict(value: unknown): value is IntelVerdict {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<IntelVerdict>;
  return (
    typeof v.verdict === 'string' &&
    VERDICTS.has(v.verdict) &&
    (v.score === null || typeof v.score === 'number') &&
    typeof v.details === 'object' &&
    v.details !== null
  );
}
