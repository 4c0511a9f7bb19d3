/**
 * The benchmark suite of issue 5: `npm run bench -- [scenario|all] [--tiny] [--profile] [--regenerate]`.
 *
 *   --tiny         a configuration small enough for CI (seconds per scenario); figures are not measurements
 *   --profile      CPU-profile the process under test (node --cpu-prof) and summarise its hot spots
 *   --regenerate   complex-query: rebuild the 1,000,000-incident database even if it exists
 *   --out <dir>    where the JSON goes (default bench/results); docs/BENCHMARKS.md is regenerated only
 *                  for the default folder, unless --no-report
 *   --tsx          run the binary from its sources through tsx (the development form) instead of
 *                  the compiled build
 *
 * The binary runs as production runs it: the compiled build (tsconfig.build.json, as the Dockerfile
 * builds it), compiled first from the current sources into a snapshot (bench/lib/build.ts).
 *
 * Each scenario is bounded in time, runs its baseline in the same run, prints a table and writes
 * <out>/<scenario>.json. The exit code is 1 when a scenario failed or one of its checks did not hold
 * (a missed performance target is reported, not a failure).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuild } from './lib/build.ts';
import { killAllChildren, REPO_ROOT } from './lib/proc.ts';
import { renderTable, type ScenarioResult } from './lib/result.ts';
import { RunContext } from './lib/scenario.ts';
import { checkServices, describeMachine } from './lib/services.ts';
import { useCompiledBuild } from './lib/setup.ts';
import { round } from './lib/stats.ts';
import { writeReport } from './report.ts';
import { SCENARIOS } from './scenarios/index.ts';

const NOISY_LOAD = 1.5;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      tiny: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      regenerate: { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const names = SCENARIOS.map((s) => s.name);
  if (values.help) {
    console.log(
      `npm run bench -- [${['all', ...names].join('|')}] [--tiny] [--profile] [--regenerate] [--out dir] [--no-report] [--tsx]`,
    );
    return 0;
  }
  const wanted = positionals.length === 0 || positionals.includes('all') ? names : positionals;
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length) {
    console.error(`unknown scenario: ${unknown.join(', ')} (known: ${names.join(', ')})`);
    return 2;
  }
  const defaultOut = join(REPO_ROOT, 'bench', 'results');
  const outDir = values.out ? resolve(values.out) : defaultOut;
  mkdirSync(outDir, { recursive: true });
  await checkServices();
  let binary = 'node bin/triage-warden.js (sources through tsx)';
  if (!values.tsx) {
    const build = await ensureBuild((m) => console.error(m));
    useCompiledBuild(build);
    binary = `node ${relative(REPO_ROOT, build.entry)} (compiled build of the sources ${build.hash})`;
  }
  const machine = await describeMachine();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  let failed = 0;
  for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.name))) {
    const tiny = values.tiny ?? false;
    const before = os.loadavg().map((l) => round(l, 2));
    if (!tiny && before[0]! > NOISY_LOAD) {
      console.error(
        `[${scenario.name}] load average ${before.join(' ')} > ${NOISY_LOAD}: figures will be noisy`,
      );
    }
    const controller = new AbortController();
    const bound = scenario.timeoutMs(tiny);
    const timer = setTimeout(
      () => controller.abort(new Error(`scenario exceeded its time bound of ${bound / 1000} s`)),
      bound,
    );
    const ctx = new RunContext(
      scenario.name,
      tiny,
      values.regenerate ?? false,
      values.profile ?? false,
      join(REPO_ROOT, 'tmp', 'bench', `${stamp}-${scenario.name}`),
      controller.signal,
    );
    const started = new Date();
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }),
    );
    aborted.catch(() => {});
    let output: Awaited<ReturnType<typeof scenario.run>> | undefined;
    let error: string | undefined;
    try {
      output = await Promise.race([scenario.run(ctx), aborted]);
    } catch (err) {
      error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    } finally {
      clearTimeout(timer);
      await ctx.cleanup();
      if (controller.signal.aborted) killAllChildren();
    }
    const finished = new Date();
    const checks = output?.checks ?? [];
    const result: ScenarioResult = {
      scenario: scenario.name,
      title: scenario.title,
      config: tiny ? 'tiny' : 'full',
      command: `npm run bench -- ${scenario.name}${tiny ? ' --tiny' : ''}${values.profile ? ' --profile' : ''}${values.tsx ? ' --tsx' : ''}`,
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
      duration_s: round((finished.getTime() - started.getTime()) / 1000, 1),
      machine,
      load: { before, after: os.loadavg().map((l) => round(l, 2)) },
      noisy: before[0]! > NOISY_LOAD,
      ok: !error && checks.every((c) => c.ok),
      ...(error ? { error: error.split('\n').slice(0, 12).join('\n') } : {}),
      rows: output?.rows ?? [],
      checks,
      details: { ...(output?.details ?? {}), binary, logs: relative(REPO_ROOT, ctx.logDir) },
      notes: output?.notes ?? [],
      profiles: ctx.profiles,
    };
    if (!result.ok) failed++;
    const json = `${JSON.stringify(result, null, 2)}\n`;
    writeFileSync(join(outDir, `${scenario.name}.json`), json);
    // A copy beside the run's logs, so an earlier run stays at hand when a noisy one replaces it.
    writeFileSync(join(ctx.logDir, 'result.json'), json);
    console.log(`${renderTable(result)}\n`);
  }
  if (outDir === defaultOut && !values['no-report']) {
    const doc = await writeReport();
    console.log(`wrote ${doc}`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    killAllChildren();
    process.exitCode = code;
    // Pools and sockets of a failed scenario must not keep the process alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    killAllChildren();
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
