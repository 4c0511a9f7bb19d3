import { readFile, writeFile } from 'node:fs/promises';
import type { Config } from '../config/index.ts';
import { CLASSIFICATIONS } from '../contracts/index.ts';
import { parseDataset, SPLITS, type Split } from '../core/triage/evaluation/dataset.ts';
import type { EvalMetrics } from '../core/triage/evaluation/metrics.ts';
import { createAnalyzerForEval, EvalAnalyzerUnavailable } from './eval/analyzer-factory.ts';
import { runEvaluation, type EvalRun } from './eval/eval-runner.ts';

export interface EvalArgs {
  dataset: string | undefined;
  analyzer: string | undefined;
  report: string | undefined;
  split: string | undefined;
}

/** Most dataset problems printed before "… and N more". */
const MAX_PROBLEMS = 20;

/**
 * `triage-warden eval --dataset FILE.jsonl [--analyzer deterministic|llm] [--report FILE.json]
 * [--split tune|holdout|all]`: runs a labelled dataset through ingest parsing, offline enrichment and
 * an analyzer, and prints accuracy, per-class precision/recall/F1, the confusion matrix, the
 * calibration table and ECE, and the malicious→benign miss rate, for the selected cases and for each
 * split. Exit 0 when it ran, 2 for bad arguments or a bad dataset (every bad line is listed).
 */
export async function runEval(config: Config, args: EvalArgs): Promise<number> {
  if (!args.dataset) {
    console.error(
      'usage: triage-warden eval --dataset FILE.jsonl [--analyzer deterministic|llm] [--report FILE.json] [--split tune|holdout|all]',
    );
    return 2;
  }
  const split = args.split ?? 'all';
  if (split !== 'all' && !(SPLITS as readonly string[]).includes(split)) {
    console.error(`triage-warden eval: --split must be tune, holdout or all`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(args.dataset, 'utf8');
  } catch (err) {
    console.error(
      `triage-warden eval: cannot read ${args.dataset}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
    return 2;
  }
  const { cases, problems } = parseDataset(text);
  if (problems.length) return reportProblems(args.dataset, problems);
  if (cases.length === 0) {
    console.error(`triage-warden eval: ${args.dataset} holds no cases`);
    return 2;
  }
  let analyzer;
  try {
    analyzer = await createAnalyzerForEval(args.analyzer ?? 'deterministic', config);
  } catch (err) {
    if (err instanceof EvalAnalyzerUnavailable) {
      console.error(`triage-warden eval: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const selected = split === 'all' ? cases : cases.filter((c) => c.split === split);
  const run = await runEvaluation(selected, analyzer);
  if (run.problems.length) return reportProblems(args.dataset, run.problems);

  console.log(render(run, { dataset: args.dataset, analyzer: analyzer.name, split }));
  if (args.report) {
    const report = {
      dataset: args.dataset,
      analyzer: analyzer.name,
      split,
      ...run.metrics,
      by_split: split === 'all' ? run.by_split : { [split]: run.metrics },
      cases: run.results,
    };
    try {
      await writeFile(args.report, `${JSON.stringify(report, null, 2)}\n`);
    } catch (err) {
      console.error(
        `triage-warden eval: cannot write ${args.report}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
      return 2;
    }
    console.log(`\nreport written to ${args.report}`);
  }
  return 0;
}

function reportProblems(file: string, problems: ReadonlyArray<{ line: number; message: string }>): number {
  console.error(`triage-warden eval: ${file} has ${problems.length} bad line(s):`);
  for (const p of problems.slice(0, MAX_PROBLEMS)) console.error(`  ${file}:${p.line}: ${p.message}`);
  if (problems.length > MAX_PROBLEMS) console.error(`  … and ${problems.length - MAX_PROBLEMS} more`);
  return 2;
}

const f = (x: number | null, digits = 3): string => (x === null ? '–' : x.toFixed(digits));
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

/** The figures of one set of cases, as text. */
export function renderMetrics(m: EvalMetrics): string {
  const out: string[] = [];
  out.push(
    `cases ${m.cases}   accuracy ${f(m.accuracy)}   ECE ${f(m.ece)}   malicious→benign ${m.malicious_as_benign} (${f(m.malicious_as_benign_rate)})` +
      (m.incident_type_cases
        ? `   incident type accuracy ${f(m.incident_type_accuracy)} (${m.incident_type_cases} cases)`
        : ''),
  );
  out.push('');
  out.push(
    `${pad('class', 14)}${lpad('precision', 10)}${lpad('recall', 8)}${lpad('F1', 7)}${lpad('support', 9)}`,
  );
  for (const k of CLASSIFICATIONS) {
    const s = m.per_class[k];
    out.push(
      `${pad(k, 14)}${lpad(f(s.precision), 10)}${lpad(f(s.recall), 8)}${lpad(f(s.f1), 7)}${lpad(String(s.support), 9)}`,
    );
  }
  out.push('');
  out.push(`confusion (rows expected, columns predicted)`);
  out.push(`${pad('', 14)}${CLASSIFICATIONS.map((k) => lpad(k, 13)).join('')}`);
  for (const e of CLASSIFICATIONS) {
    out.push(`${pad(e, 14)}${CLASSIFICATIONS.map((p) => lpad(String(m.confusion[e][p]), 13)).join('')}`);
  }
  out.push('');
  out.push('calibration (confidence bin: cases, mean confidence, accuracy)');
  for (const b of m.calibration) {
    if (b.count === 0) continue;
    out.push(
      `  [${b.from.toFixed(1)}, ${b.to.toFixed(1)}${b.to === 1 ? ']' : ')'}  ${lpad(String(b.count), 4)}  ${f(b.mean_confidence, 2)}  ${f(b.accuracy, 2)}`,
    );
  }
  return out.join('\n');
}

function render(run: EvalRun, ctx: { dataset: string; analyzer: string; split: string }): string {
  const parts = [
    `${ctx.dataset}: analyzer ${ctx.analyzer}, split ${ctx.split}`,
    '',
    renderMetrics(run.metrics),
  ];
  if (ctx.split === 'all') {
    for (const s of SPLITS) {
      const m = run.by_split[s as Split];
      if (m.cases === 0) continue;
      parts.push('', `— ${s} split —`, renderMetrics(m));
    }
  }
  return parts.join('\n');
}
