/**
 * The bench figures that docs other than BENCHMARKS.md quote, generated from bench/results/*.json
 * between markers, so no doc keeps a measured figure by hand:
 *
 *   <!-- bench:NAME:start -->…<!-- bench:NAME:end -->
 *
 * A block whose markers stand on their own lines holds Markdown (a table); a block inside a line
 * holds a phrase. `bench/report.ts` rewrites them with BENCHMARKS.md; `test/bench/docs-figures.test.ts`
 * re-renders them from the committed results and fails when a doc differs.
 */
import { formatNumber, type Row, type ScenarioResult } from './lib/result.ts';

/** One generated block: the doc it lives in, its marker name and what it renders. */
export interface DocBlock {
  /** Path from the repository root. */
  file: string;
  name: string;
  render: (figures: Figures) => string;
}

/** The results of a run, looked up by row id (`api.live.rps`, `footprint.api.rss`, …). */
export class Figures {
  private readonly rows = new Map<string, { result: ScenarioResult; row: Row }>();

  constructor(readonly results: ScenarioResult[]) {
    for (const result of results) for (const row of result.rows) this.rows.set(row.id, { result, row });
  }

  /** The row, or undefined when its scenario was not run (or did not report it). */
  find(id: string): Row | undefined {
    return this.rows.get(id)?.row;
  }

  /** `15,104 req/s`; `not measured` when the row is absent. */
  value(id: string, unit = true): string {
    const row = this.find(id);
    if (!row) return 'not measured';
    return `${formatNumber(row.value)}${unit && row.unit ? ` ${row.unit}` : ''}`;
  }

  /** ` ⚠` when the run behind the row was noisy, ` (tiny run)` when it was not a measurement. */
  mark(id: string): string {
    const result = this.rows.get(id)?.result;
    if (!result) return '';
    return `${result.noisy ? ' ⚠' : ''}${result.config === 'tiny' ? ' (tiny run)' : ''}`;
  }
}

function capacity(f: Figures): string {
  const v = (id: string, unit = true) => f.value(id, unit);
  const orchestrators = [1, 2, 4].filter((n) => f.find(`orch.${n}.rate`));
  const ideal = orchestrators.map((n) => formatNumber(f.find(`orch.${n}.rate`)!.baseline?.value ?? NaN));
  const latency = /\/(\d+) ms$/.exec(f.find('orch.1.rate')?.baseline?.label ?? '')?.[1];
  const rows: [string, string, string, string][] = [
    [
      'simple-endpoint',
      '`GET /live`, one `api`',
      `${v('api.live.rps')}, p99 ${v('api.live.p99')} (bare Fastify ${v('bare.rps')})${f.mark('api.live.rps')}`,
      '~500 req/s (simple endpoints)',
    ],
    [
      'simple-endpoint',
      '`GET /api/v1/incidents/:id`, one `api`',
      `${v('api.incident_by_id.rps')}, p99 ${v('api.incident_by_id.p99')}; detail cache off ${v('api.incident_by_id_uncached.rps')}${f.mark('api.incident_by_id.rps')}`,
      '~500 req/s',
    ],
    [
      'complex-query',
      '`GET /api/v1/incidents` (filters, sort, `q`) on 1,000,000 incidents, one `api`',
      `${v('complex.mixed.rps')} over 6 query shapes, p99 ${v('complex.mixed.p99')}${f.mark('complex.mixed.rps')}`,
      '~100 req/s (complex queries)',
    ],
    [
      'ingest',
      'signed webhook ingest, one `api` (committed before 202)',
      `${v('ingest.api.rps')}, p99 ${v('ingest.api.p99')}; embedded \`start\` ${v('ingest.embedded.rps')}${f.mark('ingest.api.rps')}`,
      '—',
    ],
    [
      'websockets',
      'WebSocket clients on one `api`',
      `${v('ws.clients', false)} held, fan-out p99 ${v('ws.fanout.p99')}${f.mark('ws.clients')}`,
      '~50 connections',
    ],
    [
      'orchestrators',
      `triage with a ${latency ?? '?'} ms analyst, ${orchestrators.join(' / ')} orchestrators`,
      `${orchestrators.map((n) => v(`orch.${n}.rate`, false)).join(' / ')} incidents/s (ideal ${ideal.join(' / ')})${f.mark('orch.1.rate')}`,
      '~10 incidents, ~5 LLM calls at once',
    ],
    [
      'orchestrators',
      'analyst calls in flight per orchestrator',
      `never above ${v('orch.max_llm_in_flight', false)} (\`orchestrator.concurrency.llm\`)${f.mark('orch.max_llm_in_flight')}`,
      '~5',
    ],
    [
      'failover',
      'leader handover, SIGTERM / kill -9 (median of 5)',
      `${v('failover.sigterm.median')} / ${v('failover.kill9.median')}${f.mark('failover.sigterm.median')}`,
      'lease 15 s, retry 2 s',
    ],
    [
      'footprint',
      'idle RSS `api` / `orchestrator` / embedded `start`',
      `${v('footprint.api.rss', false)} / ${v('footprint.orchestrator.rss', false)} / ${v('footprint.start_template.rss')}${f.mark('footprint.api.rss')}`,
      'requests 512Mi',
    ],
  ];
  const missed = f.results
    .map((r) => ({ r, targets: r.rows.filter((x) => x.met !== undefined) }))
    .map(({ r, targets }) => ({ r, targets, missed: targets.filter((x) => !x.met) }))
    .filter((x) => x.missed.length)
    .map((x) => `${x.r.scenario} ${x.missed.length} of ${x.targets.length}`);
  const runs = [...new Set(f.results.map((r) => r.started_at.slice(0, 10)))].sort();
  const commits = [...new Set(f.results.map((r) => r.machine.git_commit ?? '?'))].sort();
  return [
    '| what | measured | seed’s per-instance figure |',
    '| --- | --- | --- |',
    ...rows.map(([scenario, what, measured, seed]) => {
      const ran = f.results.some((r) => r.scenario === scenario);
      return `| ${what} | ${ran ? measured : `not measured (no \`bench/results/${scenario}.json\`)`} | ${seed} |`;
    }),
    '',
    `Generated by \`bench/report.ts\` from \`bench/results/*.json\` (runs of ${runs.join(', ') || 'none'}, commit ${commits.join(', ') || '?'}).`,
    'Idle RSS is the compiled build; embedded `start` opens a new data folder from the migrated template, as the image does.',
    missed.length
      ? `Issue 5 targets missed in these runs (rows with a target): ${missed.join(', ')} — [BENCHMARKS.md](BENCHMARKS.md#targets-missed) lists them.`
      : 'Every issue 5 target was met in these runs.',
  ].join('\n');
}

/** Compiled build vs the sources through tsx, as the footprint scenario measured them. */
function compiledVsTsx(f: Figures): string {
  return `Compiled, the API idles at ${f.value('footprint.api.rss')} RSS instead of ${f.value('footprint.api_tsx.rss')} and reaches \`/ready\` in ${f.value('footprint.api.ready')} instead of ${f.value('footprint.api_tsx.ready')}`;
}

function tsxSaving(f: Figures): string {
  const compiled = f.find('footprint.api.rss');
  const tsx = f.find('footprint.api_tsx.rss');
  if (!compiled || !tsx) return 'less memory per process (not measured)';
  return `${formatNumber(tsx.value - compiled.value)} MB less memory per API process (${formatNumber(tsx.value)} → ${formatNumber(compiled.value)} MB idle)`;
}

/** Every generated block outside BENCHMARKS.md. */
export const DOC_BLOCKS: DocBlock[] = [
  { file: 'docs/SCALING.md', name: 'capacity', render: capacity },
  { file: 'docs/DEPLOYMENT.md', name: 'compiled-vs-tsx', render: compiledVsTsx },
  { file: 'README.md', name: 'tsx-saving', render: tsxSaving },
];

/**
 * Replaces the content between a block's markers. A block whose start marker ends its line is
 * Markdown on lines of its own; one inside a line is a phrase. Throws when the markers are missing,
 * so a doc cannot silently lose its generated figures.
 */
export function applyBlock(text: string, block: DocBlock, figures: Figures): string {
  const start = `<!-- bench:${block.name}:start -->`;
  const end = `<!-- bench:${block.name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end, i);
  if (i < 0 || j < 0) throw new Error(`${block.file}: markers ${start} … ${end} not found`);
  const own = text[i + start.length] === '\n';
  const body = block.render(figures);
  return `${text.slice(0, i)}${start}${own ? `\n\n${body}\n\n` : body}${text.slice(j)}`;
}

/** The hand-written blocks of BENCHMARKS.md that a regeneration carries over: `<!-- keep:NAME:start -->`. */
export function keptBlocks(text: string): string[] {
  return [...text.matchAll(/<!-- keep:([\w-]+):start -->[\s\S]*?<!-- keep:\1:end -->/g)].map((m) => m[0]);
}
