// The bench figures in the docs are generated from the committed bench/results/*.json: re-rendering
// them must give the docs as committed (docs/BENCHMARKS.md, and the bench:NAME blocks of SCALING.md,
// DEPLOYMENT.md and README.md). Fix a failure with `node --import tsx bench/report.ts`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyBlock, DOC_BLOCKS, Figures, keptBlocks, type DocBlock } from '../../bench/docs-blocks.ts';
import type { ScenarioResult } from '../../bench/lib/result.ts';
import { staleDocs } from '../../bench/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');
const files = readdirSync(RESULTS).filter((f) => f.endsWith('.json'));

describe('bench figures in the docs', () => {
  it('the results are committed full runs, one file per scenario', () => {
    expect(files.length).toBeGreaterThan(0);
    const tracked = execFileSync('git', ['ls-files', '--', 'bench/results'], { cwd: ROOT, encoding: 'utf8' });
    for (const f of files) {
      const r = JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as ScenarioResult;
      expect(`${r.scenario}.json`).toBe(f);
      expect(r.config, `${f}: a --tiny run is not a measurement`).toBe('full');
      expect(r.rows.length, f).toBeGreaterThan(0);
      // Not ignored: a regenerated file shows up in `git status`.
      expect(() =>
        execFileSync('git', ['check-ignore', '-q', `bench/results/${f}`], { cwd: ROOT }),
      ).toThrow();
      if (tracked) expect(tracked, `${f} is committed`).toContain(`bench/results/${f}`);
    }
  });

  it('every generated doc equals what the committed results give', async () => {
    expect(await staleDocs()).toEqual([]);
  }, 60_000);

  it('each doc block names figures its scenario reports, none "not measured"', () => {
    const results = files.map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as ScenarioResult);
    const figures = new Figures(results);
    for (const block of DOC_BLOCKS) {
      const text = block.render(figures);
      // A scenario renamed a row id, or its results file is missing.
      expect(text, `${block.file} bench:${block.name}`).not.toMatch(/not measured|NaN|undefined/);
    }
  });
});

describe('doc blocks', () => {
  const figures = new Figures([
    {
      scenario: 's',
      noisy: true,
      config: 'full',
      rows: [{ id: 'x', label: 'x', value: 15104.4, unit: 'req/s' }],
    } as unknown as ScenarioResult,
  ]);
  const block = (render: DocBlock['render']): DocBlock => ({ file: 'doc.md', name: 'b', render });

  it('a block on its own lines holds Markdown, a block inside a line a phrase', () => {
    const own = applyBlock(
      'a\n<!-- bench:b:start -->\nold\n<!-- bench:b:end -->\nz',
      block((f) => `| ${f.value('x')}${f.mark('x')} |`),
      figures,
    );
    expect(own).toBe('a\n<!-- bench:b:start -->\n\n| 15,104 req/s ⚠ |\n\n<!-- bench:b:end -->\nz');
    const inline = applyBlock(
      'It does <!-- bench:b:start -->old<!-- bench:b:end --> here.',
      block((f) => f.value('y')),
      figures,
    );
    expect(inline).toBe('It does <!-- bench:b:start -->not measured<!-- bench:b:end --> here.');
  });

  it('missing markers are an error, not a doc that silently keeps old figures', () => {
    expect(() =>
      applyBlock(
        'no markers',
        block(() => ''),
        figures,
      ),
    ).toThrow(/markers <!-- bench:b:start -->/);
  });

  it('hand-written keep blocks are found for the regenerated BENCHMARKS.md to carry over', () => {
    const text =
      'gen\n<!-- keep:a:start -->\nmine\n<!-- keep:a:end -->\ngen\n<!-- keep:b:start -->x<!-- keep:b:end -->';
    expect(keptBlocks(text)).toEqual([
      '<!-- keep:a:start -->\nmine\n<!-- keep:a:end -->',
      '<!-- keep:b:start -->x<!-- keep:b:end -->',
    ]);
  });
});
