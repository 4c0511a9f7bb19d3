/**
 * Scenario 7: cold start time (spawn → first 200 on /ready) and idle RSS of each role: `api`,
 * `orchestrator` (PostgreSQL + Redis) and embedded `start` (PGlite, new data folder and reopened).
 * Baseline: the bare Fastify server started the same way (node + tsx), in the same run.
 */
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import type { NodeProcess } from '../lib/proc.ts';
import { isolate, startBare, startEmbedded, startRole, tempDir } from '../lib/setup.ts';
import { median, round, sleep } from '../lib/stats.ts';

interface Sample {
  ready_ms: number;
  idle_rss_mb: number;
  peak_rss_mb: number;
}

async function measure(
  ctx: RunContext,
  idleMs: number,
  launch: () => Promise<{ proc: NodeProcess; readyMs: number }>,
): Promise<Sample> {
  const { proc, readyMs } = await launch();
  await sleep(idleMs);
  const rss: number[] = [];
  for (let i = 0; i < 5; i++) {
    rss.push(proc.memory().rss_mb);
    await sleep(200);
  }
  const peak = proc.memory().hwm_mb;
  const exit = await proc.stop();
  if (exit.code !== 0) ctx.log(`${proc.name} exited with ${exit.code ?? exit.signal}`);
  return { ready_ms: round(readyMs, 0), idle_rss_mb: round(median(rss), 1), peak_rss_mb: round(peak, 1) };
}

function summary(samples: Sample[]) {
  return {
    ready_ms: median(samples.map((s) => s.ready_ms)),
    idle_rss_mb: median(samples.map((s) => s.idle_rss_mb)),
    peak_rss_mb: median(samples.map((s) => s.peak_rss_mb)),
    samples,
  };
}

export const footprint: Scenario = {
  name: 'footprint',
  title: 'Idle RSS and cold start to /ready of each role',
  timeoutMs: (tiny) => (tiny ? 240_000 : 900_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    const repeats = ctx.tiny ? 1 : 3;
    const idleMs = ctx.tiny ? 1000 : 10_000;
    const iso = await isolate(ctx, 'footprint');
    const results: Record<string, ReturnType<typeof summary>> = {};
    const roles: [string, () => Promise<{ proc: NodeProcess; readyMs: number }>][] = [
      ['bare', () => startBare(ctx)],
      ['api', () => startRole(ctx, 'api', iso, { name: 'api' })],
      ['orchestrator', () => startRole(ctx, 'orchestrator', iso, { name: 'orchestrator' })],
      // Embedded start is measured in the full run; the tiny run's ingest scenario starts it too.
    ];
    if (!ctx.tiny) roles.push(['start_new', () => startEmbedded(ctx, { name: 'start-new' })]);
    for (const [name, launch] of roles) {
      const samples: Sample[] = [];
      for (let i = 0; i < repeats; i++) {
        ctx.checkpoint();
        samples.push(await measure(ctx, idleMs, launch));
        ctx.log(
          `${name}: ready ${samples[samples.length - 1]!.ready_ms} ms, idle ${samples[samples.length - 1]!.idle_rss_mb} MB`,
        );
      }
      results[name] = summary(samples);
    }
    // Embedded, reopening an existing data folder (the everyday restart); the full run only.
    if (!ctx.tiny) {
      const dataDir = tempDir(ctx, 'tw-bench-reopen-');
      await measure(ctx, 0, () => startEmbedded(ctx, { name: 'start-init', dataDir }));
      const reopen: Sample[] = [];
      for (let i = 0; i < repeats; i++) {
        reopen.push(await measure(ctx, idleMs, () => startEmbedded(ctx, { name: 'start-reopen', dataDir })));
      }
      results.start_reopen = summary(reopen);
    }

    const bare = results.bare!;
    const rssBase = { label: 'bare Fastify', value: bare.idle_rss_mb, unit: 'MB' };
    const startBase = { label: 'bare Fastify', value: bare.ready_ms / 1000, unit: 's' };
    const rows: Row[] = [
      row({
        id: 'footprint.api.rss',
        label: 'api idle RSS',
        value: results.api!.idle_rss_mb,
        unit: 'MB',
        target: { op: '<', value: 150 },
        seed: 'requests 512Mi, limit 2Gi',
        baseline: rssBase,
      }),
      row({
        id: 'footprint.orchestrator.rss',
        label: 'orchestrator idle RSS',
        value: results.orchestrator!.idle_rss_mb,
        unit: 'MB',
        seed: 'requests 512Mi, limit 2Gi',
        baseline: rssBase,
      }),
      row({
        id: 'footprint.bare.rss',
        label: 'bare Fastify idle RSS (baseline)',
        value: bare.idle_rss_mb,
        unit: 'MB',
      }),
      row({
        id: 'footprint.api.ready',
        label: 'api cold start to /ready',
        value: results.api!.ready_ms / 1000,
        unit: 's',
        baseline: startBase,
      }),
      row({
        id: 'footprint.orchestrator.ready',
        label: 'orchestrator cold start to /ready',
        value: results.orchestrator!.ready_ms / 1000,
        unit: 's',
        baseline: startBase,
      }),
      ...(results.start_reopen
        ? [
            row({
              id: 'footprint.start_reopen.ready',
              label: 'embedded start, existing data dir, to /ready',
              value: results.start_reopen.ready_ms / 1000,
              unit: 's',
              baseline: startBase,
            }),
          ]
        : []),
      row({
        id: 'footprint.bare.ready',
        label: 'bare Fastify (node + tsx) to ready (baseline)',
        value: bare.ready_ms / 1000,
        unit: 's',
      }),
    ];
    const embedded = results.start_new;
    if (embedded) {
      rows.push(
        row({
          id: 'footprint.start.rss',
          label: 'embedded start idle RSS',
          value: embedded.idle_rss_mb,
          unit: 'MB',
          baseline: rssBase,
        }),
        row({
          id: 'footprint.start_new.ready',
          label: 'embedded start, new data dir, to /ready',
          value: embedded.ready_ms / 1000,
          unit: 's',
          baseline: startBase,
        }),
      );
    }
    const checks: Check[] = Object.entries(results).map(([name, r]) => ({
      name: `${name}: started and measured`,
      ok: r.samples.length === repeats && r.samples.every((s) => s.ready_ms > 0 && s.idle_rss_mb > 0),
      detail: `${r.samples.length} sample(s)`,
    }));
    return {
      rows,
      checks,
      details: { repeats, idle_ms: idleMs, roles: results },
      notes: [
        'Cold start = spawn of `node bin/triage-warden.js <role>` until GET /ready answers 200 (polled every 25 ms); it includes tsx transpiling the sources (its cache warm after the first run), connecting PostgreSQL and Redis and checking migrations.',
        `Idle RSS = median of 5 samples of VmRSS after ${idleMs / 1000} s idle.`,
      ],
    };
  },
};
