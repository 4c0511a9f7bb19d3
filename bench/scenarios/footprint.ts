/**
 * Scenario 7: cold start time (spawn → first 200 on /ready) and idle RSS of each role: `api`,
 * `orchestrator` (PostgreSQL + Redis) and embedded `start` (PGlite, new data folder and reopened).
 * Each in the production form (the compiled build on plain node, as the image runs it) and, for
 * comparison, the development form (the sources through tsx), interleaved so that both see the
 * same machine. Baseline: the bare Fastify server started the same way, in the same run.
 * Embedded (issue 14 part 6), in the production form: a new data folder from the migrated template
 * the image ships (database.pglite_template), and PGlite's shared_buffers (16MB) against the old
 * setting (PostgreSQL's 128MB) on a new and on a reopened folder, side by side; and the template
 * start with V8's optimizing WebAssembly compiler on (database.pglite_wasm_optimizer, the behaviour
 * before it became opt-in) against the default (baseline compiler only).
 */
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import type { NodeProcess } from '../lib/proc.ts';
import {
  defaultForm,
  isolate,
  migrateEmbedded,
  startBare,
  startEmbedded,
  startRole,
  tempDir,
  type Form,
} from '../lib/setup.ts';
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

/** The template start with V8's optimizing WebAssembly compiler on, against the default (off). */
function optimizerRows(
  on: ReturnType<typeof summary> | undefined,
  off: ReturnType<typeof summary>,
  how: string,
): Row[] {
  if (!on) return [];
  const label = 'wasm optimizer on (before)';
  return [
    row({
      id: 'footprint.start_template_optimizer.rss',
      label: `embedded start idle RSS, from the template, wasm optimizer on (the old behaviour)${how}`,
      value: on.idle_rss_mb,
      unit: 'MB',
    }),
    row({
      id: 'footprint.start_template_optimizer.peak',
      label: `embedded start peak RSS, from the template, wasm optimizer on (the old behaviour)${how}`,
      value: on.peak_rss_mb,
      unit: 'MB',
    }),
    row({
      id: 'footprint.start_template_optimizer.ready',
      label: `embedded start, from the template, wasm optimizer on (the old behaviour), to /ready${how}`,
      value: on.ready_ms / 1000,
      unit: 's',
    }),
    row({
      id: 'footprint.start_template.rss_vs_optimizer',
      label: `embedded start idle RSS, from the template, against the wasm optimizer on${how}`,
      value: off.idle_rss_mb,
      unit: 'MB',
      baseline: { label, value: on.idle_rss_mb, unit: 'MB' },
    }),
    row({
      id: 'footprint.start_template.ready_vs_optimizer',
      label: `embedded start from the template to /ready, against the wasm optimizer on${how}`,
      value: off.ready_ms / 1000,
      unit: 's',
      baseline: { label, value: on.ready_ms / 1000, unit: 's' },
    }),
  ];
}

export const footprint: Scenario = {
  name: 'footprint',
  title: 'Idle RSS and cold start to /ready of each role',
  timeoutMs: (tiny) => (tiny ? 240_000 : 2_700_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    const repeats = ctx.tiny ? 1 : 3;
    const idleMs = ctx.tiny ? 1000 : 10_000;
    const iso = await isolate(ctx, 'footprint');
    // The tsx form is measured beside the compiled one, unless the run is in the tsx form already.
    const forms: Form[] = defaultForm() === 'compiled' ? ['compiled', 'tsx'] : ['tsx'];
    const suffix = (form: Form) => (form === 'tsx' && forms.length > 1 ? '_tsx' : '');
    const launches: [string, () => Promise<{ proc: NodeProcess; readyMs: number }>][] = [];
    for (const form of forms) {
      const s = suffix(form);
      launches.push(
        [`bare${s}`, () => startBare(ctx, `bare-fastify${s}`, form)],
        [`api${s}`, () => startRole(ctx, 'api', iso, { name: `api${s}`, form })],
        [`orchestrator${s}`, () => startRole(ctx, 'orchestrator', iso, { name: `orchestrator${s}`, form })],
      );
      // Embedded start is measured in the full run; the tiny run's ingest scenario starts it too.
      if (!ctx.tiny) {
        launches.push([`start_new${s}`, () => startEmbedded(ctx, { name: `start-new${s}`, form })]);
        // Reopening an existing data folder (the everyday restart), initialised once per form.
        const dataDir = tempDir(ctx, 'tw-bench-reopen-');
        let initialised = false;
        launches.push([
          `start_reopen${s}`,
          async () => {
            if (!initialised) {
              await measure(ctx, 0, () => startEmbedded(ctx, { name: `start-init${s}`, dataDir, form }));
              initialised = true;
            }
            return startEmbedded(ctx, { name: `start-reopen${s}`, dataDir, form });
          },
        ]);
        if (form === defaultForm()) {
          const old = { TW_DATABASE__PGLITE_SHARED_BUFFERS: '128MB' };
          launches.push(
            [`start_new_128mb`, () => startEmbedded(ctx, { name: 'start-new-128mb', form, extraEnv: old })],
            [
              `start_reopen_128mb`,
              () => startEmbedded(ctx, { name: 'start-reopen-128mb', dataDir, form, extraEnv: old }),
            ],
          );
          // The template is made once, by `migrate`, as the image's build makes it.
          const template = tempDir(ctx, 'tw-bench-template-');
          let made = false;
          const makeTemplate = async () => {
            if (!made) {
              ctx.log(`template made by migrate in ${Math.round(await migrateEmbedded(template, form))} ms`);
              made = true;
            }
          };
          launches.push([
            'start_template_optimizer',
            async () => {
              await makeTemplate();
              return startEmbedded(ctx, {
                name: 'start-template-optimizer',
                form,
                extraEnv: {
                  TW_DATABASE__PGLITE_TEMPLATE: template,
                  TW_DATABASE__PGLITE_WASM_OPTIMIZER: 'true',
                },
              });
            },
          ]);
          launches.push([
            'start_template',
            async () => {
              await makeTemplate();
              return startEmbedded(ctx, {
                name: 'start-template',
                form,
                extraEnv: { TW_DATABASE__PGLITE_TEMPLATE: template },
              });
            },
          ]);
        }
      }
    }
    // Round robin (every process once per repeat) so that a busy moment of the shared machine
    // does not fall on one form or role only.
    const samples: Record<string, Sample[]> = Object.fromEntries(launches.map(([name]) => [name, []]));
    for (let i = 0; i < repeats; i++) {
      for (const [name, launch] of launches) {
        ctx.checkpoint();
        const sample = await measure(ctx, idleMs, launch);
        samples[name]!.push(sample);
        ctx.log(`${name}: ready ${sample.ready_ms} ms, idle ${sample.idle_rss_mb} MB`);
      }
    }
    const results = Object.fromEntries(Object.entries(samples).map(([name, x]) => [name, summary(x)]));

    const rows: Row[] = [];
    for (const form of forms) {
      const s = suffix(form);
      const how = forms.length > 1 ? (form === 'compiled' ? ' (compiled)' : ' (tsx)') : '';
      const bare = results[`bare${s}`]!;
      const rssBase = { label: `bare Fastify${how}`, value: bare.idle_rss_mb, unit: 'MB' };
      const startBase = { label: `bare Fastify${how}`, value: bare.ready_ms / 1000, unit: 's' };
      const r = (name: string) => results[`${name}${s}`];
      const production = form === defaultForm();
      rows.push(
        row({
          id: `footprint.api${s}.rss`,
          label: `api idle RSS${how}`,
          value: r('api')!.idle_rss_mb,
          unit: 'MB',
          // The target is the production form's.
          ...(production ? { target: { op: '<' as const, value: 150 } } : {}),
          seed: 'requests 512Mi, limit 2Gi',
          baseline: rssBase,
        }),
        row({
          id: `footprint.orchestrator${s}.rss`,
          label: `orchestrator idle RSS${how}`,
          value: r('orchestrator')!.idle_rss_mb,
          unit: 'MB',
          seed: 'requests 512Mi, limit 2Gi',
          baseline: rssBase,
        }),
        row({
          id: `footprint.bare${s}.rss`,
          label: `bare Fastify idle RSS${how} (baseline)`,
          value: bare.idle_rss_mb,
          unit: 'MB',
        }),
        row({
          id: `footprint.api${s}.ready`,
          label: `api cold start to /ready${how}`,
          value: r('api')!.ready_ms / 1000,
          unit: 's',
          baseline: startBase,
        }),
        row({
          id: `footprint.orchestrator${s}.ready`,
          label: `orchestrator cold start to /ready${how}`,
          value: r('orchestrator')!.ready_ms / 1000,
          unit: 's',
          baseline: startBase,
        }),
        row({
          id: `footprint.bare${s}.ready`,
          label: `bare Fastify to ready${how} (baseline)`,
          value: bare.ready_ms / 1000,
          unit: 's',
        }),
      );
      const embedded = r('start_new');
      const reopen = r('start_reopen');
      const templated = production ? results.start_template : undefined;
      if (templated && embedded && reopen) {
        const old = results.start_new_128mb!;
        const oldReopen = results.start_reopen_128mb!;
        const oldRss = { label: 'new data dir, shared_buffers 128MB', value: old.idle_rss_mb, unit: 'MB' };
        const oldPeak = { label: 'new data dir, shared_buffers 128MB', value: old.peak_rss_mb, unit: 'MB' };
        const oldReady = {
          label: 'new data dir, shared_buffers 128MB',
          value: old.ready_ms / 1000,
          unit: 's',
        };
        rows.push(
          row({
            id: 'footprint.start_template.rss',
            label: `embedded start idle RSS, new data dir from the template${how}`,
            value: templated.idle_rss_mb,
            unit: 'MB',
            target: { op: '<', value: 250 },
            baseline: oldRss,
          }),
          row({
            id: 'footprint.start_template.peak',
            label: `embedded start peak RSS, new data dir from the template${how}`,
            value: templated.peak_rss_mb,
            unit: 'MB',
            baseline: oldPeak,
          }),
          row({
            id: 'footprint.start_template.ready',
            label: `embedded start, new data dir from the template, to /ready${how}`,
            value: templated.ready_ms / 1000,
            unit: 's',
            target: { op: '<', value: 3 },
            baseline: oldReady,
          }),
          ...optimizerRows(results.start_template_optimizer, templated, how),
          row({
            id: 'footprint.start_new.peak',
            label: `embedded start peak RSS, new data dir (initdb), shared_buffers 16MB${how}`,
            value: embedded.peak_rss_mb,
            unit: 'MB',
            baseline: oldPeak,
          }),
          row({
            id: 'footprint.start_new_128mb.rss',
            label: `embedded start idle RSS, new data dir, shared_buffers 128MB (old setting)${how}`,
            value: old.idle_rss_mb,
            unit: 'MB',
          }),
          row({
            id: 'footprint.start_new_128mb.peak',
            label: `embedded start peak RSS, new data dir, shared_buffers 128MB (old setting)${how}`,
            value: old.peak_rss_mb,
            unit: 'MB',
          }),
          row({
            id: 'footprint.start_new_128mb.ready',
            label: `embedded start, new data dir, shared_buffers 128MB (old setting), to /ready${how}`,
            value: old.ready_ms / 1000,
            unit: 's',
          }),
          row({
            id: 'footprint.start_reopen.rss',
            label: `embedded start idle RSS, existing data dir${how}`,
            value: reopen.idle_rss_mb,
            unit: 'MB',
            baseline: { label: 'shared_buffers 128MB', value: oldReopen.idle_rss_mb, unit: 'MB' },
          }),
          row({
            id: 'footprint.start_reopen_128mb.rss',
            label: `embedded start idle RSS, existing data dir, shared_buffers 128MB (old setting)${how}`,
            value: oldReopen.idle_rss_mb,
            unit: 'MB',
          }),
        );
      }
      if (embedded && reopen) {
        rows.push(
          row({
            id: `footprint.start${s}.rss`,
            label: `embedded start idle RSS${how}`,
            value: embedded.idle_rss_mb,
            unit: 'MB',
            baseline: rssBase,
          }),
          row({
            id: `footprint.start_new${s}.ready`,
            label: `embedded start, new data dir, to /ready${how}`,
            value: embedded.ready_ms / 1000,
            unit: 's',
            baseline: startBase,
          }),
          row({
            id: `footprint.start_reopen${s}.ready`,
            label: `embedded start, existing data dir, to /ready${how}`,
            value: reopen.ready_ms / 1000,
            unit: 's',
            baseline: startBase,
          }),
        );
      }
    }
    const checks: Check[] = Object.entries(results).map(([name, r]) => ({
      name: `${name}: started and measured`,
      ok: r.samples.length === repeats && r.samples.every((s) => s.ready_ms > 0 && s.idle_rss_mb > 0),
      detail: `${r.samples.length} sample(s)`,
    }));
    const compiled = forms.includes('compiled');
    return {
      rows,
      checks,
      details: { repeats, idle_ms: idleMs, forms, roles: results },
      notes: [
        compiled
          ? 'Production form ("compiled"): `node <build>/cli/main.js <role>`, the build of `npm run build` (tsconfig.build.json, compiled from the current sources into tmp/bench/build/) on plain node, as the image runs it; the bare Fastify baseline is plain node on JavaScript too. Rows marked (tsx) run `node bin/triage-warden.js <role>` (development form: the sources through tsx, whose loader runs in its own thread) against bare Fastify through tsx.'
          : 'Development form only (--tsx): `node bin/triage-warden.js <role>`, the sources through tsx, against bare Fastify through tsx.',
        'Cold start = spawn until GET /ready answers 200 (polled every 25 ms): loading the modules (tsx: transpiling them, its cache warm after the first run), connecting PostgreSQL and Redis and checking migrations.',
        '`wasm optimizer on` rows: the template start with TW_DATABASE__PGLITE_WASM_OPTIMIZER=true (V8 tiers hot PGlite functions up to TurboFan, the behaviour before the setting existed), in the same rounds.',
        "Embedded rows of the production form: `start_template` starts a new data folder from a template made by `triage-warden migrate` (database.pglite_template, as the image ships it); `128MB` rows run with TW_DATABASE__PGLITE_SHARED_BUFFERS=128MB, the setting before issue 14 (PostgreSQL's default), in the same rounds. Peak RSS = VmHWM of the process.",
        `Idle RSS = median of 5 samples of VmRSS after ${idleMs / 1000} s idle; forms and roles are measured round robin, ${repeats} time(s) each.`,
      ],
    };
  },
};
