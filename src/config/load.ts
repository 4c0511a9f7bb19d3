import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type RawConfig } from './schema.ts';

/** Durations become milliseconds; everything else keeps the schema's type. */
type Normalise<T> = [T] extends [readonly (infer U)[]]
  ? Normalise<U>[]
  : [T] extends [object]
    ? { readonly [K in keyof T]: Normalise<T[K]> }
    : [number] extends [T]
      ? [string] extends [T]
        ? number
        : T
      : T;

export type Config = Normalise<RawConfig> & { readonly server: { readonly instance_id: string } };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** YAML file path; default `TW_CONFIG` from env. */
  file?: string;
  /** Environment to read `TW_*` from; default process.env. */
  env?: Record<string, string | undefined>;
  /** Values applied last (tests, CLI flags), deep-merged. */
  overrides?: Record<string, unknown>;
}

/** Named shortcuts; any key is also reachable as TW_SECTION__KEY (case-insensitive, `__` between levels). */
const SHORTCUTS: Record<string, string> = {
  TW_PORT: 'server.port',
  TW_HOST: 'server.host',
  TW_INSTANCE_ID: 'server.instance_id',
  TW_DATA_DIR: 'data_dir',
  TW_DATABASE_URL: 'database.primary_url',
  TW_DATABASE_DIRECT_URL: 'database.direct_url',
  TW_DATABASE_REPLICA_URL: 'database.replica_url',
  TW_REDIS_URL: 'redis.url',
  TW_LOG_LEVEL: 'logging.level',
  TW_INTEL_LISTS_DIR: 'intel.lists_dir',
  TW_PLAYBOOKS_DIR: 'playbooks.dir',
  TW_OIDC_CLIENT_SECRET: 'auth.oidc.client_secret',
  TW_ADMIN_API_KEY: 'auth.admin_api_key',
  TW_ADMIN_PASSWORD: 'auth.admin_password',
  TW_LLM_API_KEY: 'llm.api_key',
};

/**
 * Reads YAML (if any), overlays `TW_*` env, validates against the schema, normalises durations to
 * ms and returns a deep-frozen config. A bad value throws ConfigError naming the key.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TW_CONFIG;
  let base: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      base = (parseYaml(text) as Record<string, unknown> | null) ?? {};
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
    }
    if (typeof base !== 'object' || Array.isArray(base))
      throw new ConfigError(`config file ${file} must be a mapping`);
  }

  const sources = new Map<string, string>();
  const providersIn = (o: Record<string, unknown> | undefined): string[] =>
    Object.keys(((o?.intel as Record<string, unknown> | undefined)?.providers as object | undefined) ?? {});
  const intelNames = [...providersIn(base), ...providersIn(options.overrides)];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('TW_') || value === undefined || name === 'TW_CONFIG') continue;
    const path = intelKeyPath(name, intelNames) ?? envPath(name);
    if (!path) continue;
    setPath(base, path, coerceEnv(path, value));
    sources.set(path.join('.'), name);
  }
  if (options.overrides) deepMerge(base, options.overrides);

  // `database.url` is an alias of `database.primary_url`; a replica URL given alone turns replica reads on.
  const db = (base.database ?? {}) as Record<string, unknown>;
  if (db.url && !db.primary_url) db.primary_url = db.url;
  if (db.replica_url && db.read_replica_enabled === undefined) db.read_replica_enabled = true;

  const converted = Value.Convert(ConfigSchema, base);
  const withDefaults = Value.Default(ConfigSchema, converted) as RawConfig;
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const lines = errors
      .filter((e) => e.keyword !== 'boolean' && e.keyword !== 'anyOf')
      .slice(0, 10)
      .map((e) => {
        const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
        const key = [pointerToKey(e.instancePath), ...(extra ?? [])].filter(Boolean).join('.') || '(root)';
        const from = sources.get(key);
        const what = extra ? 'unknown key' : e.message;
        return `  ${key}: ${what}${from ? ` (from ${from})` : ''}`;
      });
    throw new ConfigError(`invalid configuration:\n${[...new Set(lines)].join('\n')}`);
  }
  const cfg = normaliseDurations(withDefaults) as Record<string, unknown>;
  const server = cfg.server as Record<string, unknown>;
  server.instance_id ??= `${hostname()}-${process.pid}`;
  const database = cfg.database as Record<string, unknown>;
  if (database.read_replica_enabled && !database.replica_url) {
    throw new ConfigError(
      'invalid configuration:\n  database.read_replica_enabled: needs database.replica_url',
    );
  }
  if ((database.min_connections as number) > (database.max_connections as number)) {
    throw new ConfigError(
      'invalid configuration:\n  database.min_connections: must not exceed database.max_connections',
    );
  }
  const tls = server.tls as { cert?: string; key?: string };
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new ConfigError('invalid configuration:\n  server.tls: cert and key must be set together');
  }
  const requestTimeout = server.request_timeout as number;
  if (requestTimeout > 0 && (server.headers_timeout as number) > requestTimeout) {
    throw new ConfigError(
      'invalid configuration:\n  server.headers_timeout: must not exceed server.request_timeout',
    );
  }
  const le = (cfg.orchestrator as { leaderElection: Record<string, number> }).leaderElection;
  if (!(le.retryPeriod! < le.renewDeadline! && le.renewDeadline! < le.leaseDuration!)) {
    throw new ConfigError(
      'invalid configuration:\n  orchestrator.leaderElection: needs retryPeriod < renewDeadline < leaseDuration',
    );
  }
  checkOidc((cfg.auth as { oidc: Record<string, unknown> }).oidc);
  // The schema's key pattern alone lets other names through; they become cache keys and metric labels.
  for (const name of Object.keys((cfg.intel as { providers: object }).providers)) {
    if (!/^[a-z0-9_-]{1,40}$/.test(name))
      throw new ConfigError(
        `invalid configuration:\n  intel.providers: provider name ${JSON.stringify(name.slice(0, 60))} must match [a-z0-9_-], at most 40 characters`,
      );
  }
  const llm = cfg.llm as { provider: string; model?: string };
  if (llm.provider !== 'none' && !llm.model) {
    throw new ConfigError(
      `invalid configuration:\n  llm.model: required when llm.provider is ${llm.provider}`,
    );
  }
  const frozen = deepFreeze(cfg) as unknown as Config;
  const fromEnv = new Set<string>();
  for (const key of sources.keys()) {
    const m = /^webhooks\.sources\.([^.]+)\./.exec(key);
    if (m) fromEnv.add(m[1]!);
  }
  ENV_SOURCES.set(frozen, fromEnv);
  return frozen;
}

const ENV_SOURCES = new WeakMap<Config, ReadonlySet<string>>();

/**
 * Where a configured webhook source came from, for the start log: `env` when any of its keys was
 * set by a `TW_*` variable, else `config` (the YAML file or overrides).
 */
export function webhookSourceOrigin(config: Config, source: string): 'env' | 'config' {
  return ENV_SOURCES.get(config)?.has(source) ? 'env' : 'config';
}

/** SSO settings that only make sense together (issue 9 part 5). */
function checkOidc(oidc: Record<string, unknown>): void {
  if (!oidc.enabled) return;
  const fail = (key: string, what: string): never => {
    throw new ConfigError(`invalid configuration:\n  auth.oidc.${key}: ${what}`);
  };
  for (const key of ['issuer_url', 'client_id', 'redirect_url']) {
    if (!oidc[key]) fail(key, 'required when auth.oidc.enabled');
  }
  if (!oidc.client_secret && !oidc.state_secret)
    fail('client_secret', 'required (or auth.oidc.state_secret)');
  let issuer: URL;
  try {
    issuer = new URL(oidc.issuer_url as string);
    new URL(oidc.redirect_url as string);
  } catch {
    return fail('issuer_url', 'issuer_url and redirect_url must be absolute URLs');
  }
  if (issuer.protocol !== 'https:' && !['127.0.0.1', '[::1]', 'localhost'].includes(issuer.hostname)) {
    fail('issuer_url', 'must be https (plain http only for a provider on loopback)');
  }
}

const DURATION_KEYS = new Set([
  'server.shutdown_grace',
  'server.drain_delay',
  'server.detail_cache_ttl',
  'server.request_timeout',
  'server.headers_timeout',
  'server.keep_alive_timeout',
  'server.connection_timeout',
  'server.heartbeat_interval',
  'rate_limits.window',
  'database.connect_timeout',
  'database.statement_timeout',
  'database.lock_timeout',
  'database.idle_in_transaction_timeout',
  'database.replica_max_lag',
  'orchestrator.leaderElection.leaseDuration',
  'orchestrator.leaderElection.renewDeadline',
  'orchestrator.leaderElection.retryPeriod',
  'orchestrator.stale_after',
  'orchestrator.reconcile_interval',
  'orchestrator.job_backoff',
  'orchestrator.metrics_interval',
  'orchestrator.job_lock_duration',
  'orchestrator.stalled_interval',
  'orchestrator.housekeeping_interval',
  'retention.closed_incidents',
  'retention.audit',
  'response.kill_switch_poll',
  'response.approval_ttl',
  'response.action_timeout',
  'response.stale_executing_after',
  'response.policy_poll',
  'triage.dedup_window',
  'intel.cache_ttl',
  'intel.negative_cache_ttl',
  'intel.lock_wait',
  'webhooks.timestamp_tolerance',
  'auth.oidc.state_ttl',
  'auth.oidc.timeout',
  'auth.session_idle_timeout',
  'auth.session_max_age',
  'auth.login_window',
  'auth.credential_cache_ttl',
  'webhooks.rotation_grace',
  'playbooks.cache_ttl',
  'playbooks.sla_check_interval',
  'llm.timeout',
  'llm.wall_time',
]);

/** `15s` → 15000; a bare number means seconds (the seed writes `connect_timeout: 30`). */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (!m) throw new ConfigError(`not a duration: ${value}`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Math.round(Number(m[1]) * factor);
}

/** Durations under keys chosen by the operator (`intel.providers.<name>.timeout`…). */
const DURATION_PATTERNS = [
  /^intel\.providers\.[^.]+\.(timeout|max_retry_after|breaker_cooldown|cache_ttl|negative_cache_ttl)$/,
  /^intel\.cache_ttl_by_type\.[a-z0-9]+$/,
];

function normaliseDurations(value: unknown, path: string[] = []): unknown {
  const key = path.join('.');
  if (DURATION_KEYS.has(key) || (value !== undefined && DURATION_PATTERNS.some((p) => p.test(key))))
    return parseDuration(value as string | number);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseDurations(v, [...path, k]);
    return out;
  }
  return value;
}

function envPath(name: string): string[] | null {
  if (SHORTCUTS[name]) return SHORTCUTS[name].split('.');
  const secret = /^TW_WEBHOOK_SECRET_([A-Z0-9_]+)$/.exec(name);
  if (secret) return ['webhooks', 'sources', sourceFromEnv(secret[1]!), 'secret'];
  const unsigned = /^TW_WEBHOOK_UNSIGNED_([A-Z0-9_]+)$/.exec(name);
  if (unsigned) return ['webhooks', 'sources', sourceFromEnv(unsigned[1]!), 'unsigned'];
  const requireTs = /^TW_WEBHOOK_REQUIRE_TIMESTAMP_([A-Z0-9_]+)$/.exec(name);
  if (requireTs) return ['webhooks', 'sources', sourceFromEnv(requireTs[1]!), 'require_timestamp'];
  if (!name.includes('__')) return null;
  const parts = name.slice(3).split('__');
  return resolveSchemaPath(parts);
}

/**
 * `TW_INTEL_<NAME>_API_KEY` → `intel.providers.<name>.api_key`, so keys need not sit in YAML. NAME is
 * the provider's name upper-cased with `-` as `_`; a name not in the YAML is taken lower-cased (and,
 * without a `kind`, is its own kind: `TW_INTEL_VIRUSTOTAL_API_KEY` alone turns VirusTotal on).
 */
function intelKeyPath(name: string, configured: readonly string[]): string[] | null {
  const m = /^TW_INTEL_([A-Z0-9_]+)_API_KEY$/.exec(name);
  if (!m?.[1] || m[1].startsWith('_')) return null;
  const found = configured.find((n) => n.toUpperCase().replace(/-/g, '_') === m[1]);
  return ['intel', 'providers', found ?? m[1].toLowerCase(), 'api_key'];
}

/** Env names upper-case the source and turn `-` into `_`; config keys are lower-case with `-`. */
function sourceFromEnv(s: string): string {
  return s.toLowerCase().replace(/_/g, '-');
}

/** Matches env segments to schema keys case-insensitively (so camelCase keys like leaseDuration work). */
function resolveSchemaPath(parts: string[]): string[] | null {
  let schema: unknown = ConfigSchema;
  const out: string[] = [];
  for (const part of parts) {
    const props = (schema as { properties?: Record<string, unknown> }).properties;
    if (!props) return null;
    const key = Object.keys(props).find((k) => k.toLowerCase() === part.toLowerCase());
    if (!key) return null;
    out.push(key);
    schema = props[key];
  }
  return out;
}

function coerceEnv(path: string[], value: string): unknown {
  const key = path.join('.');
  if (
    key === 'redis.sentinels' ||
    key === 'redis.cluster_nodes' ||
    key === 'server.trusted_proxies' ||
    key === 'server.allowed_origins' ||
    key === 'webhooks.previous_encryption_keys' ||
    key === 'response.connectors.previous_encryption_keys' ||
    key === 'response.outbound.allow_hosts'
  )
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (DURATION_KEYS.has(key) && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof target[k] === 'object' &&
      target[k] !== null
    ) {
      deepMerge(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      target[k] = v;
    }
  }
}

function pointerToKey(pointer: string): string {
  return pointer.split('/').filter(Boolean).join('.');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Which backends the config selects: the one place the mode is decided (DESIGN.md). */
export function selectedModes(config: Config): {
  database: 'postgres' | 'pglite';
  transport: 'redis' | 'in-process';
} {
  return {
    database: config.database.primary_url ? 'postgres' : 'pglite',
    transport:
      config.redis.url || config.redis.sentinels.length || config.redis.cluster_nodes.length
        ? 'redis'
        : 'in-process',
  };
}
