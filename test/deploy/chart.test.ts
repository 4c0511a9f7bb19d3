// The Helm chart, checked with the real helm (deploy/tools/helm.ts; CI gets it from
// scripts/get-helm.sh): `helm lint --strict` passes on the default, HA and edge-case value sets,
// and every object `helm template` prints for them and for the variants validates against the
// Kubernetes schemas (kubernetes-models, strict fields) or, for CRDs, the structural schemas in
// deploy/tools/k8s-validate.ts; the values the scaling guide shows exist, drive the output, and come
// out as the guide says. Without helm the suites skip on a laptop and fail in CI.
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmLint } from '../../deploy/tools/helm.ts';
import { validateObject } from '../../deploy/tools/k8s-validate.ts';
import {
  CHART,
  at,
  container,
  envOf,
  find,
  get,
  has,
  haveTool,
  nameOf,
  parseIni,
  podSpec,
  readYaml,
  render,
  renderHa,
  skipWithout,
  withoutChecksums,
} from './helpers.ts';
import { SEED_BLOCKS, SEED_VALUE_KEYS, seedYaml, type Obj } from './seed.ts';

const HAS_HELM = haveTool('helm');

/** The value sets CI lints and renders: defaults, the HA picture, every optional feature at once. */
const VALUE_SETS: Record<string, Parameters<typeof render>[0]> = {
  default: {},
  ha: { valuesFiles: ['values-ha.yaml'] },
  edge: { valuesFiles: ['ci/edge-values.yaml'] },
};

const VARIANTS: Record<string, Parameters<typeof render>[0]> = {
  ...VALUE_SETS,
  'ha + keda': {
    valuesFiles: ['values-ha.yaml'],
    values: [at('orchestrator.autoscaling.keda.enabled', true)],
  },
  'nginx ingress': { values: [{ ingress: { className: 'nginx' } }] },
  'external redis with sentinels': {
    values: [{ redis: { enabled: false, architecture: 'replication', sentinels: ['s1:26379', 's2:26379'] } }],
  },
  'external redis cluster': {
    values: [{ redis: { enabled: false, architecture: 'cluster', cluster_nodes: ['n1:6379'] } }],
  },
  'existing secrets, no persistence': {
    valuesFiles: ['values-ha.yaml'],
    values: [{ existingSecret: 'tw-env', pgbouncer: { auth: { existingSecret: 'pgb' } } }],
  },
  'everything optional off': {
    values: [
      {
        ingress: { enabled: false },
        migrations: { enabled: false },
        api: { autoscaling: { enabled: false }, podDisruptionBudget: { enabled: false } },
        orchestrator: { podDisruptionBudget: { enabled: false } },
        redis: { url: 'redis://r:6379', enabled: false },
        postgresql: { enabled: false },
        database: { primary_url: 'postgres://u:p@db:5432/tw' },
      },
    ],
  },
  'webhook secrets and extra config': {
    values: [
      {
        webhookSecrets: { 'splunk-hec': 'a-very-long-secret-value' },
        config: { triage: { auto_resolve_benign: false } },
      },
    ],
  },
};

describe.skipIf(!HAS_HELM)(`helm lint --strict${skipWithout('helm')}`, () => {
  it.each(Object.entries(VALUE_SETS))('%s values', (_name, options) => {
    expect(helmLint(CHART, options)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('fails on a value the schema refuses', () => {
    expect(() => helmLint(CHART, { values: [at('redis.architecture', 'sharded')] })).toThrow(
      /at '\/redis\/architecture'[^]*1 chart\(s\) failed/,
    );
  });
});

describe.skipIf(!HAS_HELM)(`chart renders valid Kubernetes objects${skipWithout('helm')}`, () => {
  for (const [name, options] of Object.entries(VARIANTS)) {
    it(`${name}: every object validates`, () => {
      const objects = render(options);
      expect(objects.length).toBeGreaterThan(5);
      const issues = objects.flatMap((o) => validateObject(o));
      expect(issues).toEqual([]);
      const names = objects.map((o) => `${String(o.kind)}/${nameOf(o)}`);
      expect(new Set(names).size).toBe(names.length);
    });
  }

  it('HA render has the objects of the guide', () => {
    const o = renderHa();
    for (const [kind, name] of [
      ['Deployment', 'triage-warden-api'],
      ['Deployment', 'triage-warden-orchestrator'],
      ['Service', 'triage-warden-api'],
      ['Service', 'triage-warden-orchestrator'],
      ['Ingress', 'triage-warden'],
      ['Middleware', 'triage-warden-rate-limit'],
      ['HorizontalPodAutoscaler', 'triage-warden-api'],
      ['HorizontalPodAutoscaler', 'triage-warden-orchestrator'],
      ['VerticalPodAutoscaler', 'triage-warden-api'],
      ['PodDisruptionBudget', 'triage-warden-api'],
      ['PodDisruptionBudget', 'triage-warden-orchestrator'],
      ['ServiceMonitor', 'triage-warden'],
      ['PrometheusRule', 'triage-warden'],
      ['ConfigMap', 'triage-warden-config'],
      ['Secret', 'triage-warden'],
      ['ConfigMap', 'triage-warden-pgbouncer-config'],
      ['Deployment', 'triage-warden-pgbouncer'],
      ['Job', 'triage-warden-migrate'],
      ['ConfigMap', 'triage-warden-prometheus-adapter'],
      ['StatefulSet', 'triage-warden-redis-master'],
      ['StatefulSet', 'triage-warden-redis-replicas'],
    ] as const) {
      expect(has(o, kind, name), `${kind}/${name}`).toBe(true);
    }
    expect(has(o, 'StatefulSet', 'triage-warden-postgresql')).toBe(false);
  });

  it('KEDA replaces the orchestrator HPA with a ScaledObject on incident_queue_depth', () => {
    const o = renderHa([at('orchestrator.autoscaling.keda.enabled', true)]);
    expect(has(o, 'HorizontalPodAutoscaler', 'triage-warden-orchestrator')).toBe(false);
    const so = find(o, 'ScaledObject', 'triage-warden-orchestrator');
    const trigger = (get(so, 'spec.triggers') as Obj[])[0]!;
    expect(get(trigger, 'metadata.query')).toContain('incident_queue_depth');
    expect(get(trigger, 'metadata.threshold')).toBe('100');
  });

  it('refuses a built-in Redis in cluster mode with a message', () => {
    expect(() => render({ values: [at('redis.architecture', 'cluster')] })).toThrow(/external Redis Cluster/);
  });

  it('the edge-case set turns every optional feature on', () => {
    const o = render(VALUE_SETS.edge);
    const api = find(o, 'Deployment', 'triage-warden-api');
    expect(has(o, 'HorizontalPodAutoscaler', 'triage-warden-api')).toBe(false);
    expect(get(api, 'spec.replicas')).toBe(4);
    expect(has(o, 'ScaledObject', 'triage-warden-orchestrator')).toBe(true);
    expect(has(o, 'HorizontalPodAutoscaler', 'triage-warden-orchestrator')).toBe(false);
    expect(get(find(o, 'VerticalPodAutoscaler', 'triage-warden-api'), 'spec.updatePolicy.updateMode')).toBe(
      'Auto',
    );
    for (const [kind, name] of [
      ['Deployment', 'triage-warden-pgbouncer'],
      ['PodDisruptionBudget', 'triage-warden-pgbouncer'],
      ['ServiceMonitor', 'triage-warden'],
      ['PrometheusRule', 'triage-warden'],
      ['ConfigMap', 'triage-warden-prometheus-adapter'],
    ] as const)
      expect(has(o, kind, name), `${kind}/${name}`).toBe(true);
    expect(o.some((x) => nameOf(x).includes('redis') || nameOf(x).includes('postgresql'))).toBe(false);
    expect(envOf(container(api, 'triage-warden'))).toMatchObject({
      TW_REDIS__ARCHITECTURE: 'replication',
      TW_REDIS__SENTINELS: [0, 1, 2].map((i) => `redis-sentinel-${i}.redis-sentinel:26379`).join(','),
      TW_REDIS__SENTINEL_MASTER_NAME: 'tw-master',
      TW_DATABASE__READ_REPLICA_ENABLED: 'true',
    });
    const ingress = find(o, 'Ingress', 'triage-warden');
    expect(get(ingress, 'spec.ingressClassName')).toBe('nginx');
    expect(get(ingress, 'spec.tls')).toEqual([
      { secretName: 'triage-warden-tls', hosts: ['triage.example.com', 'triage-api.example.com'] },
    ]);
    expect((get(ingress, 'spec.rules') as { host: string }[]).map((r) => r.host)).toEqual([
      'triage.example.com',
      'triage-api.example.com',
    ]);
  });
});

describe.skipIf(!HAS_HELM)(`values.schema.json, enforced by helm${skipWithout('helm')}`, () => {
  it.each([
    ['an unknown architecture', at('redis.architecture', 'sharded')],
    ['a typo in a key', at('api.autoscaling.maxReplica', 3)],
    ['replica reads without a replica URL', at('database.read_replica_enabled', true)],
    ['a non-postgres URL', at('database.primary_url', 'mysql://x')],
    ['a bad duration', at('orchestrator.leaderElection.leaseDuration', '15 seconds')],
    ['a pool mode PgBouncer does not know', at('pgbouncer.config.pool_mode', 'txn')],
    ['a CPU target above 100%', at('api.autoscaling.targetCPUUtilizationPercentage', 170)],
  ])('rejects %s', (_what, values) => {
    expect(() => render({ values: [values] })).toThrow(/don't meet the specifications of the schema/);
  });
});

describe('the guide values', () => {
  const values = readYaml('deploy/helm/triage-warden/values.yaml');

  it('values.yaml holds every key the guide shows, with the guide values', () => {
    for (const key of SEED_VALUE_KEYS) expect(get(values, key), key).not.toBeUndefined();
    expect(values.api).toMatchObject(seedYaml('helmApi').api as Obj);
    expect(values.orchestrator).toMatchObject(seedYaml('orchestrator').orchestrator as Obj);
    expect(values.database).toMatchObject(seedYaml('database').database as Obj);
    expect(values.resources).toEqual(seedYaml('resources').resources);
    expect(values.affinity).toEqual(seedYaml('affinity').affinity);
    expect(values.topologySpreadConstraints).toEqual(seedYaml('topology').topologySpreadConstraints);
    // The guide's redis block is an example of replication; the default is its "Standalone (default)".
    const redis = seedYaml('redis').redis as Obj;
    expect(get(values, 'redis.architecture')).toBe('standalone');
    expect(get(values, 'redis.master.resources.limits.memory')).toBe(
      get(redis, 'master.resources.limits.memory'),
    );
    expect(get(values, 'redis.replica.replicaCount')).toBe(get(redis, 'replica.replicaCount'));
    const ha = readYaml('deploy/helm/triage-warden/values-ha.yaml');
    expect(get(ha, 'redis.architecture')).toBe('replication');
    expect(get(ha, 'database.read_replica_enabled')).toBe(true);
  });

  // Per key: a new value, and values that put the key in play (e.g. HPA off for api.replicas).
  const CHANGES: [string, unknown, Obj[]][] = [
    ['api.replicas', 5, [at('api.autoscaling.enabled', false)]],
    ['api.autoscaling.enabled', false, []],
    ['api.autoscaling.minReplicas', 4, []],
    ['api.autoscaling.maxReplicas', 12, []],
    ['api.autoscaling.targetCPUUtilizationPercentage', 60, []],
    ['api.autoscaling.targetMemoryUtilizationPercentage', 75, []],
    ['orchestrator.replicas', 5, []],
    ['orchestrator.leaderElection.enabled', false, []],
    ['orchestrator.leaderElection.leaseDuration', '20s', []],
    ['orchestrator.leaderElection.renewDeadline', '12s', []],
    ['orchestrator.leaderElection.retryPeriod', '3s', []],
    ['database.max_connections', 20, []],
    ['database.min_connections', 3, []],
    ['database.connect_timeout', 45, []],
    ['database.primary_url', 'postgres://u:p@primary:5432/db', []],
    ['database.replica_url', 'postgres://u:p@replica:5432/db', []],
    ['database.read_replica_enabled', true, [at('database.replica_url', 'postgres://u:p@replica:5432/db')]],
    ['redis.architecture', 'replication', []],
    ['redis.master.resources.limits.memory', '3Gi', []],
    ['redis.replica.replicaCount', 3, [at('redis.architecture', 'replication')]],
    ['resources.requests.cpu', '750m', []],
    ['resources.requests.memory', '768Mi', []],
    ['resources.limits.cpu', '3000m', []],
    ['resources.limits.memory', '3Gi', []],
    ...(
      [
        'databases.triage_warden',
        'config.listen_port',
        'config.listen_addr',
        'config.auth_type',
        'config.pool_mode',
        'config.max_client_conn',
        'config.default_pool_size',
      ] as const
    ).map((k): [string, unknown, Obj[]] => [
      `pgbouncer.${k}`,
      {
        'databases.triage_warden': 'host=other port=5432 dbname=tw',
        'config.listen_port': 6433,
        'config.listen_addr': '127.0.0.1',
        'config.auth_type': 'scram-sha-256',
        'config.pool_mode': 'session',
        'config.max_client_conn': 500,
        'config.default_pool_size': 40,
      }[k],
      [{ pgbouncer: { enabled: true, auth: { password: 'p' } } }],
    ]),
  ];

  it('covers every guide key', () => {
    expect(CHANGES.map(([k]) => k).sort()).toEqual([...SEED_VALUE_KEYS].sort());
  });

  describe.skipIf(!HAS_HELM)(`rendered${skipWithout('helm')}`, () => {
    it.each(CHANGES)('changing %s changes the rendered manifests', (key, value, context) => {
      const before = withoutChecksums(render({ values: context }));
      const after = withoutChecksums(render({ values: [...context, at(key, value)] }));
      expect(isDeepStrictEqual(before, after)).toBe(false);
    });
  });
});

describe.skipIf(!HAS_HELM)(`workloads${skipWithout('helm')}`, () => {
  let objects: Obj[] = [];
  let api: Obj = {};
  let orch: Obj = {};
  beforeAll(() => {
    objects = renderHa();
    api = find(objects, 'Deployment', 'triage-warden-api');
    orch = find(objects, 'Deployment', 'triage-warden-orchestrator');
  });

  it('api and orchestrator run one image with the role as the command', () => {
    expect(container(api, 'triage-warden').args).toEqual(['api']);
    expect(container(orch, 'triage-warden').args).toEqual(['orchestrator']);
    expect(container(find(objects, 'Job', 'triage-warden-migrate'), 'migrate').args).toEqual(['migrate']);
    expect(container(api, 'triage-warden').image).toBe(container(orch, 'triage-warden').image);
  });

  it('probes use /live and /ready, and the grace period outlasts preStop + drain', () => {
    for (const d of [api, orch]) {
      const c = container(d, 'triage-warden');
      expect(get(c, 'livenessProbe.httpGet.path')).toBe('/live');
      expect(get(c, 'readinessProbe.httpGet.path')).toBe('/ready');
      expect(get(c, 'startupProbe.httpGet.path')).toBe('/live');
      expect(get(c, 'readinessProbe.periodSeconds')).toBe(5);
      expect(get(c, 'readinessProbe.timeoutSeconds')).toBe(3);
      const preStop = Number(((get(c, 'lifecycle.preStop.exec.command') as string[]) ?? [])[1]);
      const drain = Number(/^(\d+)s$/.exec(envOf(c).TW_SERVER__SHUTDOWN_GRACE!)![1]);
      expect(podSpec(d).terminationGracePeriodSeconds as number).toBeGreaterThan(preStop + drain);
    }
  });

  it('pods spread exactly as the guide says and carry its resources', () => {
    for (const d of [api, orch]) {
      expect(podSpec(d).affinity).toEqual(seedYaml('affinity').affinity);
      expect(podSpec(d).topologySpreadConstraints).toEqual(seedYaml('topology').topologySpreadConstraints);
      expect(container(d, 'triage-warden').resources).toEqual(seedYaml('resources').resources);
    }
  });

  it('runs non-root on a read-only root filesystem with writable /tmp', () => {
    for (const d of [api, orch]) {
      const c = container(d, 'triage-warden');
      expect(get(podSpec(d), 'securityContext.runAsNonRoot')).toBe(true);
      expect(get(c, 'securityContext.readOnlyRootFilesystem')).toBe(true);
      expect((c.volumeMounts as Obj[]).map((m) => m.mountPath)).toContain('/tmp');
    }
  });

  it('wires the app settings from values into env', () => {
    const env = envOf(container(orch, 'triage-warden'));
    expect(env).toMatchObject({
      TW_DATABASE__MAX_CONNECTIONS: '15',
      TW_DATABASE__MIN_CONNECTIONS: '2',
      TW_DATABASE__CONNECT_TIMEOUT: '30',
      TW_DATABASE__READ_REPLICA_ENABLED: 'true',
      TW_ORCHESTRATOR__LEADERELECTION__ENABLED: 'true',
      TW_ORCHESTRATOR__LEADERELECTION__LEASEDURATION: '15s',
      TW_ORCHESTRATOR__LEADERELECTION__RENEWDEADLINE: '10s',
      TW_ORCHESTRATOR__LEADERELECTION__RETRYPERIOD: '2s',
      TW_ORCHESTRATOR__CONCURRENCY__INCIDENTS: '10',
      TW_ORCHESTRATOR__CONCURRENCY__LLM: '5',
      TW_ORCHESTRATOR__CONCURRENCY__ENRICHMENT: '20',
      TW_PORT: '8080',
    });
    const secret = find(objects, 'Secret', 'triage-warden').stringData as Obj;
    expect(secret.TW_DATABASE_URL).toContain('triage-warden-pgbouncer:6432');
    expect(secret.TW_DATABASE_DIRECT_URL).toContain('postgres-primary:5432');
    expect(secret.TW_DATABASE_REPLICA_URL).toContain('postgres-replica:5432');
    expect(secret.TW_REDIS_URL).toBe('redis://triage-warden-redis-master:6379');
    const sentinel = envOf(
      container(
        find(render(VARIANTS['external redis with sentinels']), 'Deployment', 'triage-warden-api'),
        'triage-warden',
      ),
    );
    expect(sentinel).toMatchObject({
      TW_REDIS__ARCHITECTURE: 'replication',
      TW_REDIS__SENTINELS: 's1:26379,s2:26379',
    });
  });

  it('the migration Job is a Helm hook that reads a Secret rendered for hook time', () => {
    const job = find(objects, 'Job', 'triage-warden-migrate');
    expect(get(job, 'metadata.annotations')).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    const secretName = get((container(job, 'migrate').envFrom as Obj[])[0], 'secretRef.name');
    const secret = find(objects, 'Secret', String(secretName));
    expect(get(secret, 'metadata.annotations')).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    const annotations = get(secret, 'metadata.annotations') as Record<string, string>;
    expect(Number(annotations['helm.sh/hook-weight'])).toBeLessThan(0);
    // With the built-in PostgreSQL the database exists only after install.
    const dev = find(render(), 'Job', 'triage-warden-migrate');
    expect(get(dev, 'metadata.annotations')).toMatchObject({ 'helm.sh/hook': 'post-install,pre-upgrade' });
  });
});

describe.skipIf(!HAS_HELM)(`autoscaling, disruption budgets, traffic${skipWithout('helm')}`, () => {
  let objects: Obj[] = [];
  beforeAll(() => {
    objects = renderHa();
  });

  it('API HPA equals the guide (with the HA minimum of 3)', () => {
    const hpa = find(render(), 'HorizontalPodAutoscaler', 'triage-warden-api');
    expect(hpa.spec).toEqual(seedYaml('hpa').spec);
    expect(get(find(objects, 'HorizontalPodAutoscaler', 'triage-warden-api'), 'spec.minReplicas')).toBe(3);
  });

  it('orchestrator HPA scales on the external incident_queue_depth metric', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'triage-warden-orchestrator');
    expect((get(hpa, 'spec.metrics') as Obj[])[0]).toEqual({
      type: 'External',
      external: {
        metric: { name: 'incident_queue_depth' },
        target: { type: 'AverageValue', averageValue: '100' },
      },
    });
    expect(get(find(objects, 'Deployment', 'triage-warden-orchestrator'), 'spec.replicas')).toBeUndefined();
  });

  it('VPA and PDB carry the guide values', () => {
    const vpa = find(
      render({ values: [at('api.vpa.enabled', true)] }),
      'VerticalPodAutoscaler',
      'triage-warden-api',
    );
    expect(vpa.spec).toEqual(seedYaml('vpa').spec);
    const pdb = find(objects, 'PodDisruptionBudget', 'triage-warden-api');
    expect(get(pdb, 'spec.minAvailable')).toBe(2);
    expect(get(pdb, 'spec.selector.matchLabels')).toMatchObject(
      get(seedYaml('pdb'), 'spec.selector.matchLabels') as Obj,
    );
    expect(
      get(find(objects, 'PodDisruptionBudget', 'triage-warden-orchestrator'), 'spec.maxUnavailable'),
    ).toBe(1);
  });

  it('sticky sessions and the rate limit follow the guide (Traefik and nginx)', () => {
    const svc = find(objects, 'Service', 'triage-warden-api');
    expect(get(svc, 'metadata.annotations')).toMatchObject({
      'traefik.ingress.kubernetes.io/service.sticky.cookie': 'true',
      'traefik.ingress.kubernetes.io/service.sticky.cookie.name': 'tw_server',
      'traefik.ingress.kubernetes.io/service.sticky.cookie.httponly': 'true',
    });
    expect(get(find(objects, 'Middleware', 'triage-warden-rate-limit'), 'spec')).toEqual(
      get(seedYaml('traefikRateLimit'), 'http.middlewares.rate-limit'),
    );
    expect(get(find(objects, 'Ingress', 'triage-warden'), 'metadata.annotations')).toMatchObject({
      'traefik.ingress.kubernetes.io/router.middlewares':
        'triage-warden-triage-warden-rate-limit@kubernetescrd',
    });
    const nginx = find(render(VARIANTS['nginx ingress']), 'Ingress', 'triage-warden');
    expect(get(nginx, 'metadata.annotations')).toMatchObject({
      'nginx.ingress.kubernetes.io/affinity': 'cookie',
      'nginx.ingress.kubernetes.io/session-cookie-name': 'tw_server',
      'nginx.ingress.kubernetes.io/limit-rps': '100',
    });
  });

  it('the ingress ends TLS for every host it routes', () => {
    const ingress = find(objects, 'Ingress', 'triage-warden');
    const hosts = (get(ingress, 'spec.rules') as { host: string }[]).map((r) => r.host);
    expect(hosts.length).toBeGreaterThan(0);
    expect(get(ingress, 'spec.tls')).toEqual([{ secretName: 'triage-warden-tls', hosts }]);
  });

  it('ServiceMonitor scrapes /metrics of the api and orchestrator services', () => {
    const sm = find(objects, 'ServiceMonitor', 'triage-warden');
    expect(get(sm, 'spec.endpoints')).toEqual([
      { port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' },
    ]);
    const selected = objects.filter(
      (o) =>
        o.kind === 'Service' && selects(sm, (get(o, 'metadata') as Obj).labels as Record<string, string>),
    );
    expect(selected.map(nameOf).sort()).toEqual(['triage-warden-api', 'triage-warden-orchestrator']);
  });
});

describe.skipIf(!HAS_HELM)(`PgBouncer${skipWithout('helm')}`, () => {
  it('renders the guide pgbouncer.ini from default values (transaction mode)', () => {
    const o = render({ values: [{ pgbouncer: { enabled: true, auth: { password: 'p' } } }] });
    const ini = parseIni(
      String((find(o, 'ConfigMap', 'triage-warden-pgbouncer-config').data as Obj)['pgbouncer.ini']),
    );
    const seed = parseIni(SEED_BLOCKS.pgbouncerIni);
    expect(ini.databases).toEqual(seed.databases);
    expect(ini.pgbouncer).toMatchObject(seed.pgbouncer!);
    expect(ini.pgbouncer!.auth_file).toBe('/etc/pgbouncer/userlist.txt');
    const d = find(o, 'Deployment', 'triage-warden-pgbouncer');
    expect(get(container(d, 'pgbouncer'), 'ports')).toEqual([{ name: 'pgbouncer', containerPort: 6432 }]);
    expect((find(o, 'Secret', 'triage-warden-pgbouncer').stringData as Obj)['userlist.txt']).toBe(
      '"triage_warden" "p"\n',
    );
  });
});

describe.skipIf(!HAS_HELM)(`prometheus-adapter${skipWithout('helm')}`, () => {
  it('the ConfigMap rules equal the adapter chart values', () => {
    const cm = find(renderHa(), 'ConfigMap', 'triage-warden-prometheus-adapter');
    const config = parse(String((cm.data as Obj)['config.yaml'])) as Obj;
    const values = readYaml('deploy/helm/prometheus-adapter-values.yaml');
    expect(config.rules).toEqual(get(values, 'rules.custom'));
    expect(config.externalRules).toEqual(get(values, 'rules.external'));
    expect((config.rules as Obj[]).map((r) => get(r, 'name.as'))).toEqual(['http_requests_per_second']);
    expect((config.externalRules as Obj[]).map((r) => get(r, 'name.as'))).toEqual(['incident_queue_depth']);
  });
});

/** Whether a ServiceMonitor's selector (matchLabels + In expressions) selects these labels. */
function selects(sm: Obj, labels: Record<string, string>): boolean {
  const selector = get(sm, 'spec.selector') as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values: string[] }[];
  };
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpr = (selector.matchExpressions ?? []).every(
    (e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? ''),
  );
  return byLabel && byExpr;
}
