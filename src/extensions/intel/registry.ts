import type { IntelProvider, IntelTelemetry, Logger, RateLimiter } from '../../ports/index.ts';
import { INTEL_PROVIDER_NAME } from '../../ports/index.ts';
import { DEMO_LIST_ENTRIES } from './demo-list.ts';
import { HttpIntelProvider } from './http/http-intel.provider.ts';
import type { VendorConfig, VendorProtocol } from './http/vendor-protocol.ts';
import { LocalListIntelProvider } from './local-list.provider.ts';
import { ABUSEIPDB_BASE_URL, abuseIpDbProtocol } from './vendors/abuseipdb.ts';
import { VIRUSTOTAL_BASE_URL, virusTotalProtocol } from './vendors/virustotal.ts';
import { VENDOR_PROTOCOLS } from './vendors/catalog.ts';
import { StixFeedIntelProvider, type StixFeedSource } from './vendors/stix-feed.provider.ts';

/** One provider's settings (`intel.providers.<name>`, durations in ms); every field is optional. */
export interface IntelProviderSettings {
  kind?: string;
  enabled?: boolean;
  base_url?: string;
  api_key?: string;
  timeout?: number;
  rate_limit?: number;
  quota_per_day?: number;
  max_requests?: number;
  max_retries?: number;
  max_retry_after?: number;
  max_body_bytes?: number;
  breaker_failures?: number;
  breaker_cooldown?: number;
  cache_ttl?: number;
  negative_cache_ttl?: number;
  lists_dir?: string;
  demo_list?: boolean;
  options?: Readonly<Record<string, string | number | boolean>>;
}

/** What a factory gets to build one provider. */
export interface IntelProviderContext {
  /** The provider's name (validated: `[a-z0-9_-]`, at most 40). */
  name: string;
  settings: IntelProviderSettings;
  /** Cluster-wide counters (Redis when distributed) for rate limits and quotas. */
  rateLimiter: RateLimiter;
  telemetry: IntelTelemetry;
  log: Logger;
  /** Test seam; default the global fetch. */
  fetch?: typeof fetch;
}

export type IntelProviderFactory = (context: IntelProviderContext) => IntelProvider | Promise<IntelProvider>;

/** Thrown for a provider configuration that cannot work (unknown kind, missing key…); names the provider, never the key. */
export class IntelConfigError extends Error {
  override readonly name = 'IntelConfigError';
}

/** Provider kinds by name: `local_lists`, `virustotal`, `abuseipdb`, and one line per further vendor. */
export class IntelProviderRegistry {
  readonly #factories = new Map<string, IntelProviderFactory>();

  register(kind: string, factory: IntelProviderFactory): this {
    if (!/^[a-z0-9_]{1,40}$/.test(kind))
      throw new Error(`intel provider kind "${kind}" must match [a-z0-9_]{1,40}`);
    if (this.#factories.has(kind)) throw new Error(`intel provider kind "${kind}" is registered twice`);
    this.#factories.set(kind, factory);
    return this;
  }

  kinds(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /** Builds the provider `context.name` of kind `settings.kind` (default: its name). */
  async create(context: IntelProviderContext): Promise<IntelProvider> {
    if (!INTEL_PROVIDER_NAME.test(context.name))
      throw new IntelConfigError(`intel provider name "${context.name}" must match [a-z0-9_-]{1,40}`);
    const kind = context.settings.kind ?? context.name;
    const factory = this.#factories.get(kind);
    if (!factory) {
      throw new IntelConfigError(
        `intel.providers.${context.name}: unknown kind "${kind}" (known: ${this.kinds().join(', ')})`,
      );
    }
    return factory(context);
  }
}

/** Defaults of an HTTP vendor kind; the operator's settings override them. */
export interface HttpVendorDefaults {
  /** Absent for vendors without a public endpoint (MISP): then `base_url` must be configured. */
  baseUrl?: string;
  /** Refuse to start without an API key. Default true. */
  requiresKey?: boolean;
  /** The vendor's free-tier limits, applied unless configured. */
  rateLimitPerMinute?: number;
  quotaPerDay?: number;
}

/**
 * The factory of an HTTP vendor kind: its {@link VendorProtocol} run by {@link HttpIntelProvider}
 * with the provider's settings (`options` are handed to the protocol beside `base_url`/`api_key`).
 */
export function httpVendor<C extends VendorConfig = VendorConfig>(
  protocol: VendorProtocol<C>,
  defaults: HttpVendorDefaults,
): IntelProviderFactory {
  return ({ name, settings: s, rateLimiter, telemetry, log, fetch }) => {
    if ((defaults.requiresKey ?? true) && !s.api_key) {
      const env = `TW_INTEL_${name.toUpperCase().replace(/-/g, '_')}_API_KEY`;
      throw new IntelConfigError(
        `intel.providers.${name}: ${protocol.vendor} needs an API key (api_key or ${env})`,
      );
    }
    const baseUrl = s.base_url ?? defaults.baseUrl;
    if (!baseUrl) throw new IntelConfigError(`intel.providers.${name}: ${protocol.vendor} needs base_url`);
    // The protocol's own fields come from `options`; it checks them when it builds a request.
    const config = {
      ...s.options,
      base_url: baseUrl.replace(/\/+$/, ''),
      ...(s.api_key ? { api_key: s.api_key } : {}),
    } as C;
    const rateLimitPerMinute = s.rate_limit ?? defaults.rateLimitPerMinute;
    const quotaPerDay = s.quota_per_day ?? defaults.quotaPerDay;
    return new HttpIntelProvider<C>({
      name,
      protocol,
      config,
      ...(s.timeout !== undefined ? { timeoutMs: s.timeout } : {}),
      ...(s.max_requests !== undefined ? { maxRequests: s.max_requests } : {}),
      ...(s.max_retries !== undefined ? { maxRetries: s.max_retries } : {}),
      ...(s.max_retry_after !== undefined ? { maxRetryAfterMs: s.max_retry_after } : {}),
      ...(s.max_body_bytes !== undefined ? { maxBodyBytes: s.max_body_bytes } : {}),
      breaker: {
        ...(s.breaker_failures !== undefined ? { failureThreshold: s.breaker_failures } : {}),
        ...(s.breaker_cooldown !== undefined ? { cooldownMs: s.breaker_cooldown } : {}),
      },
      ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}),
      ...(quotaPerDay ? { quotaPerDay } : {}),
      rateLimiter,
      cacheTtl: {
        ...(s.cache_ttl !== undefined ? { default: s.cache_ttl } : {}),
        ...(s.negative_cache_ttl !== undefined ? { negative: s.negative_cache_ttl } : {}),
      },
      telemetry,
      log: log.child({ provider: name }),
      ...(fetch ? { fetch } : {}),
    });
  };
}

/** `local_lists`: a folder of lists and/or the built-in demo list, as one provider. */
export const localListsFactory: IntelProviderFactory = async ({ name, settings: s, log }) => {
  const demo = s.demo_list ? DEMO_LIST_ENTRIES : [];
  const provider = s.lists_dir
    ? await LocalListIntelProvider.fromFolder(s.lists_dir, { name, include: demo })
    : LocalListIntelProvider.fromEntries(demo, { name });
  if (provider.warnings.length)
    log.warn({ provider: name, warnings: provider.warnings.slice(0, 20) }, 'intel list lines skipped');
  return provider;
};

/**
 * The built-in kinds. Another vendor is one line: its protocol module and its defaults, e.g.
 * `.register('otx', httpVendor(otxProtocol, { baseUrl: OTX_BASE_URL }))`.
 */
export function defaultIntelRegistry(): IntelProviderRegistry {
  return (
    new IntelProviderRegistry()
      .register('local_lists', localListsFactory)
      .register(
        'virustotal',
        // The public API's limits (4 requests/min, 500/day); premium keys configure their own.
        httpVendor(virusTotalProtocol, {
          baseUrl: VIRUSTOTAL_BASE_URL,
          rateLimitPerMinute: 4,
          quotaPerDay: 500,
        }),
      )
      .register(
        'abuseipdb',
        // The free plan's 1,000 checks a day.
        httpVendor(abuseIpDbProtocol, { baseUrl: ABUSEIPDB_BASE_URL, quotaPerDay: 1000 }),
      )
      .register('otx', vendorKind('otx'))
      .register('urlhaus', vendorKind('urlhaus'))
      .register('threatfox', vendorKind('threatfox'))
      .register('greynoise', vendorKind('greynoise'))
      // MISP pages through `{next}`: one lookup may take up to its max_pages (default 5) requests.
      .register('misp', vendorKind('misp', 6))
      .register('stix_feed', stixFeedFactory)
  );
}

/** A vendor of vendors/catalog.ts as an HTTP kind, with the catalog's defaults. */
function vendorKind(kind: keyof typeof VENDOR_PROTOCOLS, maxRequests?: number): IntelProviderFactory {
  const entry = VENDOR_PROTOCOLS[kind];
  const defaults = entry.defaults as { base_url?: string };
  const factory = httpVendor(entry.protocol as VendorProtocol, {
    ...(defaults.base_url ? { baseUrl: defaults.base_url } : {}),
    requiresKey: entry.requiresKey,
  });
  if (maxRequests === undefined) return factory;
  return (ctx) =>
    factory({
      ...ctx,
      settings: { ...ctx.settings, max_requests: ctx.settings.max_requests ?? maxRequests },
    });
}

/**
 * `stix_feed`: a TAXII 2.1 collection or a STIX 2.1 bundle (URL or file) polled into memory; lookups
 * are answered from what it holds. Options: `source` (`taxii` | `bundle_url` | `bundle_file`) with
 * `api_root` + `collection_id` (+ `username`/`password` or the provider's `api_key`,
 * `api_key_header`), `url`, or `path`; `poll_interval` (ms). Each orchestrator polls on its own.
 */
export const stixFeedFactory: IntelProviderFactory = ({ name, settings: s, log }) => {
  const o = (s.options ?? {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const need = (k: string): string => {
    const v = str(k);
    if (!v) throw new IntelConfigError(`intel.providers.${name}: stix_feed needs options.${k}`);
    return v;
  };
  let source: StixFeedSource;
  const kind = str('source') ?? 'taxii';
  if (kind === 'taxii') {
    const user = str('username');
    const password = str('password');
    const header = str('api_key_header');
    source = {
      kind: 'taxii',
      taxii: {
        api_root: (s.base_url ?? need('api_root')).replace(/\/+$/, ''),
        collection_id: need('collection_id'),
        ...(user ? { username: user } : {}),
        ...(password ? { password } : {}),
        ...(s.api_key ? { api_key: s.api_key } : {}),
        ...(header ? { api_key_header: header } : {}),
      },
    };
  } else if (kind === 'bundle_url') source = { kind: 'bundle-url', url: s.base_url ?? need('url') };
  else if (kind === 'bundle_file') source = { kind: 'bundle-file', path: need('path') };
  else
    throw new IntelConfigError(
      `intel.providers.${name}: options.source must be taxii, bundle_url or bundle_file`,
    );
  const interval = typeof o.poll_interval === 'number' ? o.poll_interval : undefined;
  const provider = new StixFeedIntelProvider({
    source,
    name,
    ...(interval !== undefined ? { poll_interval_ms: Math.max(60_000, interval) } : {}),
    ...(s.timeout !== undefined ? { request_timeout_ms: s.timeout } : {}),
    logger: log.child({ provider: name }),
  });
  provider.start();
  return provider;
};
