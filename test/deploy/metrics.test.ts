// deploy/metrics.json is the one list of metric names: every name used by the PrometheusRule, the
// adapter rules, the HPAs, KEDA, the compose alerts and the Grafana dashboard must be in it (the lead
// adds a live-scrape comparison with the running processes).
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { find, haveTool, readText, readYaml, renderHa, render, at, get, skipWithout } from './helpers.ts';
import type { Obj } from './seed.ts';

interface MetricsFile {
  metrics: { name: string; type: string; labels: string[]; scope: string }[];
  external: { names: string[]; prefixes: string[] };
}
const file = JSON.parse(readText('deploy/metrics.json')) as MetricsFile;

/** The metric names in a PromQL expression (histogram series map to their histogram). */
export function metricNames(expr: string): string[] {
  const cleaned = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'e', 'Inf', 'NaN']);
  const names: string[] = [];
  for (const m of cleaned.matchAll(/[0-9.]*[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const isFunction = /^\s*\(/.test(cleaned.slice(m.index + word.length));
    if (!isFunction && !keywords.has(word) && !/^[0-9.]/.test(word)) names.push(word);
  }
  return [...new Set(names)];
}

function known(name: string): boolean {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return (
    file.metrics.some((m) => m.name === name || (m.type === 'histogram' && m.name === base)) ||
    file.external.names.includes(name)
  );
}

const BRIEF = [
  'http_request_duration_seconds',
  'http_requests_per_second',
  'cpu_usage_percent',
  'memory_usage_percent',
  'incident_queue_depth',
  'db_connection_pool_waiting',
  'redis_connected_clients',
  'tw_websocket_connections',
  'tw_leader',
  'tw_leader_term',
  'tw_incidents_ingested_total',
  'tw_triage_duration_seconds',
  'tw_incidents_triaged_total',
  'tw_enrichment_cache_hits_total',
  'tw_enrichment_cache_misses_total',
  'tw_llm_calls_total',
  'tw_llm_call_duration_seconds',
  'tw_actions_total',
  'tw_approvals_pending',
  'tw_mean_time_to_triage_seconds',
];

describe('deploy/metrics.json', () => {
  it('lists every metric of the design once, with the cluster-wide gauges marked leader-only', () => {
    const names = file.metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of BRIEF) expect(names, n).toContain(n);
    const leader = file.metrics.filter((m) => m.scope === 'leader').map((m) => m.name);
    for (const n of ['incident_queue_depth', 'redis_connected_clients', 'tw_mean_time_to_triage_seconds'])
      expect(leader).toContain(n);
    expect(file.metrics.find((m) => m.name === 'http_request_duration_seconds')!.labels).toEqual([
      'method',
      'route',
      'status_code',
    ]);
    expect(file.metrics.find((m) => m.name === 'db_connection_pool_waiting')!.labels).toEqual(['pool']);
    for (const m of file.metrics) expect(['counter', 'gauge', 'histogram']).toContain(m.type);
    for (const m of file.metrics.filter((x) => x.type === 'counter')) expect(m.name).toMatch(/_total$/);
  });

  it('the expression parser finds names and ignores functions, labels and keywords', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{service="api"}[5m]))) > 0.5',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(
      metricNames('max(a_total{x="y"}) / clamp_min(sum(rate(b_total[5m])), 1e-9) > 0.8 * 10000'),
    ).toEqual(['a_total', 'b_total']);
  });
});

describe('every metric name used is in metrics.json', () => {
  const used = new Map<string, string>();
  const add = (where: string, expr: string) => {
    for (const n of metricNames(expr)) used.set(`${where}: ${n}`, n);
  };

  it.skipIf(!haveTool('helm'))(
    `PrometheusRule, compose alerts, adapter rules, HPAs, KEDA and the dashboard${skipWithout('helm')}`,
    () => {
      const ha = renderHa();
      for (const g of get(find(ha, 'PrometheusRule', 'triage-warden'), 'spec.groups') as {
        rules: { expr: string }[];
      }[])
        for (const r of g.rules) add('PrometheusRule', r.expr);
      for (const g of readYaml<{ groups: { rules: { expr: string }[] }[] }>(
        'deploy/compose/prometheus/alerts.yml',
      ).groups)
        for (const r of g.rules) add('alerts.yml', r.expr);
      const adapter = readYaml('deploy/helm/prometheus-adapter-values.yaml');
      for (const r of [
        ...(get(adapter, 'rules.custom') as Obj[]),
        ...(get(adapter, 'rules.external') as Obj[]),
      ]) {
        add('adapter', String(r.seriesQuery));
        add('adapter', String(get(r, 'name.as')));
      }
      const cm = parse(
        String((find(ha, 'ConfigMap', 'triage-warden-prometheus-adapter').data as Obj)['config.yaml']),
      ) as Obj;
      for (const r of [...(cm.rules as Obj[]), ...(cm.externalRules as Obj[])])
        add('adapter ConfigMap', String(r.seriesQuery));
      for (const hpa of ha.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        for (const m of get(hpa, 'spec.metrics') as Obj[]) {
          const name = get(m, 'pods.metric.name') ?? get(m, 'external.metric.name');
          if (name) add('HPA', String(name));
        }
      }
      const keda = find(
        renderHa([at('orchestrator.autoscaling.keda.enabled', true)]),
        'ScaledObject',
        'triage-warden-orchestrator',
      );
      for (const t of get(keda, 'spec.triggers') as Obj[]) add('KEDA', String(get(t, 'metadata.query')));
      const dashboard = JSON.parse(readText('deploy/grafana/triage-warden.json')) as {
        panels: { targets?: { expr: string }[] }[];
      };
      for (const p of dashboard.panels) for (const t of p.targets ?? []) add('dashboard', t.expr);

      const unknown = [...used].filter(([, n]) => !known(n)).map(([k]) => k);
      expect(unknown).toEqual([]);
      // Sanity: the scan saw the names it is meant to police.
      const names = new Set(used.values());
      for (const n of [
        'incident_queue_depth',
        'http_requests_per_second',
        'http_request_duration_seconds_bucket',
        'redis_connected_clients',
      ])
        expect(names).toContain(n);
      expect(render().length).toBeGreaterThan(0);
    },
  );
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readText('deploy/grafana/triage-warden.json')) as {
    uid: string;
    panels: {
      type: string;
      title: string;
      targets?: { expr: string; datasource: Obj }[];
      options?: { content?: string };
    }[];
  };
  const panel = (title: string) => {
    const p = dashboard.panels.find((x) => x.title === title);
    if (!p) throw new Error(`no panel ${title}`);
    return p;
  };
  const exprs = (title: string) => (panel(title).targets ?? []).map((t) => t.expr).join('\n');

  it('has a panel for each scaling signal, built on the right metric', () => {
    const expected: [string, RegExp][] = [
      [
        'API P99 latency by route',
        /histogram_quantile\(0\.99, sum by \(le, route\) \(rate\(http_request_duration_seconds_bucket/,
      ],
      ['Requests per second', /http_requests_per_second/],
      ['CPU usage', /cpu_usage_percent/],
      ['Memory usage', /memory_usage_percent/],
      ['Incident queue depth', /incident_queue_depth/],
      ['DB pool waiting by pool', /sum by \(pool\) \(db_connection_pool_waiting\)/],
      ['Redis connected clients', /redis_connected_clients/],
      ['Leader', /tw_leader\)[\s\S]*tw_leader_term/],
      ['Triage duration', /tw_triage_duration_seconds_bucket/],
      ['LLM calls', /tw_llm_calls_total[\s\S]*tw_llm_call_duration_seconds_bucket/],
      ['Enrichment cache hit ratio', /tw_enrichment_cache_hits_total[\s\S]*tw_enrichment_cache_misses_total/],
      ['WebSocket connections', /tw_websocket_connections/],
    ];
    for (const [title, re] of expected) expect(exprs(title), title).toMatch(re);
  });

  it('shows the scaling decision matrix and uses a datasource variable', () => {
    const text = panel('Scaling decision matrix').options!.content!;
    for (const row of [
      'High API latency',
      'Growing queue depth',
      'Database timeouts',
      'Cache misses high',
      'LLM rate limits',
    ])
      expect(text).toContain(row);
    for (const p of dashboard.panels)
      for (const t of p.targets ?? [])
        expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    expect(dashboard.uid).toBe('triage-warden');
  });
});
