// Compose files (no Docker engine here, so structural checks): both files parse, have the guide's
// services, Traefik labels, replica counts and start order; the support files they mount exist and
// carry the guide's values; Prometheus scrapes every role; Grafana gets the datasource and dashboard;
// the alert rules are the chart's (rendered by helm: skipped without it on a laptop, fails in CI).
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_ALERTS, generateComposeAlerts } from '../../deploy/tools/generate.ts';
import { DEPLOY, haveTool, parseIni, readText, readYaml, skipWithout } from './helpers.ts';
import { SEED_BLOCKS, seedYaml, type Obj } from './seed.ts';
import { parse } from 'yaml';

type Service = Obj & {
  command?: string[];
  environment?: Record<string, string>;
  labels?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  image?: string;
  build?: Obj;
};
const COMPOSE = join(DEPLOY, 'compose');
// Compose resolves YAML merge keys (`<<: *anchor`), which YAML 1.2 parsers do only when asked.
const load = (f: string) =>
  parse(readText(`deploy/compose/${f}`), { merge: true }) as {
    name: string;
    services: Record<string, Service>;
    volumes?: Obj;
  };

function checkMounts(services: Record<string, Service>) {
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const src = v.split(':')[0]!;
      if (src.startsWith('.')) expect(existsSync(resolve(COMPOSE, src)), `${name}: ${src}`).toBe(true);
    }
    if (s.build)
      expect(
        existsSync(resolve(COMPOSE, String(s.build.context), String(s.build.dockerfile))),
        `${name} build`,
      ).toBe(true);
  }
}

describe('docker-compose.yml (single node)', () => {
  const c = load('docker-compose.yml');

  it('runs one `start` process with PostgreSQL 15 and Redis 7', () => {
    expect(Object.keys(c.services).sort()).toEqual(['migrate', 'postgres', 'redis', 'triage-warden']);
    expect(c.services['triage-warden']!.command).toEqual(['start']);
    expect(c.services.migrate!.command).toEqual(['migrate']);
    expect(c.services.postgres!.image).toMatch(/^postgres:15/);
    expect(c.services.redis!.image).toMatch(/^redis:7/);
    expect(c.services.redis!.command).toContain('noeviction');
    const env = c.services['triage-warden']!.environment!;
    expect(env.TW_DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(env.TW_REDIS_URL).toBe('redis://redis:6379');
  });

  it('starts after migrations and healthy stores, read-only with /tmp writable', () => {
    const app = c.services['triage-warden']!;
    expect(app.depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(app.read_only).toBe(true);
    expect(app.tmpfs).toContain('/tmp');
    expect(app.volumes).toContain('tw-data:/var/lib/triage-warden');
    checkMounts(c.services);
  });
});

describe('docker-compose.ha.yml (the guide picture)', () => {
  const c = load('docker-compose.ha.yml');
  const s = c.services;

  it('has Traefik v3, 3 API servers, 3 orchestrators, migrate, Redis, primary + replica, PgBouncer, Prometheus, Grafana', () => {
    expect(Object.keys(s).sort()).toEqual([
      'api',
      'grafana',
      'migrate',
      'orchestrator',
      'pgbouncer',
      'postgres-primary',
      'postgres-replica',
      'prometheus',
      'redis',
      'traefik',
    ]);
    expect(s.traefik!.image).toMatch(/^traefik:v3/);
    expect(s.api!.deploy!.replicas).toBe(3);
    expect(s.orchestrator!.deploy!.replicas).toBe(3);
    expect(s.api!.command).toEqual(['api']);
    expect(s.orchestrator!.command).toEqual(['orchestrator']);
    expect(s.migrate!.command).toEqual(['migrate']);
    expect(s.api!.image).toBe(s.orchestrator!.image);
    expect(s.api!.image).toBe(s.migrate!.image);
    checkMounts(s);
  });

  it('API labels carry the guide health check, sticky cookie and rate-limit middleware', () => {
    const labels = s.api!.labels!;
    for (const block of ['traefikLabels', 'traefikSticky'] as const) {
      for (const l of parse(SEED_BLOCKS[block]) as string[]) expect(labels).toContain(l);
    }
    expect(labels).toContain('traefik.http.routers.api.middlewares=rate-limit@file');
    expect(readYaml('deploy/compose/traefik/dynamic.yml')).toEqual(seedYaml('traefikRateLimit'));
    expect(s.traefik!.command).toContain('--providers.file.filename=/etc/traefik/dynamic.yml');
    expect(s.traefik!.volumes).toContain('./traefik/dynamic.yml:/etc/traefik/dynamic.yml:ro');
  });

  it('wires the app to PgBouncer, the primary (migrations) and the replica', () => {
    const env = s.api!.environment!;
    expect(env.TW_DATABASE_URL).toContain('@pgbouncer:6432/');
    expect(env.TW_DATABASE_DIRECT_URL).toContain('@postgres-primary:5432/');
    expect(env.TW_DATABASE_REPLICA_URL).toContain('@postgres-replica:5432/');
    expect(env.TW_DATABASE__READ_REPLICA_ENABLED).toBe('true');
    expect(env).toMatchObject({
      TW_ORCHESTRATOR__LEADERELECTION__LEASEDURATION: '15s',
      TW_ORCHESTRATOR__LEADERELECTION__RENEWDEADLINE: '10s',
      TW_ORCHESTRATOR__LEADERELECTION__RETRYPERIOD: '2s',
      TW_DATABASE__MAX_CONNECTIONS: '15',
    });
    expect(s.orchestrator!.environment).toEqual(env);
    expect(s.api!.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    expect(s.migrate!.depends_on).toMatchObject({ 'postgres-primary': { condition: 'service_healthy' } });
  });

  it('streams the replica from the primary (pg_basebackup -R) and allows replication', () => {
    expect(s['postgres-primary']!.command).toEqual(
      expect.arrayContaining(['wal_level=replica', 'hot_standby=on']),
    );
    expect(s['postgres-primary']!.volumes).toContain(
      './postgres/primary-init.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro',
    );
    const init = readText('deploy/compose/postgres/primary-init.sh');
    expect(init).toMatch(/WITH REPLICATION LOGIN/);
    expect(init).toMatch(/host replication/);
    const replica = readText('deploy/compose/postgres/replica-entrypoint.sh');
    expect(replica).toMatch(/pg_basebackup[\s\S]*-R -X stream/);
    expect(s['postgres-replica']!.environment).toMatchObject({ TW_PRIMARY_HOST: 'postgres-primary' });
    for (const f of ['primary-init.sh', 'replica-entrypoint.sh'])
      expect(statSync(join(COMPOSE, 'postgres', f)).mode & 0o111).not.toBe(0);
  });

  it('PgBouncer runs the guide ini (transaction mode) against the primary', () => {
    const ini = parseIni(readText('deploy/compose/pgbouncer/pgbouncer.ini'));
    const seed = parseIni(SEED_BLOCKS.pgbouncerIni);
    expect(ini.pgbouncer).toMatchObject(seed.pgbouncer!);
    expect(ini.databases!.triage_warden).toBe(
      seed.databases!.triage_warden!.replace('host=postgres ', 'host=postgres-primary '),
    );
  });

  it('Prometheus scrapes every role and loads the alerts; Grafana is provisioned', () => {
    const prom = readYaml<{
      scrape_configs: {
        job_name: string;
        metrics_path: string;
        dns_sd_configs: { names: string[]; port: number }[];
      }[];
      rule_files: string[];
    }>('deploy/compose/prometheus/prometheus.yml');
    const jobs = Object.fromEntries(prom.scrape_configs.map((j) => [j.job_name, j]));
    for (const role of ['api', 'orchestrator']) {
      expect(jobs[role]!.metrics_path).toBe('/metrics');
      expect(jobs[role]!.dns_sd_configs[0]).toMatchObject({ names: [role], port: 8080 });
    }
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(s.prometheus!.volumes).toContain('./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    expect(COMPOSE_ALERTS).toBe(join(COMPOSE, 'prometheus/alerts.yml'));
    const ds = readYaml<{ datasources: Obj[] }>(
      'deploy/compose/grafana/provisioning/datasources/prometheus.yml',
    );
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const dash = readYaml<{ providers: { options: { path: string } }[] }>(
      'deploy/compose/grafana/provisioning/dashboards/triage-warden.yml',
    );
    const mount = s.grafana!.volumes!.find((v) => v.startsWith('../grafana:'))!;
    expect(mount.split(':')[1]).toBe(dash.providers[0]!.options.path);
  });

  it.skipIf(!haveTool('helm'))(
    `alerts.yml is the chart's PrometheusRule with compose labels (deploy/tools/generate.ts)${skipWithout('helm')}`,
    () => {
      expect(readYaml('deploy/compose/prometheus/alerts.yml')).toEqual(parse(generateComposeAlerts()));
    },
  );
});
