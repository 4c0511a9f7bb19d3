import { Type } from 'typebox';
import { Duration, Obj } from './schema.parts.ts';

/** A duration without a default (optional overrides). */
const OptDuration = (description: string) =>
  Type.Optional(
    Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' })], {
      description,
    }),
  );

/** One threat-intel provider (`intel.providers.<name>`); see docs/INTEL.md. */
export const IntelProviderConfigSchema = Type.Object(
  {
    /** Registered provider kind (`local_lists`, `virustotal`, `abuseipdb`…); default: the provider's name. */
    kind: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,40}$' })),
    enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
    /** Vendor API root (the public one by default); http(s) only. */
    base_url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+[^/\\s]$' })),
    /** Vendor API key; better from TW_INTEL_<NAME>_API_KEY than in YAML. Never logged. */
    api_key: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    timeout: OptDuration('per HTTP request; default 10s'),
    /** Vendor requests per minute, cluster-wide. */
    rate_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** Vendor requests per day (free-tier quota). */
    quota_per_day: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** HTTP requests one lookup may make (pagination). Default 3. */
    max_requests: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    /** 429 retries per request. Default 2. */
    max_retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    max_retry_after: OptDuration('longest Retry-After honoured; default 60s'),
    /** Largest response body, bytes. Default 1 MiB. */
    max_body_bytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 })),
    /** Consecutive failures that open the circuit. Default 5. */
    breaker_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    breaker_cooldown: OptDuration('how long an open circuit fails fast; default 30s'),
    cache_ttl: OptDuration('positive answers of this provider; default intel.cache_ttl'),
    negative_cache_ttl: OptDuration(
      'clean/unknown answers of this provider; default intel.negative_cache_ttl',
    ),
    /** local_lists: folder of *.txt / *.csv lists. */
    lists_dir: Type.Optional(Type.String({ minLength: 1 })),
    /** local_lists: include the built-in demo list. Default false. */
    demo_list: Type.Optional(Type.Boolean()),
    /** Vendor-specific settings handed to its protocol. */
    options: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z0-9_]{1,40}$' }),
        Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
      ),
    ),
  },
  { additionalProperties: false },
);

const TTL_TYPES = ['ipv4', 'ipv6', 'domain', 'hostname', 'url', 'email', 'md5', 'sha1', 'sha256'] as const;

/** `intel.*`: the providers, the local lists and the enrichment cache. */
export const IntelConfigSchema = Obj({
  /** Folder of local indicator lists (*.txt, *.csv). */
  lists_dir: Type.Optional(
    Type.String({ description: 'folder of indicator lists (*.txt, *.csv); see docs/ANALYZER.md' }),
  ),
  /** Load the small built-in demo list. */
  demo_list: Type.Boolean({ default: true, description: 'load the small built-in demo list' }),
  cache_ttl: Duration('1h', 'enrichment cache TTL of malicious/suspicious answers'),
  negative_cache_ttl: Duration(
    '15m',
    'enrichment cache TTL of clean/unknown answers (errors are never cached)',
  ),
  /** Per indicator type TTLs of positive answers, overriding cache_ttl. */
  cache_ttl_by_type: Obj(
    Object.fromEntries(
      TTL_TYPES.map((t) => [t, OptDuration(`positive answers about ${t} indicators`)]),
    ) as Record<(typeof TTL_TYPES)[number], ReturnType<typeof OptDuration>>,
  ),
  lock_wait: Duration(
    '5s',
    'how long an orchestrator waits for another one already asking a vendor the same thing before asking itself',
  ),
  /**
   * Providers by name (`[a-z0-9_-]`, at most 40: the name is stored with each enrichment and is a
   * metric label). Without a `local_lists` entry the lists above are one provider named `local-lists`.
   */
  providers: Type.Record(Type.String({ pattern: '^[a-z0-9_-]{1,40}$' }), IntelProviderConfigSchema, {
    default: {},
    description:
      'threat-intel providers by name: kind, enabled, base_url, api_key (or TW_INTEL_<NAME>_API_KEY), timeout, rate_limit, quota_per_day…; see docs/INTEL.md',
  }),
});
