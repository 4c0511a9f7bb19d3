import { Type, type Static } from 'typebox';
import { AuthConfigSchema } from './schema.identity.ts';
import { IntelConfigSchema } from './schema.intel.ts';
import { LlmConfigSchema } from './schema.llm.ts';
import { Duration, Obj } from './schema.parts.ts';
import { ResponseConfigSchema } from './schema.response.ts';
import { EmailConfigSchema } from './schema.email.ts';
import { ServerConfigSchema } from './schema.server.ts';

/**
 * The one configuration schema (DESIGN.md "Configuration"), section by section; the larger sections
 * live beside it (schema.server.ts, schema.identity.ts); Duration and Obj in schema.parts.ts.
 */
export const ConfigSchema = Obj({
  server: ServerConfigSchema,
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
    /** Embedded mode: a migrated data folder copied into a new data_dir (the image ships one). */
    pglite_template: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'embedded mode: a data folder made by `triage-warden migrate`, whose pg/ a new data_dir starts from instead of initdb + migrations (the image sets /app/pglite-template)',
      }),
    ),
    pglite_shared_buffers: Type.String({
      default: '16MB',
      pattern: '^[0-9]+(kB|MB|GB)$',
      description:
        "embedded mode: PGlite's shared_buffers, held in the server's own memory (PostgreSQL's default is 128MB)",
    }),
    pglite_wasm_optimizer: Type.Boolean({
      default: false,
      description:
        "embedded mode: let V8 recompile PGlite's hot WebAssembly functions with its optimizing compiler (TurboFan); off, PGlite runs on the baseline compiler (Liftoff) only: ~50 MB less memory, a lower peak and a faster start; the optimizer can pay off only for long CPU-heavy queries",
    }),
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
  intel: IntelConfigSchema,
  playbooks: Obj({
    /** Folder of playbook files (*.yaml, *.yml) loaded at start; see docs/PLAYBOOKS.md. */
    dir: Type.Optional(
      Type.String({
        description:
          'folder of playbook YAML files loaded at every start (built-ins are always loaded); see docs/PLAYBOOKS.md for precedence',
      }),
    ),
    cache_ttl: Duration(
      '5s',
      'how long a process trusts its compiled playbooks without a change event (changes reach every process at once over the bus)',
    ),
    sla_check_interval: Duration('30s', 'how often the leader looks for incidents past their playbook SLA'),
  }),
  email: EmailConfigSchema,
  llm: LlmConfigSchema,
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
  /** Automated response (docs/RESPONSE.md, POLICY.md, CONNECTORS.md). */
  response: ResponseConfigSchema,
  retention: Obj({
    /** Closed incidents (resolved, false_positive, dismissed, closed) untouched this long are deleted by the leader. */
    closed_incidents: Duration('365d', 'retention of closed incidents'),
    /**
     * Audit rows older than this are deleted by the leader, oldest first, keeping the chain verifiable
     * (docs/AUDIT.md). Independent of incidents: deleting an incident keeps its audit. 0 keeps audit forever.
     */
    audit: Duration('730d', 'retention of the audit log (0: forever)'),
  }),
  /** Identity and access (users, API keys, sessions, single sign-on). */
  auth: AuthConfigSchema,
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
