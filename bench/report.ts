/**
 * Writes docs/BENCHMARKS.md from bench/results/*.json (the doc is generated, never hand-edited).
 * Run by `npm run bench` after a run into the default folder, or alone:
 * `node --import tsx bench/report.ts [resultsDir] [outFile]`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { formatNumber, targetText, type Row, type ScenarioResult } from './lib/result.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ORDER = [
  'simple-endpoint',
  'complex-query',
  'ingest',
  'websockets',
  'orchestrators',
  'failover',
  'footprint',
  'dashboard',
];

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function value(r: Row): string {
  return `${formatNumber(r.value)}${r.unit ? ` ${r.unit}` : ''}`;
}

function met(r: Row): string {
  return r.met === undefined ? '' : r.met ? 'yes' : '**no**';
}

function baseline(r: Row): string {
  return r.baseline ? `${r.baseline.label}: ${formatNumber(r.baseline.value)} ${r.baseline.unit}` : '';
}

function runLabel(r: ScenarioResult): string {
  return `${r.config}${r.noisy ? ' ⚠' : ''}, ${r.started_at.slice(0, 10)}, load ${r.load.before[0]}`;
}

function rowsTable(rows: Row[]): string[] {
  return [
    '| Metric | Value | Target | Met | Seed | Baseline | Ratio |',
    '|---|---:|---|---|---|---|---:|',
    ...rows.map(
      (r) =>
        `| ${cell(r.label)} | ${value(r)} | ${cell(targetText(r))} | ${met(r)} | ${cell(r.seed ?? '')} | ${cell(baseline(r))} | ${r.ratio ?? ''} |`,
    ),
  ];
}

function scenarioDetails(r: ScenarioResult): string[] {
  const out: string[] = [];
  const d = r.details as Record<string, unknown>;
  if (r.scenario === 'complex-query' && d.plans) {
    out.push('', '#### Query shapes and plans', '');
    out.push(
      '| Shape | Rows matched | Page query | count(*) | Indexes used | Seq scan |',
      '|---|---:|---:|---:|---|---|',
    );
    const plans = d.plans as Record<
      string,
      {
        description: string;
        total_items: number;
        count_share: number;
        rows_plan: { execution_ms: number; indexes: string[]; seq_scan: boolean; text: string };
        count_plan: { execution_ms: number; indexes: string[]; seq_scan: boolean; text: string };
        path: string;
        rows_sql: string;
        count_sql: string;
        parameters: unknown[];
      }
    >;
    for (const [name, p] of Object.entries(plans)) {
      const idx = [...new Set([...p.rows_plan.indexes, ...p.count_plan.indexes])].join(', ') || '—';
      const seq =
        [p.rows_plan.seq_scan ? 'page' : '', p.count_plan.seq_scan ? 'count' : '']
          .filter(Boolean)
          .join(', ') || 'no';
      out.push(
        `| ${name}: ${cell(p.description)} | ${formatNumber(p.total_items)} | ${p.rows_plan.execution_ms} ms | ${p.count_plan.execution_ms} ms (${Math.round(p.count_share * 100)} %) | ${cell(idx)} | ${seq} |`,
      );
    }
    for (const [name, p] of Object.entries(plans)) {
      out.push(
        '',
        `<details><summary>${name}: <code>${p.path.replace(/&/g, '&amp;')}</code></summary>`,
        '',
        `Parameters: \`${JSON.stringify(p.parameters)}\``,
        '',
        '```sql',
        p.rows_sql,
        '```',
        '```',
        p.rows_plan.text,
        '```',
        '```sql',
        p.count_sql,
        '```',
        '```',
        p.count_plan.text,
        '```',
        '</details>',
      );
    }
  }
  if (r.scenario === 'websockets' && Array.isArray(d.steps)) {
    out.push(
      '',
      '| Clients | Connect | Deliveries | p50 | p99 | last client p99 | API RSS |',
      '|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of d.steps as {
      clients: number;
      connect_s: number;
      deliveries: number;
      expected: number;
      latency_ms: { p50: number; p99: number };
      complete_ms: { p99: number };
      server_rss_mb: number;
    }[]) {
      out.push(
        `| ${s.clients} | ${s.connect_s} s | ${s.deliveries}/${s.expected} | ${s.latency_ms.p50} ms | ${s.latency_ms.p99} ms | ${s.complete_ms.p99} ms | ${s.server_rss_mb} MB |`,
      );
    }
  }
  if (r.scenario === 'orchestrators' && Array.isArray(d.runs)) {
    out.push(
      '',
      '| Orchestrators | Incidents | Steady rate | Whole-run rate | Ideal | Orchestrator CPU per incident | Calls per orchestrator (max in flight) |',
      '|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const run of d.runs as {
      orchestrators: number;
      incidents: number;
      steady_rate: number;
      rate: number;
      ideal_rate: number;
      cpu_ms_per_incident?: number;
      per_orchestrator: { name: string; calls: number; max_in_flight: number }[];
    }[]) {
      out.push(
        `| ${run.orchestrators} | ${run.incidents} | ${run.steady_rate}/s | ${run.rate}/s | ${run.ideal_rate}/s | ${run.cpu_ms_per_incident ?? '—'} ms | ${run.per_orchestrator.map((p) => `${p.name}: ${p.calls} (${p.max_in_flight})`).join(', ')} |`,
      );
    }
  }
  if (r.scenario === 'failover' && Array.isArray(d.rounds)) {
    out.push('', '| Signal | From | To | Lease free after | Handover |', '|---|---|---|---:|---:|');
    for (const x of d.rounds as {
      signal: string;
      from: string;
      to: string;
      handover_ms: number;
      lease_free_after_ms?: number;
    }[]) {
      const free = x.lease_free_after_ms === undefined ? '—' : `${x.lease_free_after_ms} ms`;
      out.push(`| ${x.signal} | ${x.from} | ${x.to} | ${free} | ${x.handover_ms} ms |`);
    }
  }
  if (r.scenario === 'footprint' && d.roles) {
    out.push(
      '',
      '| Process | Cold start to /ready (median) | Idle RSS (median) | Peak RSS |',
      '|---|---:|---:|---:|',
    );
    for (const [name, x] of Object.entries(
      d.roles as Record<string, { ready_ms: number; idle_rss_mb: number; peak_rss_mb: number }>,
    )) {
      out.push(`| ${name} | ${x.ready_ms} ms | ${x.idle_rss_mb} MB | ${x.peak_rss_mb} MB |`);
    }
  }
  return out;
}

function profileSection(r: ScenarioResult): string[] {
  const out: string[] = [];
  for (const p of r.profiles) {
    out.push(
      '',
      `#### CPU profile of \`${p.process}\` during the load (${p.window_ms} ms window, off-CPU ${p.idle_pct} %, GC ${p.gc_pct} % of busy time)`,
      '',
      '| Self time | Function | Where |',
      '|---:|---|---|',
      ...p.top_functions
        .slice(0, 15)
        .map((f) => `| ${f.self_pct} % | \`${cell(f.function)}\` | ${cell(f.location)} |`),
      '',
      'By module: ' +
        p.by_module
          .slice(0, 10)
          .map((m) => `${m.module} ${m.self_pct} %`)
          .join(', '),
    );
  }
  return out;
}

/** The summary of an earlier run, kept in bench/before.json so the report can show what changed. */
export interface BeforeSnapshot {
  commit: string;
  date: string;
  note: string;
  rows: { scenario: string; metric: string; target: string; value: string; met: string; run: string }[];
}

function beforeAfter(results: ScenarioResult[], before: BeforeSnapshot): string[] {
  const now = new Map<string, { r: ScenarioResult; x: Row }>();
  for (const r of results) for (const x of r.rows) now.set(`${r.scenario}|${x.label}`, { r, x });
  return [
    '',
    `## Before and after`,
    '',
    `${before.note} "Before" is commit ${before.commit} (${before.date}); "now" is this report's run.`,
    '',
    '| Scenario | Metric | Target | Before | Met before | Now | Met now |',
    '|---|---|---|---:|---|---:|---|',
    ...before.rows.map((b) => {
      // Footprint rows now name the form measured; production runs the compiled build.
      const compiled = now.get(`${b.scenario}|${b.metric} (compiled)`);
      const n = now.get(`${b.scenario}|${b.metric}`) ?? compiled;
      const nowCell = n ? `${value(n.x)}${n === compiled ? ' (compiled)' : ''}` : 'not run';
      const runNote = n && n.r.config === 'tiny' ? ' (tiny)' : '';
      return `| ${b.scenario} | ${cell(b.metric)} | ${cell(b.target)} | ${cell(b.value)} | ${b.met} | ${nowCell}${runNote} | ${n ? met(n.x).replace(/\*/g, '') : ''} |`;
    }),
  ];
}

export function renderReport(results: ScenarioResult[], before?: BeforeSnapshot): string {
  const sorted = [...results].sort((a, b) => {
    const ia = ORDER.indexOf(a.scenario);
    const ib = ORDER.indexOf(b.scenario);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const m = sorted[0]?.machine;
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/report.ts from bench/results/*.json. Do not edit by hand: run the suite. -->',
    '',
    'Measured by the suite of issue 5 (`bench/`): each scenario runs its baseline side by side in the same run and',
    "reports the ratio. Targets are issue 5's (per instance, on the 2-core machine, load generator included); the seed",
    "column holds `seed/scaling.md`'s per-instance figures.",
    '',
    '- Everything: `npm run bench` (rewrites this file). One scenario: `npm run bench -- <scenario>`; add `--profile`',
    '  for CPU profiles of the process under test, `--regenerate` to rebuild the 1,000,000-incident database.',
    '- `--tiny` is the CI configuration (`test/bench/bench-smoke.test.ts`): its figures are not measurements.',
    '- ⚠ marks a run whose 1-minute load average was above 1.5 before it started: other work shared the cores, so',
    '  its figures understate the machine.',
    '',
  ];
  if (m) {
    lines.push(
      `Machine: ${m.host_cpus} × ${m.cpu_model}, ${m.memory_gb} GB, ${m.kernel}; Node ${m.node}; ${m.postgres ?? 'PostgreSQL ?'}; Redis ${m.redis ?? '?'}; commit ${m.git_commit ?? '?'}.`,
      '',
    );
  }
  lines.push(
    '## Summary',
    '',
    '| Scenario | Metric | Target | This project | Met | Seed (per instance) | Baseline | Ratio | Run |',
    '|---|---|---|---:|---|---|---|---:|---|',
  );
  for (const r of sorted) {
    const key = r.rows.filter((x) => x.target || x.seed || x.baseline);
    for (const x of key) {
      lines.push(
        `| ${r.scenario} | ${cell(x.label)} | ${cell(targetText(x))} | ${value(x)} | ${met(x)} | ${cell(x.seed ?? '')} | ${cell(baseline(x))} | ${x.ratio ?? ''} | ${runLabel(r)} |`,
      );
    }
    if (!r.ok) lines.push(`| ${r.scenario} | **run failed** | | | | | | | ${runLabel(r)} |`);
  }
  if (before) lines.push(...beforeAfter(sorted, before));
  const missed = sorted.flatMap((r) => r.rows.filter((x) => x.met === false).map((x) => ({ r, x })));
  if (missed.length) {
    lines.push('', '## Targets missed', '');
    for (const { r, x } of missed) {
      lines.push(
        `- **${r.scenario}** — ${x.label}: ${value(x)} (target ${targetText(x)})${r.config === 'tiny' ? ' — tiny run, not a measurement' : ''}.`,
      );
    }
    lines.push('', 'The CPU profiles under each scenario (run with `--profile`) name the hot spots.');
  }
  for (const r of sorted) {
    lines.push(
      '',
      `## ${r.scenario}: ${r.title}`,
      '',
      `\`${r.command}\` — ${r.config} configuration, ${r.started_at.replace('T', ' ').slice(0, 19)} UTC, ${r.duration_s} s; load average before ${r.load.before.join(' / ')}, after ${r.load.after.join(' / ')}${r.noisy ? ' ⚠ noisy' : ''}.`,
      '',
      ...rowsTable(r.rows),
      ...scenarioDetails(r),
    );
    if (r.checks.length) {
      lines.push(
        '',
        'Checks:',
        ...r.checks.map((c) => `- ${c.ok ? '✓' : '✗'} ${c.name}${c.detail ? ` — ${cell(c.detail)}` : ''}`),
      );
    }
    if (r.error) lines.push('', '```', r.error, '```');
    if (r.notes.length) lines.push('', 'Notes:', ...r.notes.map((n) => `- ${n}`));
    lines.push(...profileSection(r));
  }
  return `${lines.join('\n')}\n`;
}

/** Renders and writes the doc, formatted with the project's Prettier settings (so `format:check` passes). */
export async function writeReport(
  resultsDir = join(ROOT, 'bench', 'results'),
  outFile = join(ROOT, 'docs', 'BENCHMARKS.md'),
): Promise<string> {
  const results = existsSync(resultsDir)
    ? readdirSync(resultsDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as ScenarioResult)
    : [];
  const beforeFile = join(ROOT, 'bench', 'before.json');
  const before = existsSync(beforeFile)
    ? (JSON.parse(readFileSync(beforeFile, 'utf8')) as BeforeSnapshot)
    : undefined;
  const options = (await resolveConfig(outFile)) ?? {};
  writeFileSync(outFile, await format(renderReport(results, before), { ...options, parser: 'markdown' }));
  return outFile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, out] = process.argv.slice(2);
  writeReport(dir ? resolve(dir) : undefined, out ? resolve(out) : undefined).then(
    (file) => console.log(`wrote ${file}`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
