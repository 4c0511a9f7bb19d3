/**
 * The values the scaling guide (seed/scaling.md) states, copied here so the deploy tests run on any
 * machine; seed.test.ts checks them against the guide itself when the guide is beside the repo.
 */
import { parse } from 'yaml';

/** YAML blocks of the guide, verbatim. */
export const SEED_BLOCKS = {
  helmApi: `api:
  replicas: 3
  autoscaling:
    enabled: true
    minReplicas: 2
    maxReplicas: 10
    targetCPUUtilizationPercentage: 70
    targetMemoryUtilizationPercentage: 80`,
  orchestrator: `orchestrator:
  replicas: 3
  leaderElection:
    enabled: true
    leaseDuration: 15s
    renewDeadline: 10s
    retryPeriod: 2s`,
  database: `database:
  max_connections: 15  # Per instance
  min_connections: 2
  connect_timeout: 30`,
  replicas: `database:
  primary_url: "postgres://user:pass@primary:5432/db"
  replica_url: "postgres://user:pass@replica:5432/db"
  read_replica_enabled: true`,
  redis: `redis:
  architecture: replication  # standalone, replication, cluster
  master:
    resources:
      limits:
        memory: 2Gi
  replica:
    replicaCount: 2`,
  resources: `resources:
  requests:
    cpu: 500m
    memory: 512Mi
  limits:
    cpu: 2000m
    memory: 2Gi`,
  affinity: `affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: triage-warden
          topologyKey: kubernetes.io/hostname`,
  topology: `topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        app.kubernetes.io/name: triage-warden`,
  hpa: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: triage-warden-api
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: triage-warden-api
  minReplicas: 2
  maxReplicas: 10
  metrics:
    # CPU-based scaling
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
    # Memory-based scaling
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: 80
    # Custom metric scaling (requires Prometheus adapter)
    - type: Pods
      pods:
        metric:
          name: http_requests_per_second
        target:
          type: AverageValue
          averageValue: "100"
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300  # 5 min cooldown
      policies:
        - type: Percent
          value: 10
          periodSeconds: 60
    scaleUp:
      stabilizationWindowSeconds: 0
      policies:
        - type: Percent
          value: 100
          periodSeconds: 15`,
  vpa: `apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata:
  name: triage-warden-api
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: triage-warden-api
  updatePolicy:
    updateMode: "Auto"  # or "Off" for recommendations only
  resourcePolicy:
    containerPolicies:
      - containerName: triage-warden
        minAllowed:
          cpu: 250m
          memory: 256Mi
        maxAllowed:
          cpu: 4
          memory: 4Gi`,
  pdb: `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: triage-warden-api
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: triage-warden
      app.kubernetes.io/component: api`,
  pgbouncerIni: `[databases]
triage_warden = host=postgres port=5432 dbname=triage_warden

[pgbouncer]
listen_port = 6432
listen_addr = 0.0.0.0
auth_type = md5
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 50`,
  traefikLabels: `- "traefik.http.services.api.loadbalancer.healthcheck.path=/ready"
- "traefik.http.services.api.loadbalancer.healthcheck.interval=5s"
- "traefik.http.services.api.loadbalancer.healthcheck.timeout=3s"`,
  traefikSticky: `- "traefik.http.services.api.loadbalancer.sticky.cookie.name=tw_server"
- "traefik.http.services.api.loadbalancer.sticky.cookie.httpOnly=true"`,
  traefikRateLimit: `http:
  middlewares:
    rate-limit:
      rateLimit:
        average: 100
        burst: 50
        period: 1s`,
} as const;

export type Obj = Record<string, unknown>;
export const seedYaml = (block: keyof typeof SEED_BLOCKS): Obj => parse(SEED_BLOCKS[block]) as Obj;

/** "Metrics to Monitor": metric → [warning, critical] as numbers the alerts compare with. */
export const SEED_THRESHOLDS = {
  http_request_duration_seconds: { warning: 0.5, critical: 1, table: ['> 500ms', '> 1s'] },
  cpu_usage_percent: { warning: 70, critical: 85, table: ['> 70%', '> 85%'] },
  memory_usage_percent: { warning: 80, critical: 90, table: ['> 80%', '> 90%'] },
  incident_queue_depth: { warning: 100, critical: 500, table: ['> 100', '> 500'] },
  db_connection_pool_waiting: { warning: 0, critical: 5, table: ['> 0', '> 5'] },
  /** Fractions of Redis maxclients. */
  redis_connected_clients: { warning: 0.8, critical: 0.95, table: ['> 80% max', '> 95% max'] },
} as const;

/** Every values key the guide shows (dotted paths into values.yaml). */
export const SEED_VALUE_KEYS = [
  'api.replicas',
  'api.autoscaling.enabled',
  'api.autoscaling.minReplicas',
  'api.autoscaling.maxReplicas',
  'api.autoscaling.targetCPUUtilizationPercentage',
  'api.autoscaling.targetMemoryUtilizationPercentage',
  'orchestrator.replicas',
  'orchestrator.leaderElection.enabled',
  'orchestrator.leaderElection.leaseDuration',
  'orchestrator.leaderElection.renewDeadline',
  'orchestrator.leaderElection.retryPeriod',
  'database.max_connections',
  'database.min_connections',
  'database.connect_timeout',
  'database.primary_url',
  'database.replica_url',
  'database.read_replica_enabled',
  'redis.architecture',
  'redis.master.resources.limits.memory',
  'redis.replica.replicaCount',
  'resources.requests.cpu',
  'resources.requests.memory',
  'resources.limits.cpu',
  'resources.limits.memory',
  'pgbouncer.databases.triage_warden',
  'pgbouncer.config.listen_port',
  'pgbouncer.config.listen_addr',
  'pgbouncer.config.auth_type',
  'pgbouncer.config.pool_mode',
  'pgbouncer.config.max_client_conn',
  'pgbouncer.config.default_pool_size',
] as const;
