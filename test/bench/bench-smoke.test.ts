/**
 * Keeps the benchmark suite from rotting: every scenario of bench/run.ts runs in its tiny
 * configuration against the real services, and its JSON must have the expected shape and sane
 * values. No speed threshold is asserted here (timing belongs to the benchmarks themselves).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from '../../bench/lib/chromium.ts';
import type { ScenarioResult } from '../../bench/lib/result.ts';
import { REPO_ROOT } from '../helpers/cluster.ts';
import { requireServices } from '../helpers/services.ts';

const missing = await requireServices(['postgres', 'redis']);
const out = mkdtempSync(join(tmpdir(), 'tw-bench-smoke-'));

/** Row ids each scenario must report in its tiny configuration too. */
const REQUIRED_ROWS: Record<string, string[]> = {
  'simple-endpoint': ['api.incident_by_id.rps', 'api.incident_by_id.p99', 'api.live.rps', 'bare.rps'],
  'complex-query': ['complex.mixed.rps', 'complex.mixed.p99', 'complex.direct_sql.per_s'],
  ingest: ['ingest.api.rps', 'ingest.bare_insert.per_s', 'ingest.embedded.rps', 'ingest.embedded.get.p50'],
  websockets: ['ws.clients', 'ws.fanout.p99', 'ws.memory_per_connection'],
  orchestrators: ['orch.1.rate', 'orch.2.rate', 'orch.2.efficiency', 'orch.max_llm_in_flight'],
  failover: ['failover.sigterm.median', 'failover.kill9.median'],
  // Embedded `start` is measured in the full run only (the tiny ingest scenario starts it already).
  footprint: ['footprint.api.rss', 'footprint.orchestrator.rss', 'footprint.api.ready'],
  // Chromium against 1,000 and 100 incidents (skipped without /usr/bin/chromium).
  dashboard: ['dash.first_rows', 'dash.scroll.to_row', 'dash.dom_rows.max', 'dash.filter.severity'],
};

/** Scenarios that need something beyond the services, and why they skip without it. */
const SKIP: Record<string, string | undefined> = {
  dashboard: hasChromium() ? undefined : `needs Chromium at ${CHROMIUM}`,
};

function runTiny(scenario: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'bench', 'run.ts'),
        scenario,
        '--tiny',
        '--out',
        out,
        '--no-report',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(missing)('bench suite, tiny configuration', () => {
  for (const [scenario, required] of Object.entries(REQUIRED_ROWS)) {
    it.skipIf(SKIP[scenario])(`${scenario} runs and writes sane JSON`, { timeout: 300_000 }, async () => {
      const { code, output } = await runTiny(scenario);
      expect(code, output.slice(-4000)).toBe(0);
      const result = JSON.parse(readFileSync(join(out, `${scenario}.json`), 'utf8')) as ScenarioResult;
      expect(result).toMatchObject({ scenario, config: 'tiny', ok: true });
      expect(result.command).toContain(`npm run bench -- ${scenario} --tiny`);
      expect(Date.parse(result.started_at)).toBeLessThanOrEqual(Date.parse(result.finished_at));
      expect(result.machine.host_cpus).toBeGreaterThan(0);
      expect(result.load.before).toHaveLength(3);
      expect(result.checks.length).toBeGreaterThan(0);
      for (const c of result.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
      const ids = result.rows.map((r) => r.id);
      for (const id of required) expect(ids).toContain(id);
      for (const r of result.rows) {
        expect(Number.isFinite(r.value), `${r.id} = ${r.value}`).toBe(true);
        // A sub-millisecond latency rounds to 0 ms; memory per connection over the tiny run's few
        // clients is within GC noise (it can come out negative). A quiet browser has no long task.
        // Everything else must be positive.
        if (r.unit === 'ms' || r.unit === 'tasks') expect(r.value, r.id).toBeGreaterThanOrEqual(0);
        else if (!r.id.includes('memory')) expect(r.value, r.id).toBeGreaterThan(0);
        if (r.target) expect(typeof r.met).toBe('boolean');
        if (r.baseline) {
          if (r.id.includes('memory') || r.id.includes('longtasks'))
            expect(Number.isFinite(r.baseline.value), `${r.id} baseline`).toBe(true);
          else expect(r.baseline.value, `${r.id} baseline`).toBeGreaterThan(0);
        }
      }
    });
  }
});
