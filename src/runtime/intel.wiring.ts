import type { Config } from '../config/index.ts';
import { EnrichmentService } from '../core/enrichment/enrichment.service.ts';
import type { IntelProviderSettings } from '../extensions/intel/index.ts';
import { defaultIntelRegistry, type IntelProviderRegistry } from '../extensions/intel/index.ts';
import type { Cache, IntelProvider, IntelTelemetry, Logger, RateLimiter } from '../ports/index.ts';

/** What the threat-intel wiring needs from the runtime. */
export interface IntelWiringDeps {
  cache: Cache;
  /** Cluster-wide counters for vendor rate limits and quotas. */
  rateLimiter: RateLimiter;
  telemetry: IntelTelemetry;
  log: Logger;
  /** Provider kinds; default the built-in ones ({@link defaultIntelRegistry}). */
  registry?: IntelProviderRegistry;
}

/**
 * The configured providers, in name order after the local lists: `intel.providers` (disabled ones
 * skipped), plus a `local-lists` provider from `intel.lists_dir` / `intel.demo_list` when no
 * `local_lists` provider is configured. A provider that cannot be built stops the start with a
 * message naming it (never its key).
 */
export async function createIntelProviders(config: Config, deps: IntelWiringDeps): Promise<IntelProvider[]> {
  const registry = deps.registry ?? defaultIntelRegistry();
  const entries = Object.entries(config.intel.providers as Record<string, IntelProviderSettings>).sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
  );
  const kindOf = (name: string, s: IntelProviderSettings) => s.kind ?? name;
  const named: Array<[string, IntelProviderSettings]> = [];
  if (!entries.some(([name, s]) => kindOf(name, s) === 'local_lists')) {
    named.push([
      'local-lists',
      {
        kind: 'local_lists',
        demo_list: config.intel.demo_list,
        ...(config.intel.lists_dir ? { lists_dir: config.intel.lists_dir } : {}),
      },
    ]);
  }
  const local = entries.filter(([name, s]) => kindOf(name, s) === 'local_lists');
  const remote = entries.filter(([name, s]) => kindOf(name, s) !== 'local_lists');
  named.push(...local, ...remote);
  const providers: IntelProvider[] = [];
  for (const [name, settings] of named) {
    if (settings.enabled === false) continue;
    providers.push(
      await registry.create({
        name,
        settings,
        rateLimiter: deps.rateLimiter,
        telemetry: deps.telemetry,
        log: deps.log,
      }),
    );
  }
  const vendors = providers.filter((p) => p.name !== 'local-lists').map((p) => p.name);
  if (vendors.length) deps.log.info({ providers: providers.map((p) => p.name) }, 'threat-intel providers');
  return providers;
}

/** The process's enrichment service: the providers, the shared cache and its TTLs, the lookup bound. */
export async function createEnrichment(config: Config, deps: IntelWiringDeps): Promise<EnrichmentService> {
  const byType = Object.fromEntries(
    Object.entries(config.intel.cache_ttl_by_type).filter(([, v]) => v !== undefined),
  ) as Record<string, number>;
  return new EnrichmentService({
    providers: await createIntelProviders(config, deps),
    cache: deps.cache,
    cacheTtlMs: config.intel.cache_ttl,
    cacheTtl: { negative: config.intel.negative_cache_ttl, byType },
    concurrency: config.orchestrator.concurrency.enrichment,
    lock: { waitMs: config.intel.lock_wait },
    telemetry: deps.telemetry,
  });
}
