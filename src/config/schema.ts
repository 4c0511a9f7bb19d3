import { Type, type Static } from 'typebox';

/**
 * The one configuration schema (DESIGN.md "Configuration"). Keys follow the seed's Helm values where
 * the seed names them. Durations accept a number of seconds or a string with a unit
 * (`500ms`, `15s`, `2m`, `1h`); they are normalised to milliseconds by load.ts.
 */
const Duration = (def: string, description: string) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' })], {
    default: def,
    description,
  });

const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, ...(description ? { description } : {}) });

/** Single sign-on with OpenID Connect (issue 9 part 5; docs/SSO.md). */
const RoleName = Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')]);
const OidcConfigSchema = Obj(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'offer "log in with SSO" (needs issuer_url, client_id, redirect_url, client_secret)',
    }),
    issuer_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'issuer identifier (https; http only on loopback); discovery reads its .well-known',
      }),
    ),
    client_id: Type.Optional(
      Type.String({ minLength: 1, description: 'client id registered at the provider' }),
    ),
    client_secret: Type.Optional(
      Type.String({ minLength: 1, description: 'client secret (env TW_OIDC_CLIENT_SECRET)' }),
    ),
    token_auth_method: Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')], {
      default: 'client_secret_basic',
      description: 'how the client authenticates at the token endpoint',
    }),
    redirect_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'our callback, as registered at the provider: https://<host>/api/v1/auth/oidc/callback',
      }),
    ),
    scopes: Type.String({ default: 'openid email profile groups', description: 'scopes requested' }),
    groups_claim: Type.String({
      default: 'groups',
      minLength: 1,
      description: 'claim holding the groups (exact name, else a dotted path such as realm_access.roles)',
    }),
    role_mapping: Type.Record(Type.String({ minLength: 1 }), RoleName, {
      default: {},
      description:
        'group → role; a user in several mapped groups gets the most privileged role (admin > analyst > viewer)',
    }),
    default_role: Type.Union([Type.Literal('viewer'), Type.Literal('analyst'), Type.Literal('deny')], {
      default: 'viewer',
      description: 'role when no group maps, or deny (the login is refused with 403)',
    }),
    post_login_path: Type.String({
      default: '/',
      pattern: '^/(?![/\\\\])[^\\\\]*$',
      description: 'same-origin path the browser is sent to after a successful login',
    }),
    state_secret: Type.Optional(
      Type.String({
        minLength: 32,
        description:
          'key of the login-state cookie, same on every replica (default derived from client_secret)',
      }),
    ),
    state_ttl: Duration('10m', 'time a user has to complete the login at the provider'),
    timeout: Duration('10s', 'timeout of each request to the provider (discovery, token, userinfo)'),
  },
  'single sign-on (OpenID Connect, authorization code + PKCE)',
);

export const ConfigSchema = Obj({
  server: Obj({
    host: Type.String({
      default: '127.0.0.1',
      description: 'listen address (loopback by default; containers set 0.0.0.0 explicitly)',
    }),
    port: Type.Integer({
      default: 8080,
      minimum: 0,
      maximum: 65535,
      description: 'listen port (0 picks a free one); orchestrators serve /live /ready /metrics on it',
    }),
    /** Largest request body accepted, bytes (PAYLOAD_TOO_LARGE beyond). */
    body_limit: Type.Integer({
      default: 1_048_576,
      minimum: 1024,
      description: 'largest request body, bytes (413 PAYLOAD_TOO_LARGE beyond)',
    }),
    trust_proxy: Type.Boolean({ default: false, description: 'trust X-Forwarded-* from a load balancer' }),
    /** How long an API process may serve a cached incident detail; events invalidate it sooner. */
    detail_cache_ttl: Duration(
      '2s',
      'longest a cached GET /incidents/:id body is served (every change event drops it at once; 0 = off)',
    ),
    detail_cache_entries: Type.Integer({
      default: 10_000,
      minimum: 0,
      description: 'incident details cached per API process (0 = off)',
    }),
    /** Time a SIGTERM gives in-flight work before the process exits. */
    shutdown_grace: Duration('20s', 'grace period on SIGTERM'),
    /** After SIGTERM, /ready answers 503 this long before the listener closes, so load balancers drain us first. */
    drain_delay: Duration('0s', 'pause between /ready turning 503 and closing the listener'),
    /**
     * Names this instance in logs, metrics and audit (default: hostname-pid). Leader election uses it
     * as the start of a holder id that is unique per process start (`<instance_id>-<pid>-<random>`).
     */
    instance_id: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'this instance in logs, metrics and audit (default hostname-pid); the leader-election id adds -<pid>-<random>',
      }),
    ),
    trusted_proxies: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'load balancers (IPs or CIDRs) whose X-Forwarded-For/-Proto/-Host count; nobody else can set the client IP (env: comma list)',
    }),
    allowed_origins: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'browser Origins allowed to open the WebSocket stream, e.g. https://soc.example.com (same origin is always allowed; clients without Origin are not browsers and pass; env: comma list)',
    }),
    max_websocket_connections: Type.Integer({
      default: 1000,
      minimum: 0,
      description: 'WebSocket connections per process; beyond, the upgrade answers 503 (0 = no cap)',
    }),
    max_websockets_per_credential: Type.Integer({
      default: 20,
      minimum: 0,
      description: 'WebSocket connections per API key / user / IP on this process; beyond, 429 (0 = no cap)',
    }),
    request_timeout: Duration(
      '20s',
      'longest time to receive a whole request (headers and body), checked every second; slower clients get 408 and are cut (0 = none)',
    ),
    headers_timeout: Duration('10s', 'longest time to receive the request headers (at most request_timeout)'),
    keep_alive_timeout: Duration(
      '72s',
      'idle keep-alive connections close after this (keep it above the load balancer idle timeout)',
    ),
    connection_timeout: Duration(
      '0s',
      'idle socket timeout (0 = none; keep_alive_timeout covers idle connections)',
    ),
    docs: Type.Union(
      [Type.Literal('auto'), Type.Literal('public'), Type.Literal('authenticated'), Type.Literal('off')],
      {
        default: 'auto',
        description:
          '/docs (Swagger UI): public, authenticated (any valid credential) or off; auto = public for embedded mode bound to loopback, else authenticated',
      },
    ),
    tls: Obj(
      {
        cert: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'PEM certificate (chain) file: set with key to serve HTTPS itself',
          }),
        ),
        key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file' })),
        ca: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'PEM file of extra CA/intermediate certificates for the chain',
          }),
        ),
      },
      'terminate TLS in this process (single-process installs); in a cluster, TLS usually ends at the ingress',
    ),
  }),
  data_dir: Type.String({ default: './data', description: 'PGlite data folder (embedded mode)' }),
  database: Obj({
    /** postgres://… of the primary; unset means embedded PGlite in data_dir. `url` is an alias. */
    primary_url: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://',
        description: 'PostgreSQL primary (PgBouncer in transaction mode is fine); unset = embedded PGlite',
      }),
    ),
    url: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', description: 'alias of database.primary_url' }),
    ),
    /** Direct (un-pooled) primary for migrations and session features when primary_url is PgBouncer. */
    direct_url: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://',
        description: 'un-pooled primary for migrations when primary_url is PgBouncer',
      }),
    ),
    replica_url: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', description: 'streaming replica for list/search reads' }),
    ),
    read_replica_enabled: Type.Boolean({
      default: false,
      description:
        'send stale-tolerant reads to the replica (falls back to the primary when it is down or lagging)',
    }),
    max_connections: Type.Integer({
      default: 15,
      minimum: 1,
      maximum: 1000,
      description: 'pool size per instance (per pool: primary, replica)',
    }),
    min_connections: Type.Integer({
      default: 2,
      minimum: 0,
      maximum: 1000,
      description: 'connections kept open per pool',
    }),
    connect_timeout: Duration('30s', 'time to wait for a new connection'),
    statement_timeout: Duration(
      '30s',
      'server-side limit per statement (SET LOCAL in every transaction, also a startup parameter; a client-side backstop slightly above it destroys the connection; 0 = none)',
    ),
    lock_timeout: Duration('10s', 'server-side limit on waiting for a lock, per statement (0 = none)'),
    idle_in_transaction_timeout: Duration(
      '60s',
      'server-side idle_in_transaction_session_timeout: ends a session left idle inside a transaction (0 = none)',
    ),
    /** A replica further behind than this is skipped for reads. */
    replica_max_lag: Duration('5s', 'largest replication lag tolerated for replica reads'),
  }),
  redis: Obj({
    url: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        description: 'Redis (standalone); for replication/cluster only its credentials, db and TLS are used',
      }),
    ),
    architecture: Type.Union(
      [Type.Literal('standalone'), Type.Literal('replication'), Type.Literal('cluster')],
      {
        default: 'standalone',
        description: 'standalone (url), replication (Sentinel) or cluster',
      },
    ),
    /** For `replication`: sentinel addresses `host:port`. */
    sentinels: Type.Array(Type.String(), {
      default: [],
      description: 'replication: Sentinel addresses host:port (env: comma list)',
    }),
    sentinel_master_name: Type.String({ default: 'mymaster', description: 'replication: master group name' }),
    /** For `cluster`: seed node addresses `host:port`. */
    cluster_nodes: Type.Array(Type.String(), {
      default: [],
      description: 'cluster: seed nodes host:port (env: comma list)',
    }),
    key_prefix: Type.String({
      default: 'tw',
      pattern: '^[A-Za-z0-9_:{}-]+$',
      description: 'root of every Redis key (hash-tagged for Cluster)',
    }),
  }),
  orchestrator: Obj({
    concurrency: Obj({
      incidents: Type.Integer({
        default: 10,
        minimum: 1,
        maximum: 1000,
        description: 'incidents triaged at once per orchestrator',
      }),
      llm: Type.Integer({
        default: 5,
        minimum: 1,
        maximum: 1000,
        description: 'analyst (LLM) calls in flight per orchestrator',
      }),
      enrichment: Type.Integer({
        default: 20,
        minimum: 1,
        maximum: 1000,
        description: 'threat-intel lookups in flight per orchestrator',
      }),
    }),
    leaderElection: Obj({
      enabled: Type.Boolean({ default: true, description: 'run leader election and the leader-only jobs' }),
      leaseDuration: Duration('15s', 'lease length'),
      renewDeadline: Duration('10s', 'a leader that cannot renew within this steps down'),
      retryPeriod: Duration('2s', 'how often to try to acquire or renew'),
    }),
    /** Incidents left in new/enriching/analyzing longer than this are re-enqueued by the leader. */
    stale_after: Duration('2m', 'reconciler threshold'),
    reconcile_interval: Duration('30s', 'reconciler period'),
    /** Leader-only aggregation of cluster-wide gauges (queue depth, Redis clients, MTTT). */
    metrics_interval: Duration('10s', 'cluster metrics aggregation period'),
    housekeeping_interval: Duration('1h', 'retention job period'),
    /** A running job's lock: a worker killed mid-job lets it lapse and the job is redelivered (Redis mode). */
    job_lock_duration: Duration('30s', 'job lock lease'),
    /** How often workers look for jobs whose lock lapsed (Redis mode). */
    stalled_interval: Duration('10s', 'stalled-job check period'),
    job_attempts: Type.Integer({
      default: 5,
      minimum: 1,
      maximum: 50,
      description: 'triage attempts per job, first included',
    }),
    job_backoff: Duration('1s', 'retry backoff base'),
  }),
  /** Group commit of concurrent ingests (webhooks, POST /incidents) per API process. */
  ingest: Obj({
    batch_max: Type.Integer({
      default: 200,
      minimum: 1,
      maximum: 5000,
      description: 'most alerts committed in one ingest transaction (concurrent ingests share one)',
    }),
    batch_concurrency: Type.Integer({
      default: 2,
      minimum: 1,
      maximum: 64,
      description:
        'ingest transactions in flight at once per process; alerts arriving meanwhile wait and share the next',
    }),
    max_queued: Type.Integer({
      default: 10_000,
      minimum: 1,
      description:
        'alerts waiting for an ingest transaction beyond which ingest answers 503 SERVICE_UNAVAILABLE',
    }),
  }),
  triage: Obj({
    /** Close confidently benign incidents without a human. */
    auto_resolve_benign: Type.Boolean({
      default: true,
      description: 'close confidently benign incidents without a human',
    }),
    auto_resolve_min_confidence: Type.Number({
      default: 0.85,
      minimum: 0,
      maximum: 1,
      description: 'confidence needed to auto-resolve a benign verdict',
    }),
    /** Status given to auto-resolved benign incidents. */
    auto_resolve_status: Type.Union([Type.Literal('false_positive'), Type.Literal('resolved')], {
      default: 'false_positive',
      description: 'status given to auto-resolved benign incidents',
    }),
    dedup_window: Duration(
      '1h',
      'repeats fold into one open incident while it is younger than this (counted from its first alert)',
    ),
    /** Largest group one incident folds; the next repeat opens a new, linked incident. */
    dedup_max_alerts: Type.Integer({
      default: 1000,
      minimum: 1,
      description: 'most alerts folded into one incident; the next repeat opens a new linked incident',
    }),
    /** What a repeat of a closed incident (resolved, false_positive, dismissed, closed) does. */
    on_repeat_after_close: Type.Union([Type.Literal('new_incident'), Type.Literal('reopen')], {
      default: 'new_incident',
      description:
        'a repeat after closure opens a new incident linked to the old one, or reopens it (within dedup_window)',
    }),
    /**
     * Failed triage runs (queue retries and reconciler re-enqueues together) after which an incident
     * is dead-lettered. With the default orchestrator.job_attempts (5) one job's retries reach it.
     */
    max_attempts: Type.Integer({
      default: 5,
      minimum: 1,
      maximum: 1000,
      description:
        'failed triage runs (all jobs) before an incident is dead-lettered (triage_failed_at); see docs/INCIDENT-LIFECYCLE.md',
    }),
  }),
  intel: Obj({
    /** Folder of local indicator lists (*.txt, *.csv). */
    lists_dir: Type.Optional(
      Type.String({ description: 'folder of indicator lists (*.txt, *.csv); see docs/ANALYZER.md' }),
    ),
    /** Load the small built-in demo list. */
    demo_list: Type.Boolean({ default: true, description: 'load the small built-in demo list' }),
    cache_ttl: Duration('1h', 'enrichment cache TTL'),
  }),
  webhooks: Obj({
    /** Largest accepted distance between X-Webhook-Timestamp and now. */
    timestamp_tolerance: Duration('5m', 'replay window'),
    sources: Type.Record(
      Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
      Type.Object(
        {
          secret: Type.Optional(Type.String({ minLength: 16 })),
          /** Accept unsigned requests from this source (logged at start). */
          unsigned: Type.Optional(Type.Boolean()),
          require_timestamp: Type.Optional(
            Type.Boolean({
              description:
                'refuse requests without X-Webhook-Timestamp (replay guard); default false for configured sources, true for managed ones',
            }),
          ),
          rate_limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              description: 'requests per minute accepted from this source (429 beyond)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      {
        default: {},
        description:
          'per source: secret (16+ characters), unsigned, require_timestamp (default false for configured sources, kept for compatibility; managed sources default to true), rate_limit (requests/min). Read-only at run time; they win over managed and local sources of the same name',
      },
    ),
    encryption_key: Type.Optional(
      Type.String({
        minLength: 32,
        description:
          'AES-256-GCM key for managed webhook source secrets (32 bytes, base64 or hex); embedded mode generates one into the data folder when unset',
      }),
    ),
    previous_encryption_keys: Type.Array(Type.String({ minLength: 32 }), {
      default: [],
      description:
        'older keys still accepted to decrypt secrets sealed before a key rotation (env: comma-separated)',
    }),
    rotation_grace: Duration(
      '24h',
      'how long the previous secret of a rotated webhook source stays valid (unless retired sooner)',
    ),
  }),
  retention: Obj({
    /** Closed incidents (resolved, false_positive, dismissed, closed) untouched this long are deleted by the leader. */
    closed_incidents: Duration('365d', 'retention of closed incidents'),
  }),
  /** Identity and access (users, API keys, sessions, single sign-on). */
  auth: Obj({
    oidc: OidcConfigSchema,
    admin_api_key: Type.Optional(
      Type.String({
        pattern: '^tw_[A-Za-z0-9]{4,32}_[A-Za-z0-9]{32,128}$',
        description:
          'this exact key is an admin API key (env TW_ADMIN_API_KEY; automation, Kubernetes secrets): tw_<prefix>_<32+ base62>',
      }),
    ),
    admin_password: Type.Optional(
      Type.String({
        minLength: 12,
        maxLength: 256,
        description:
          'password of the admin user created on first start when no user exists (env TW_ADMIN_PASSWORD)',
      }),
    ),
    admin_username: Type.String({
      default: 'admin',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$',
      description: 'name of the admin user created on first start',
    }),
    session_idle_timeout: Duration('30m', 'a dashboard session unused this long ends'),
    session_max_age: Duration('12h', 'a dashboard session ends this long after login, used or not'),
    login_max_failures_per_user: Type.Integer({
      default: 5,
      minimum: 1,
      description: 'failed logins per username within login_window before it is locked (429)',
    }),
    login_max_failures_per_ip: Type.Integer({
      default: 20,
      minimum: 1,
      description: 'failed logins per client IP within login_window before it is locked (429)',
    }),
    login_window: Duration('15m', 'failed-login counting window, and the lockout length'),
    credential_cache_ttl: Duration(
      '1s',
      'longest an API process trusts a verified key or session without the database (revocations drop it at once)',
    ),
    credential_cache_entries: Type.Integer({
      default: 10_000,
      minimum: 0,
      description: 'verified keys and sessions cached per API process (0 = off)',
    }),
  }),
  logging: Obj({
    level: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info', description: 'JSON log level' },
    ),
  }),
  rate_limits: Obj(
    {
      enabled: Type.Boolean({
        default: true,
        description: 'rate-limit the HTTP API (429 RATE_LIMIT_EXCEEDED)',
      }),
      window: Duration('1m', 'fixed window the limits below count in'),
      per_credential: Type.Integer({
        default: 1200,
        minimum: 1,
        description: 'requests per window per API key, user session or webhook identity',
      }),
      per_ip: Type.Integer({
        default: 300,
        minimum: 1,
        description: 'requests per window per client IP on routes that need no credential',
      }),
      webhook_per_ip: Type.Integer({
        default: 6000,
        minimum: 1,
        description: 'webhook deliveries per window per client IP (each source also has its own limit)',
      }),
      login: Type.Integer({
        default: 20,
        minimum: 1,
        description: 'login attempts per window per client IP',
      }),
      auth_failures_per_ip: Type.Integer({
        default: 60,
        minimum: 1,
        description:
          'requests refused with 401 per window per client IP; beyond, that IP gets 429 until the window ends',
      }),
    },
    'shared by all replicas (Redis) in distributed mode, per process in embedded mode; /live, /ready and /metrics are exempt',
  ),
  metrics: Obj({
    token: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          'when set, GET /metrics needs Authorization: Bearer <token> (Prometheus authorization.credentials / bearer_token)',
      }),
    ),
  }),
});

export type RawConfig = Static<typeof ConfigSchema>;
