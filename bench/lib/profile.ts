/**
 * Summarises a V8 .cpuprofile (written by `node --cpu-prof`): self time per function and per module,
 * restricted to the load window when one is given. Profile timestamps are CLOCK_MONOTONIC
 * microseconds, the clock of process.hrtime, so a window taken in the bench process applies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProfileSummary } from './result.ts';
import { REPO_ROOT } from './proc.ts';
import { round } from './stats.ts';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Monotonic microseconds now (same clock as V8 profile timestamps on Linux). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The main thread's profile in `dir` (node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile;
 * worker threads, e.g. tsx's loader, write their own with a thread id above 0). The newest one wins.
 */
export function mainThreadProfile(dir: string): string | undefined {
  try {
    const files = readdirSync(dir)
      .filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))
      .sort();
    const last = files[files.length - 1];
    return last ? join(dir, last) : undefined;
  } catch {
    return undefined;
  }
}

function location(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  const rel = path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
  return `${rel}:${line + 1}`;
}

function moduleOf(url: string): string {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node core';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return nm[1]!;
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(path);
  if (src) return src[1]!;
  return relative(REPO_ROOT, path) || path;
}

export function summariseProfile(
  file: string,
  processName: string,
  window?: { fromUs: number; toUs: number },
  top = 20,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let t = profile.startTime;
  const inWindow =
    window && window.toUs > profile.startTime && window.fromUs < profile.endTime ? window : undefined;
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (inWindow && (t < inWindow.fromUs || t > inWindow.toUs)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  }
  const fnTotals = new Map<string, { function: string; location: string; us: number }>();
  const modTotals = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    if (name === '(garbage collector)') gc += us;
    const loc = location(frame.url, frame.lineNumber);
    const key = `${name} ${loc}`;
    const cur = fnTotals.get(key) ?? { function: name, location: loc, us: 0 };
    cur.us += us;
    fnTotals.set(key, cur);
    const mod = name.startsWith('(') ? name : moduleOf(frame.url);
    modTotals.set(mod, (modTotals.get(mod) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  return {
    process: processName,
    file: relative(REPO_ROOT, file),
    window_ms: round(
      inWindow ? (inWindow.toUs - inWindow.fromUs) / 1000 : (profile.endTime - profile.startTime) / 1000,
      0,
    ),
    sampled_ms: round(total / 1000, 0),
    idle_pct: round((idle / Math.max(1, total)) * 100, 1),
    gc_pct: round((gc / busy) * 100, 1),
    top_functions: [...fnTotals.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        function: f.function,
        location: f.location,
        self_ms: round(f.us / 1000, 1),
        self_pct: round((f.us / busy) * 100, 1),
      })),
    by_module: [...modTotals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([module, us]) => ({
        module,
        self_ms: round(us / 1000, 1),
        self_pct: round((us / busy) * 100, 1),
      })),
  };
}
