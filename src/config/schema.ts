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

export const ConfigSchema = Obj({
  server: Obj({
    host: Type.String({ default: '0.0.0.0', description: 'listen address' }),
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
    /** Identifies this instance in logs, metrics and leader election (default: hostname-pid). */
    instance_id: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'this instance in logs, metrics, audit and leader election (default hostname-pid)',
      }),
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
      'client-side limit per query (not a startup parameter, which PgBouncer would refuse)',
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
    dedup_window: Duration('1h', 'repeated alerts within this window fold into one incident'),
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
});

export type RawConfig = Static<typeof ConfigSchema>;
