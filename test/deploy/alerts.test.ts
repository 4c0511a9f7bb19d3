// The scaling alerts: thresholds in the chart's PrometheusRule and in the compose rule file equal the
// guide's "Metrics to Monitor" table (read back out of the PromQL; the chart rendered by the real
// helm), and — where promtool exists — Prometheus itself loads the rules and fires them above the
// thresholds, not at them. In CI a missing helm or promtool fails; on a laptop those parts skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { find, haveTool, readText, readYaml, renderHa, skipWithout, tool } from './helpers.ts';
import { SEED_THRESHOLDS, type Obj } from './seed.ts';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
}

/** The guide table's group; triage-warden.capacity (test/deploy/capacity-alerts.test.ts) goes beyond it. */
const SCALING = (g: { name: string }) => g.name === 'triage-warden.scaling';
const chartRules = (): Rule[] =>
  (
    find(renderHa(), 'PrometheusRule', 'triage-warden').spec as { groups: { name: string; rules: Rule[] }[] }
  ).groups
    .filter(SCALING)
    .flatMap((g) => g.rules);
const composeRules = (): Rule[] =>
  readYaml<{ groups: { name: string; rules: Rule[] }[] }>('deploy/compose/prometheus/alerts.yml')
    .groups.filter(SCALING)
    .flatMap((g) => g.rules);

/** metric → severity → threshold, read from `… > N` (or `> r * maxclients`) in each expression. */
function thresholds(rules: Rule[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rules) {
    const metric = Object.keys(SEED_THRESHOLDS).find((m) => r.expr.includes(m));
    if (!metric) throw new Error(`no guide metric in ${r.expr}`);
    const m = /> ([0-9.]+)(?: \* ([0-9.]+))?$/.exec(r.expr);
    if (!m) throw new Error(`no threshold in ${r.expr}`);
    (out[metric] ??= {})[r.labels.severity] = Number(m[1]);
  }
  return out;
}

const expected = Object.fromEntries(
  Object.entries(SEED_THRESHOLDS).map(([m, t]) => [m, { warning: t.warning, critical: t.critical }]),
);

const HAS_HELM = haveTool('helm');

describe('alert thresholds equal the guide table', () => {
  const check = (rules: Rule[]) => {
    expect(thresholds(rules)).toEqual(expected);
    for (const r of rules) expect(['warning', 'critical']).toContain(r.labels.severity);
  };
  it.skipIf(!HAS_HELM)(`chart PrometheusRule${skipWithout('helm')}`, () => check(chartRules()));
  it('compose alerts.yml', () => check(composeRules()));

  it.skipIf(!HAS_HELM)(
    'P99 is computed with histogram_quantile(0.99) over the API and Redis is compared with maxclients',
    () => {
      const rules = chartRules();
      expect(
        rules
          .filter((r) => r.expr.includes('http_request_duration_seconds_bucket'))
          .every((r) => r.expr.startsWith('histogram_quantile(0.99,')),
      ).toBe(true);
      const values = readYaml('deploy/helm/triage-warden/values.yaml') as Obj;
      const maxClients = (values.redis as Obj).maxClients as number;
      for (const r of rules.filter((x) => x.expr.includes('redis_connected_clients')))
        expect(r.expr.endsWith(` * ${maxClients}`)).toBe(true);
    },
  );
});

const promtool = tool('promtool', 'TW_PROMTOOL');
if (!promtool && process.env.CI) {
  throw new Error(
    'promtool is missing in CI: .ci/run extracts it from the Debian package prometheus (TW_PROMTOOL)',
  );
}

describe.skipIf(!promtool || !HAS_HELM)(
  `promtool (skipped without promtool; Debian package prometheus)${skipWithout('helm')}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-alerts-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('checks the rule files and the compose Prometheus config', () => {
      const groups = (find(renderHa(), 'PrometheusRule', 'triage-warden').spec as Obj).groups;
      writeFileSync(join(dir, 'chart-rules.yml'), stringify({ groups }));
      execFileSync(promtool!, ['check', 'rules', join(dir, 'chart-rules.yml')]);
      writeFileSync(join(dir, 'alerts.yml'), readText('deploy/compose/prometheus/alerts.yml'));
      writeFileSync(
        join(dir, 'prometheus.yml'),
        readText('deploy/compose/prometheus/prometheus.yml').replace(
          '/etc/prometheus/alerts.yml',
          join(dir, 'alerts.yml'),
        ),
      );
      execFileSync(promtool!, ['check', 'config', join(dir, 'prometheus.yml')]);
    });

    it('fires each alert above its warning and critical thresholds and not at them', () => {
      // promtool compares annotations too; these tests are about when alerts fire, so drop them.
      const groups = readYaml<{ groups: { rules: Obj[] }[] }>(
        'deploy/compose/prometheus/alerts.yml',
      ).groups.map((g) => ({
        ...g,
        rules: g.rules.map(({ annotations: _a, ...r }) => r),
      }));
      writeFileSync(join(dir, 'alerts.yml'), stringify({ groups }));
      const tests: Obj[] = [];
      const gauge = (
        metric: string,
        alert: string,
        labels: Record<string, string>,
        byLabels: string[],
        scale = 1,
      ) => {
        const t = SEED_THRESHOLDS[metric as keyof typeof SEED_THRESHOLDS];
        const cases: [number, string[]][] = [
          [t.warning * scale, []],
          [((t.warning + t.critical) / 2) * scale, ['warning']],
          [t.critical * scale, ['warning']],
          [t.critical * scale + 1, ['warning', 'critical']],
        ];
        for (const [value, severities] of cases) {
          const sel = Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(',');
          const exp = Object.fromEntries(byLabels.map((k) => [k, labels[k]!]));
          tests.push({
            interval: '1m',
            input_series: [{ series: `${metric}{${sel}}`, values: `${value}x20` }],
            alert_rule_test: [
              {
                eval_time: '10m',
                alertname: alert,
                exp_alerts: severities.map((s) => ({ exp_labels: { severity: s, ...exp } })),
              },
            ],
          });
        }
      };
      gauge('cpu_usage_percent', 'TriageWardenCpuHigh', { service: 'api', pod: 'a' }, ['service', 'pod']);
      gauge('memory_usage_percent', 'TriageWardenMemoryHigh', { service: 'orchestrator', pod: 'b' }, [
        'service',
        'pod',
      ]);
      gauge(
        'incident_queue_depth',
        'TriageWardenIncidentQueueDeep',
        { service: 'orchestrator', pod: 'b' },
        [],
      );
      gauge(
        'db_connection_pool_waiting',
        'TriageWardenDbPoolWaiting',
        { service: 'api', pod: 'a', pool: 'replica' },
        ['service', 'pod', 'pool'],
      );
      gauge(
        'redis_connected_clients',
        'TriageWardenRedisClientsHigh',
        { service: 'orchestrator', pod: 'b' },
        [],
        10000,
      );
      // P99 latency: every request in one histogram bucket; histogram_quantile interpolates inside it.
      const latency = (lower: number, upper: number, severities: string[]) =>
        tests.push({
          interval: '1m',
          input_series: [
            { series: `http_request_duration_seconds_bucket{service="api",le="${lower}"}`, values: '0x20' },
            {
              series: `http_request_duration_seconds_bucket{service="api",le="${upper}"}`,
              values: '0+600x20',
            },
            { series: 'http_request_duration_seconds_bucket{service="api",le="+Inf"}', values: '0+600x20' },
          ],
          alert_rule_test: [
            {
              eval_time: '10m',
              alertname: 'TriageWardenApiLatencyP99High',
              exp_alerts: severities.map((s) => ({ exp_labels: { severity: s } })),
            },
          ],
        });
      latency(0.1, 0.5, []); // p99 ≈ 0.496 s
      latency(0.5, 0.75, ['warning']); // p99 ≈ 0.7475 s
      latency(1, 2, ['warning', 'critical']); // p99 ≈ 1.99 s
      writeFileSync(
        join(dir, 'alerts.test.yml'),
        stringify({ rule_files: ['alerts.yml'], evaluation_interval: '1m', tests }),
      );
      const out = execFileSync(promtool!, ['test', 'rules', join(dir, 'alerts.test.yml')], {
        encoding: 'utf8',
      });
      expect(out).toContain('SUCCESS');
    });
  },
);
