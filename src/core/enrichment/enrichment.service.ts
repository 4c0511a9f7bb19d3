import type { Indicator } from '../../contracts/index.ts';
import type {
  Cache,
  IntelCacheTtl,
  IntelProvider,
  IntelTelemetry,
  IntelVerdict,
  NewEnrichment,
} from '../../ports/index.ts';
import { NOOP_INTEL_TELEMETRY, isIntelVerdict } from '../../ports/index.ts';
import { normalizeIndicatorValue } from '../indicators/index.ts';
import { Semaphore } from '../shared/semaphore.ts';

/** Cross-process single flight: one orchestrator calls the vendor, the others wait for its cached answer. */
export interface IntelLockOptions {
  /** How long the lock is held at most (ms): longer than one provider lookup can take. Default 30 000. */
  ttlMs?: number;
  /** How long a process waits for the holder's answer before asking the provider itself (ms). Default 5 000. */
  waitMs?: number;
  /** How often a waiting process re-reads the cache (ms). Default 50. */
  pollMs?: number;
}

/** Construction options of {@link EnrichmentService}. */
export interface EnrichmentServiceOptions {
  /** Asked in order; a provider is skipped for indicator types it does not `supports()`. */
  providers: IntelProvider[];
  /** Shared enrichment cache (keys `intel:<provider>:<type>:<value>`). */
  cache: Cache;
  /** How long a malicious/suspicious answer is cached (ms, > 0), unless `cacheTtl.byType` names the type. */
  cacheTtlMs: number;
  /** Per-type TTLs and the TTL of negative answers (clean/unknown; default `cacheTtlMs`); providers may override. */
  cacheTtl?: Partial<Omit<IntelCacheTtl, 'default'>>;
  /**
   * Provider lookups in flight at once for this process, across every incident (config
   * `orchestrator.concurrency.enrichment`, default 20). Ignored when `semaphore` is given.
   */
  concurrency: number;
  /** A process-wide semaphore to share instead of creating one from `concurrency`. */
  semaphore?: Semaphore;
  /** Cross-process single flight through `cache.setIfAbsent`; `false` turns it off. Default on, with the defaults above. */
  lock?: IntelLockOptions | false;
  /** Per-provider cache hits and misses. Default none. */
  telemetry?: IntelTelemetry;
}

/** What one `enrich()` call did. */
export interface EnrichmentOutcome {
  /** One per (indicator, provider) answered, in indicator then provider order; errors are absent. */
  enrichments: NewEnrichment[];
  /** (indicator, provider) pairs resolved, from the cache or the provider: `cacheHits + cacheMisses`. */
  lookups: number;
  /** Pairs answered without this call asking the provider: the cache, or an identical lookup in flight here or in another process. */
  cacheHits: number;
  /** Pairs that had to ask the provider (whether or not it then answered). */
  cacheMisses: number;
  /** Provider calls that failed; each leaves its pair out of `enrichments`. */
  errors: number;
  /** One line per failure, `<provider> <type>:<value>: <message>`, for logs and the audit trail. */
  errorMessages: string[];
}

type Resolved = { verdict: IntelVerdict; from: 'cache' | 'shared' | 'provider' };

const LOCK_DEFAULTS: Required<IntelLockOptions> = { ttlMs: 30_000, waitMs: 5_000, pollMs: 50 };

/**
 * Runs every supporting provider on every distinct indicator, through the cache, with the
 * provider calls bounded by one semaphore per service. Identical lookups collapse: within the
 * process onto one promise, across processes onto one short lock in the shared cache (the holder
 * calls the vendor, the others poll the cache for its answer, then ask themselves after a bounded
 * wait). Answers are cached with a TTL per indicator type; negative ones (clean/unknown) with their
 * own, usually shorter, TTL; errors are not cached. Build one service per process.
 */
export class EnrichmentService {
  /** The semaphore bounding provider calls; exposed for metrics (`inFlight`, `maxObserved`). */
  readonly semaphore: Semaphore;
  readonly #providers: readonly IntelProvider[];
  readonly #cache: Cache;
  readonly #ttl: IntelCacheTtl;
  readonly #lock: Required<IntelLockOptions> | null;
  readonly #telemetry: IntelTelemetry;
  readonly #inFlight = new Map<string, Promise<Resolved>>();

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
    this.#ttl = {
      default: options.cacheTtlMs,
      byType: { ...options.cacheTtl?.byType },
      negative: options.cacheTtl?.negative ?? options.cacheTtlMs,
    };
    for (const ttl of [this.#ttl.negative, ...Object.values(this.#ttl.byType)]) {
      if (!(ttl! > 0)) throw new RangeError('every cache TTL must be > 0');
    }
    this.#lock = options.lock === false ? null : { ...LOCK_DEFAULTS, ...options.lock };
    this.#telemetry = options.telemetry ?? NOOP_INTEL_TELEMETRY;
    this.semaphore = options.semaphore ?? new Semaphore(options.concurrency);
  }

  /** Closes every provider that holds something (feeds poll on a timer). Idempotent per provider. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#providers.map((p) => p.close?.()));
  }

  /** The cache key of one provider's answer about one (normalised) indicator. */
  static cacheKey(provider: string, indicator: Pick<Indicator, 'type' | 'value'>): string {
    return `intel:${provider}:${indicator.type}:${indicator.value}`;
  }

  /** How long `provider`'s `verdict` about an indicator of `type` is cached, ms. */
  ttlFor(provider: IntelProvider, type: Indicator['type'], verdict: IntelVerdict['verdict']): number {
    const own = provider.cacheTtl;
    if (verdict === 'clean' || verdict === 'unknown') return own?.negative ?? this.#ttl.negative;
    return own?.byType?.[type] ?? this.#ttl.byType[type] ?? own?.default ?? this.#ttl.default;
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
    for (const raw of indicators) {
      // Stored indicators are normalised at ingest; this keeps cache keys canonical for other callers.
      const indicator: Indicator = {
        type: raw.type,
        value: normalizeIndicatorValue(raw.type, raw.value) ?? raw.value,
      };
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
        first_seen: verdict.first_seen,
        last_seen: verdict.last_seen,
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
    let shared = this.#inFlight.get(key);
    if (!shared) {
      // The shared lookup runs without any one caller's signal: another incident may still want it,
      // and the provider's own timeouts bound it.
      shared = this.#lookup(provider, indicator, key).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, shared);
    } else {
      shared = shared.then((r) => ({ ...r, from: 'shared' as const }));
    }
    try {
      const r = await abortable(shared, signal);
      if (r.from === 'provider') outcome.cacheMisses += 1;
      else outcome.cacheHits += 1;
      this.#telemetry.intelCache(provider.name, r.from === 'provider' ? 'miss' : 'hit');
      return r.verdict;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      outcome.cacheMisses += 1;
      outcome.errors += 1;
      this.#telemetry.intelCache(provider.name, 'miss');
      const message = err instanceof Error ? err.message : String(err);
      outcome.errorMessages.push(`${provider.name} ${indicator.type}:${indicator.value}: ${message}`);
      return null;
    }
  }

  /** Cache, then the cross-process lock, then the provider; rejects when the provider fails. */
  async #lookup(provider: IntelProvider, indicator: Indicator, key: string): Promise<Resolved> {
    const cached = await this.#cacheGet(key);
    if (cached) return { verdict: cached, from: 'cache' };
    const lock = this.#lock;
    const lockKey = `intel-lock:${key.slice('intel:'.length)}`;
    let holding = false;
    if (lock) {
      // An unreachable cache degrades to calling the provider, as without the lock.
      holding = await this.#cache.setIfAbsent(lockKey, 1, lock.ttlMs).catch(() => true);
      if (!holding) {
        const answered = await this.#awaitPeer(key, lock);
        if (answered) return { verdict: answered, from: 'shared' };
      }
    }
    try {
      const verdict = await this.semaphore.run(() => provider.lookup(indicator));
      const ttl = this.ttlFor(provider, indicator.type, verdict.verdict);
      // The cache is an optimisation: failing to write it must not lose the answer.
      await this.#cache.set(key, verdict, ttl).catch(() => undefined);
      return { verdict, from: 'provider' };
    } finally {
      if (holding) await this.#cache.delete(lockKey).catch(() => undefined);
    }
  }

  /** Polls the cache while another process holds the lock; undefined when it did not answer in time. */
  async #awaitPeer(key: string, lock: Required<IntelLockOptions>): Promise<IntelVerdict | undefined> {
    const deadline = performance.now() + lock.waitMs;
    while (performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, lock.pollMs));
      const answered = await this.#cacheGet(key);
      if (answered) return answered;
    }
    return undefined;
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

/** `promise`, or the signal's reason as soon as it aborts (the promise itself keeps running). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
