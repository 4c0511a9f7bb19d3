// docs/SCALING.md names real metrics with their real types, reads latency from histograms, and its
// CPU section's millicores follow from the chart's resources, HPA target and alert thresholds.
import { describe, expect, it } from 'vitest';
import { get, readText, readYaml } from './helpers.ts';

const doc = readText('docs/SCALING.md');
const metrics = new Map(
  readYaml<{ metrics: { name: string; type: string }[] }>('deploy/metrics.json').metrics.map((m) => [
    m.name,
    m.type,
  ]),
);
const values = readYaml('deploy/helm/triage-warden/values.yaml');

/** The body rows of the first table after a heading, as cells. */
function table(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const lines = doc.slice(start).split('\n').slice(2);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

/** Backticked metric names in a cell (`name` or `name{label="x"}`); config keys (with dots) are not. */
const metricNames = (cell: string) =>
  [...cell.matchAll(/`([a-z][a-z0-9_]*_[a-z0-9_]*)(\{[^}]*\})?`/g)].map((m) => m[1]!);

const millicores = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);

describe('docs/SCALING.md', () => {
  it('the metrics table lists metrics that exist, with their types', () => {
    const rows = table('## Metrics (every role serves `/metrics`)');
    expect(rows.length).toBeGreaterThan(10);
    for (const [names, type] of rows) {
      for (const name of metricNames(names!)) {
        expect(metrics.has(name), name).toBe(true);
        expect(metrics.get(name), name).toBe(type);
      }
    }
  });

  it('the decision matrix names metrics that exist, and reads latency from histograms', () => {
    const rows = table('## Decision matrix');
    expect(rows.length).toBeGreaterThan(5);
    for (const [symptom] of rows) {
      for (const name of metricNames(symptom!))
        expect(metrics.has(name), `${name} in "${symptom}"`).toBe(true);
      // `metric` p99 … / `metric` latency: the metric right before must be a histogram.
      for (const m of symptom!.matchAll(/`([a-z][a-z0-9_]*)(\{[^}]*\})?` (p\d\d|latency)/g)) {
        expect(metrics.get(m[1]!), `${m[1]} read as ${m[3]} in "${symptom}"`).toBe('histogram');
      }
    }
  });

  it("the CPU section's millicores follow from the chart's resources, HPA target and alert thresholds", () => {
    const request = millicores(String(get(values, 'resources.requests.cpu')));
    const limit = millicores(String(get(values, 'resources.limits.cpu')));
    const hpa = Number(get(values, 'api.autoscaling.targetCPUUtilizationPercentage'));
    const alert = get(values, 'metrics.prometheusRule.thresholds.cpuPercent') as {
      warning: number;
      critical: number;
    };
    const section = doc.slice(
      doc.indexOf('### CPU: the alert and the HPA'),
      doc.indexOf('## Troubleshooting'),
    );
    expect(section).toContain(`the request (${request}m)`);
    expect(section).toContain(`the limit (${limit}m)`);
    expect(section).toContain(`targetCPUUtilizationPercentage: ${hpa}\``);
    expect(section).toContain(`${(request * hpa) / 100}m average per pod`);
    expect(section).toContain(`\`cpu_usage_percent\` > ${alert.warning}, 5 min`);
    expect(section).toContain(`${(limit * alert.warning) / 100}m in one pod`);
    expect(section).toContain(`\`cpu_usage_percent\` > ${alert.critical}, 2 min`);
    expect(section).toContain(`${(limit * alert.critical) / 100}m in one pod`);
    // The alert's durations are the chart's.
    expect(get(values, 'metrics.prometheusRule.for')).toEqual({ warning: '5m', critical: '2m' });
  });
});
