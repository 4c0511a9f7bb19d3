/** What a scenario is given and what it hands back (bench/run.ts turns that into ScenarioResult). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Check, ProfileSummary, Row } from './result.ts';
import type { NodeProcess } from './proc.ts';
import { mainThreadProfile, summariseProfile } from './profile.ts';

export interface ScenarioOutput {
  rows: Row[];
  checks: Check[];
  details: Record<string, unknown>;
  notes: string[];
}

export interface Scenario {
  name: string;
  title: string;
  /** Upper bound of one run; the runner aborts the scenario past it. */
  timeoutMs(tiny: boolean): number;
  run(ctx: RunContext): Promise<ScenarioOutput>;
}

export class RunContext {
  readonly profiles: ProfileSummary[] = [];
  private readonly cleanups: (() => Promise<unknown> | unknown)[] = [];

  constructor(
    readonly scenario: string,
    readonly tiny: boolean,
    readonly regenerate: boolean,
    readonly profile: boolean,
    /** Logs of the processes of this run (under tmp/, git-ignored). */
    readonly logDir: string,
    readonly signal: AbortSignal,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  log(message: string): void {
    process.stderr.write(`[${this.scenario}] ${message}\n`);
  }

  /** Runs at the end of the scenario, last registered first, whatever happened. */
  defer(fn: () => Promise<unknown> | unknown): void {
    this.cleanups.push(fn);
  }

  /** Throws when the runner aborted the scenario (time bound). */
  checkpoint(): void {
    this.signal.throwIfAborted();
  }

  async cleanup(): Promise<void> {
    while (this.cleanups.length) {
      const fn = this.cleanups.pop()!;
      try {
        await Promise.race([Promise.resolve().then(fn), new Promise((r) => setTimeout(r, 40_000).unref())]);
      } catch (err) {
        this.log(`cleanup failed: ${String(err)}`);
      }
    }
  }

  /** Node flags for a process to profile (`--profile`): a CPU profile written on exit. */
  profileArgs(name: string): string[] {
    if (!this.profile) return [];
    const dir = join(this.logDir, 'profiles', name);
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', '--cpu-prof-dir', dir];
  }

  /**
   * After `proc` exited: summarises its main-thread profile once per load window (monotonic µs,
   * see profile.ts), e.g. `{ 'GET /live': {fromUs, toUs} }`.
   */
  collectProfile(proc: NodeProcess, windows: Record<string, { fromUs: number; toUs: number }>): void {
    if (!this.profile) return;
    const file = mainThreadProfile(join(this.logDir, 'profiles', proc.name));
    if (!file) {
      this.log(`no CPU profile found for ${proc.name}`);
      return;
    }
    for (const [label, window] of Object.entries(windows)) {
      this.profiles.push(summariseProfile(file, `${proc.name}: ${label}`, window));
    }
  }
}
