/**
 * The shape of a scenario's JSON (bench/results/<scenario>.json) and the table printed for it.
 * docs/BENCHMARKS.md is generated from these files by bench/report.ts.
 */
import { round } from './stats.ts';

export type Comparator = '>=' | '<=' | '<' | '>';

/** One reported figure. `ratio` = value / baseline.value when the scenario runs a baseline. */
export interface Row {
  /** Stable key, e.g. `api.incident_by_id.rps`. */
  id: string;
  label: string;
  value: number;
  unit: string;
  /** The issue-5 target this figure answers, when there is one. */
  target?: { op: Comparator; value: number };
  /** Whether the target is met (absent without a target). */
  met?: boolean;
  /** The seed's per-instance figure (seed/scaling.md), as text. */
  seed?: string;
  baseline?: { label: string; value: number; unit: string };
  ratio?: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface Machine {
  host_cpus: number;
  cpu_model: string;
  memory_gb: number;
  kernel: string;
  node: string;
  postgres?: string;
  redis?: string;
  git_commit?: string;
}

export interface ProfileSummary {
  process: string;
  file: string;
  window_ms: number;
  sampled_ms: number;
  /** Share of the window the process spent off-CPU ((idle) samples). */
  idle_pct: number;
  gc_pct: number;
  top_functions: { function: string; location: string; self_ms: number; self_pct: number }[];
  by_module: { module: string; self_ms: number; self_pct: number }[];
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  config: 'tiny' | 'full';
  /** The command that reproduces this file. */
  command: string;
  started_at: string;
  finished_at: string;
  duration_s: number;
  machine: Machine;
  /** 1/5/15-minute load averages before and after the run. */
  load: { before: number[]; after: number[] };
  /** True when the 1-minute load average before the run was above 1.5: other work shared the cores. */
  noisy: boolean;
  ok: boolean;
  error?: string;
  rows: Row[];
  checks: Check[];
  details: Record<string, unknown>;
  notes: string[];
  profiles: ProfileSummary[];
}

export function row(r: Omit<Row, 'met' | 'ratio'> & { ratio?: number }): Row {
  const out: Row = { ...r, value: round(r.value, r.value >= 100 ? 0 : 2) };
  if (r.target) out.met = compare(r.value, r.target.op, r.target.value);
  if (r.baseline && r.ratio === undefined && r.baseline.value > 0)
    out.ratio = round(r.value / r.baseline.value, 3);
  else if (r.ratio !== undefined) out.ratio = round(r.ratio, 3);
  return out;
}

function compare(v: number, op: Comparator, t: number): boolean {
  switch (op) {
    case '>=':
      return v >= t;
    case '<=':
      return v <= t;
    case '<':
      return v < t;
    case '>':
      return v > t;
  }
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return String(Math.round(v));
  return String(round(v, 2));
}

export function targetText(r: Row): string {
  return r.target ? `${r.target.op} ${formatNumber(r.target.value)} ${r.unit}` : '';
}

/** A fixed-width table of the rows, for the terminal. */
export function renderTable(result: ScenarioResult): string {
  const header = ['metric', 'value', 'target', 'met', 'seed', 'baseline', 'ratio'];
  const lines = result.rows.map((r) => [
    r.label,
    `${formatNumber(r.value)} ${r.unit}`,
    targetText(r),
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.seed ?? '',
    r.baseline ? `${r.baseline.label}: ${formatNumber(r.baseline.value)} ${r.baseline.unit}` : '',
    r.ratio === undefined ? '' : String(r.ratio),
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...lines.map((l) => l[i]!.length))));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [
    `== ${result.scenario} (${result.config}) — ${result.title}`,
    `   load before ${result.load.before.join(' ')}${result.noisy ? '  (NOISY: other work on the cores)' : ''}, ${result.duration_s} s`,
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
  ];
  for (const c of result.checks)
    out.push(`   check ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
  for (const p of result.profiles) {
    out.push(`   profile ${p.process}: ${p.file} (idle ${p.idle_pct}%, gc ${p.gc_pct}%)`);
    for (const f of p.top_functions.slice(0, 8))
      out.push(`     ${String(f.self_pct).padStart(5)}%  ${f.function}  ${f.location}`);
  }
  if (result.error) out.push(`   ERROR ${result.error}`);
  return out.join('\n');
}
