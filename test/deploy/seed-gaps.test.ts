// Issue 14 part 2, the guide's last operational gaps, checked in what the real helm renders and in
// the compose files: orchestrator HPA behavior from values (HPA and KEDA), Redis --maxmemory below
// the container limit with noeviction, ingress-nginx honouring rateLimit's burst and period (or
// refusing a period it cannot express), the PgBouncer ConfigMap named as the guide names it, and
// alerts for the per-process WebSocket cap and the mean time to triage — loaded by promtool and
// firing above their thresholds, not at them. In CI a missing helm or promtool fails.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  at,
  container,
  find,
  get,
  haveTool,
  podSpec,
  readYaml,
  render,
  renderHa,
  skipWithout,
  tool,
} from './helpers.ts';
import type { Obj } from './seed.ts';

const HAS_HELM = haveTool('helm');
const values = readYaml('deploy/helm/triage-warden/values.yaml');
const thresholds = get(values, 'metrics.prometheusRule.thresholds') as Record<
  string,
  { warning: number; critical: number }
>;

/** Bytes of a Kubernetes quantity (2Gi) or a Redis size (1536mb). */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|kb|mb|gb|g|m|k)?$/i.exec(q);
  if (!m) throw new Error(`not a size: ${q}`);
  const unit = (m[2] ?? '').toLowerCase().replace(/i$/, '').replace(/b$/, '');
  return Number(m[1]) * 1024 ** ['', 'k', 'm', 'g'].indexOf(unit);
}
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe.skipIf(!HAS_HELM)(`chart: the guide's last gaps${skipWithout('helm')}`, () => {
  it('orchestrator HPA behavior comes from values, overridable, and reaches a KEDA ScaledObject too', () => {
    const on = at('orchestrator.autoscaling.enabled', true);
    const hpa = find(render({ values: [on] }), 'HorizontalPodAutoscaler', 'triage-warden-orchestrator');
    expect(get(hpa, 'spec.behavior')).toEqual(get(values, 'orchestrator.autoscaling.behavior'));
    const slower = render({
      values: [on, at('orchestrator.autoscaling.behavior.scaleDown.stabilizationWindowSeconds', 600)],
    });
    expect(
      get(
        find(slower, 'HorizontalPodAutoscaler', 'triage-warden-orchestrator'),
        'spec.behavior.scaleDown.stabilizationWindowSeconds',
      ),
    ).toBe(600);
    const keda = find(
      render({ values: [on, at('orchestrator.autoscaling.keda.enabled', true)] }),
      'ScaledObject',
      'triage-warden-orchestrator',
    );
    expect(get(keda, 'spec.advanced.horizontalPodAutoscalerConfig.behavior')).toEqual(
      get(values, 'orchestrator.autoscaling.behavior'),
    );
  });

  it('the built-in Redis caps its memory below the container limit, with noeviction (master and replicas)', () => {
    const objects = render({ values: [at('redis.architecture', 'replication')] });
    for (const name of ['triage-warden-redis-master', 'triage-warden-redis-replicas']) {
      const redis = container(find(objects, 'StatefulSet', name), 'redis');
      const args = redis.args as string[];
      expect(argAfter(args, '--maxmemory-policy')).toBe('noeviction');
      const max = bytes(argAfter(args, '--maxmemory')!);
      const limit = bytes(String(get(redis, 'resources.limits.memory')));
      expect(max).toBe(bytes(String(get(values, 'redis.maxMemory'))));
      expect(max).toBeLessThan(limit);
      expect(max).toBeGreaterThan(limit / 2);
    }
  });

  it("ingress-nginx honours rateLimit's burst and period, and refuses a period it cannot express", () => {
    const nginx = (rateLimit: Obj) =>
      get(
        find(
          render({ values: [{ ingress: { className: 'nginx', rateLimit } }] }),
          'Ingress',
          'triage-warden',
        ),
        'metadata.annotations',
      ) as Record<string, string>;
    // The guide's values: burst 50 < rate 100, the smallest multiplier nginx has is 1.
    expect(nginx({})).toMatchObject({
      'nginx.ingress.kubernetes.io/limit-rps': '100',
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': '1',
    });
    const perMinute = nginx({ average: 100, burst: 450, period: '1m' });
    expect(perMinute).toMatchObject({
      'nginx.ingress.kubernetes.io/limit-rpm': '100',
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': '5',
    });
    expect(perMinute['nginx.ingress.kubernetes.io/limit-rps']).toBeUndefined();
    expect(() => nginx({ period: '10s' })).toThrow(/per second \(1s\) or per minute \(1m\) only/);
  });

  it('the PgBouncer ConfigMap is named as the guide names it and mounted by PgBouncer', () => {
    const objects = renderHa();
    const cm = find(objects, 'ConfigMap', 'triage-warden-pgbouncer-config');
    expect(Object.keys(cm.data as Obj)).toEqual(['pgbouncer.ini']);
    const volumes = podSpec(find(objects, 'Deployment', 'triage-warden-pgbouncer')).volumes as Obj[];
    expect(volumes.find((v) => v.name === 'config')).toEqual({
      name: 'config',
      configMap: { name: 'triage-warden-pgbouncer-config' },
    });
  });

  it('the capacity alerts use the WebSocket cap of the config and the thresholds of values', () => {
    const rules = (
      (find(renderHa(), 'PrometheusRule', 'triage-warden').spec as Obj).groups as {
        name: string;
        rules: { alert: string; expr: string; labels: { severity: string } }[];
      }[]
    ).find((g) => g.name === 'triage-warden.capacity')!.rules;
    const ws = rules.filter((r) => r.alert === 'TriageWardenWebSocketConnectionsHigh');
    expect(ws.map((r) => [r.labels.severity, r.expr.split(' > ')[1]]).sort()).toEqual([
      ['critical', `${thresholds.websocketConnectionsRatio!.critical} * 1000`],
      ['warning', `${thresholds.websocketConnectionsRatio!.warning} * 1000`],
    ]);
    const capped = render({
      values: [
        at('metrics.prometheusRule.enabled', true),
        at('config.server.max_websocket_connections', 200),
      ],
    });
    const exprs = JSON.stringify(find(capped, 'PrometheusRule', 'triage-warden'));
    expect(exprs).toContain(`> ${thresholds.websocketConnectionsRatio!.warning} * 200`);
    const mttt = rules.filter((r) => r.alert === 'TriageWardenMeanTimeToTriageHigh');
    expect(mttt.map((r) => [r.labels.severity, Number(r.expr.split(' > ')[1])]).sort()).toEqual([
      ['critical', thresholds.meanTimeToTriageSeconds!.critical],
      ['warning', thresholds.meanTimeToTriageSeconds!.warning],
    ]);
  });
});

describe('compose: Redis memory', () => {
  for (const file of ['docker-compose.yml', 'docker-compose.ha.yml']) {
    it(`${file}: --maxmemory below mem_limit, noeviction`, () => {
      const redis = get(readYaml(`deploy/compose/${file}`), 'services.redis') as Obj;
      const command = redis.command as string[];
      expect(argAfter(command, '--maxmemory-policy')).toBe('noeviction');
      const max = bytes(argAfter(command, '--maxmemory')!);
      expect(max).toBe(bytes(String(get(values, 'redis.maxMemory'))));
      expect(max).toBeLessThan(bytes(String(redis.mem_limit)));
    });
  }
});

const promtool = tool('promtool', 'TW_PROMTOOL');
describe.skipIf(!promtool)('capacity alerts fire above their thresholds (promtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-capacity-alerts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('TriageWardenWebSocketConnectionsHigh and TriageWardenMeanTimeToTriageHigh', () => {
    const groups = readYaml<{ groups: { name: string; rules: Obj[] }[] }>(
      'deploy/compose/prometheus/alerts.yml',
    )
      .groups.filter((g) => g.name === 'triage-warden.capacity')
      .map((g) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }) => r) }));
    writeFileSync(join(dir, 'alerts.yml'), stringify({ groups }));
    const tests: Obj[] = [];
    const cases = (
      series: string,
      alert: string,
      t: { warning: number; critical: number },
      scale: number,
      exp: Record<string, string>,
    ) => {
      for (const [value, severities] of [
        [t.warning * scale, []],
        [((t.warning + t.critical) / 2) * scale, ['warning']],
        [t.critical * scale, ['warning']],
        [t.critical * scale + 1, ['warning', 'critical']],
      ] as [number, string[]][])
        tests.push({
          interval: '1m',
          input_series: [{ series, values: `${value}x20` }],
          alert_rule_test: [
            {
              eval_time: '10m',
              alertname: alert,
              exp_alerts: severities.map((s) => ({ exp_labels: { severity: s, ...exp } })),
            },
          ],
        });
    };
    cases(
      'tw_websocket_connections{service="api",pod="a"}',
      'TriageWardenWebSocketConnectionsHigh',
      thresholds.websocketConnectionsRatio!,
      1000,
      { service: 'api', pod: 'a' },
    );
    cases(
      'tw_mean_time_to_triage_seconds{service="orchestrator",pod="b"}',
      'TriageWardenMeanTimeToTriageHigh',
      thresholds.meanTimeToTriageSeconds!,
      1,
      {},
    );
    writeFileSync(
      join(dir, 'alerts.test.yml'),
      stringify({ rule_files: ['alerts.yml'], evaluation_interval: '1m', tests }),
    );
    execFileSync(promtool!, ['check', 'rules', join(dir, 'alerts.yml')]);
    const out = execFileSync(promtool!, ['test', 'rules', join(dir, 'alerts.test.yml')], {
      encoding: 'utf8',
    });
    expect(out).toContain('SUCCESS');
  });
});
