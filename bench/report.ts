/**
 * Writes docs/BENCHMARKS.md from bench/results/*.json (the doc is generated, never hand-edited; only
 * its `<!-- keep:NAME:start -->` … `end -->` blocks are carried over), and the bench figures other docs
 * quote (bench/docs-blocks.ts). The results are committed, so `test/bench/docs-figures.test.ts`
 * re-renders every doc from them and fails when one differs.
 * Run by `npm run bench` after a run into the default folder, or alone:
 * `node --import tsx bench/report.ts [resultsDir] [outFile]`; `--check` writes nothing and exits 1
 * when a doc differs from what the results give.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { applyBlock, DOC_BLOCKS, Figures, keptBlocks } from './docs-blocks.ts';
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

/** `kept`: hand-written blocks of the previous file (keptBlocks), appended after the generated part. */
export function renderReport(
  results: ScenarioResult[],
  before?: BeforeSnapshot,
  kept: string[] = [],
): string {
  const sorted = [...results].sort((a, b) => {
    const ia = ORDER.indexOf(a.scenario);
    const ib = ORDER.indexOf(b.scenario);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const m = sorted[0]?.machine;
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/report.ts from bench/results/*.json (committed). Do not edit by hand: run the suite. Only blocks between keep:NAME:start and keep:NAME:end comments are carried over. -->',
    '',
    'Measured by the suite of issue 5 (`bench/`): each scenario runs its baseline side by side in the same run and',
    "reports the ratio. Targets are issue 5's (per instance, on the 2-core machine, load generator included); the seed",
    "column holds `seed/scaling.md`'s per-instance figures.",
    '',
    '- Everything: `npm run bench` (rewrites this file). One scenario: `npm run bench -- <scenario>`; add `--profile`',
    '  for CPU profiles of the process under test, `--regenerate` to rebuild the 1,000,000-incident database.',
    '- `--tiny` is the CI configuration (`test/bench/bench-smoke.test.ts`): its figures are not measurements.',
    '- The results are committed (`bench/results/*.json`): `node --import tsx bench/report.ts` rewrites this file and the',
    '  figures SCALING.md, DEPLOYMENT.md and README.md quote (`bench/docs-blocks.ts`); `test/bench/docs-figures.test.ts`',
    '  fails when a doc differs from them.',
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
  for (const block of kept) lines.push('', block);
  return `${lines.join('\n')}\n`;
}

const DEFAULT_DOC = join(ROOT, 'docs', 'BENCHMARKS.md');

function readResults(resultsDir: string): ScenarioResult[] {
  return existsSync(resultsDir)
    ? readdirSync(resultsDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as ScenarioResult)
    : [];
}

async function prettierMarkdown(file: string, text: string): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(text, { ...options, parser: 'markdown' });
}

/**
 * What every generated doc should hold given the results: BENCHMARKS.md (at `outFile`) and each
 * doc with bench:NAME blocks (DOC_BLOCKS) — those only when `outFile` is the real BENCHMARKS.md, so a
 * report written elsewhere never rewrites the repository's docs — formatted with the project's
 * Prettier settings (so `format:check` passes). Absolute path → content.
 */
export async function renderDocs(
  resultsDir = join(ROOT, 'bench', 'results'),
  outFile = join(ROOT, 'docs', 'BENCHMARKS.md'),
): Promise<Map<string, string>> {
  const results = readResults(resultsDir);
  const beforeFile = join(ROOT, 'bench', 'before.json');
  const before = existsSync(beforeFile)
    ? (JSON.parse(readFileSync(beforeFile, 'utf8')) as BeforeSnapshot)
    : undefined;
  const kept = existsSync(outFile) ? keptBlocks(readFileSync(outFile, 'utf8')) : [];
  const docs = new Map<string, string>();
  docs.set(outFile, await prettierMarkdown(outFile, renderReport(results, before, kept)));
  if (resolve(outFile) !== DEFAULT_DOC) return docs;
  const figures = new Figures(results);
  for (const block of DOC_BLOCKS) {
    const file = join(ROOT, block.file);
    const text = docs.get(file) ?? readFileSync(file, 'utf8');
    docs.set(file, applyBlock(text, block, figures));
  }
  for (const block of DOC_BLOCKS) {
    const file = join(ROOT, block.file);
    docs.set(file, await prettierMarkdown(file, docs.get(file)!));
  }
  return docs;
}

/** Renders and writes BENCHMARKS.md and the bench blocks of the other docs; returns BENCHMARKS.md's path. */
export async function writeReport(
  resultsDir = join(ROOT, 'bench', 'results'),
  outFile = join(ROOT, 'docs', 'BENCHMARKS.md'),
): Promise<string> {
  for (const [file, text] of await renderDocs(resultsDir, outFile)) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  }
  return outFile;
}

/** The docs whose content differs from what the results give (relative paths). */
export async function staleDocs(
  resultsDir = join(ROOT, 'bench', 'results'),
  outFile = join(ROOT, 'docs', 'BENCHMARKS.md'),
): Promise<string[]> {
  const stale: string[] = [];
  for (const [file, text] of await renderDocs(resultsDir, outFile)) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(relative(ROOT, file));
  }
  return stale;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const [dir, out] = process.argv.slice(2).filter((a) => a !== '--check');
  if (check) {
    staleDocs(dir ? resolve(dir) : undefined, out ? resolve(out) : undefined).then(
      (stale) => {
        for (const f of stale) console.error(`${f} differs from bench/results: run bench/report.ts`);
        process.exitCode = stale.length ? 1 : 0;
      },
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
  } else
    writeReport(dir ? resolve(dir) : undefined, out ? resolve(out) : undefined).then(
      (file) => console.log(`wrote ${file}`),
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
}
