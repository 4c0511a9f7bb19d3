/**
 * Child processes of a benchmark: the real binary in a role (`api`, `orchestrator`, `start`) — its
 * compiled build, as production runs it, once bench/run.ts has prepared one (bench/lib/build.ts) —
 * bench entry points run through tsx, and load generators. Every child is spawned in its own process
 * group and registered, so an aborted or crashed run still kills what it started (by pid).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../test/helpers/harness.ts';
import { sleep } from './stats.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The binary run from its TypeScript sources through tsx: the development form. */
export const BIN_TSX = join(REPO_ROOT, 'bin', 'triage-warden.js');
/** The entry a NodeProcess runs when it names no script: the tsx form until useBinary(). */
let bin = BIN_TSX;

/** Makes `entry` (the compiled build's cli/main.js) the default of every later NodeProcess. */
export function useBinary(entry: string): void {
  bin = entry;
}

export const HOST = '127.0.0.1';

const live = new Set<ChildProcess>();
let hooked = false;

/** SIGKILL every process group still running (exit hook, aborted scenarios). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  }
  live.clear();
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', killAllChildren);
  }
}

/** The parent's environment without TW_* (a developer's TW_DATABASE_URL must not leak into a child). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('TW_') && !k.startsWith('BENCH_') && k !== 'NODE_OPTIONS')
      out[k] = v;
  }
  return { ...out, ...extra };
}

export { freePorts };

/** HTTP status of a GET (0 when nothing answers within `timeoutMs`). */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Resident set size and its peak of a pid, MB (from /proc). */
export function memoryOf(pid: number): { rss_mb: number; hwm_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss_mb: kb('VmRSS') / 1024, hwm_mb: kb('VmHWM') / 1024 };
}

/** CPU time (user + system) a pid has used so far, seconds (from /proc; clock ticks of 10 ms). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface NodeProcessOptions {
  name: string;
  /** Script run by node: default the binary (the compiled build after useBinary()). */
  script?: string;
  /** Arguments after the script (e.g. the role). */
  args?: string[];
  env: Record<string, string>;
  /** Extra node flags (`--cpu-prof` …). tsx is imported for .ts scripts. */
  nodeArgs?: string[];
  logFile: string;
  /** Port it listens on, for readiness and URLs. */
  port?: number;
  /** Readiness path polled by waitReady (default /ready). */
  readyPath?: string;
  /** Open an IPC channel (child.send / process.on('message')). Default false. */
  ipc?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One spawned node process, tracked for cleanup. */
export class NodeProcess {
  readonly child: ChildProcess;
  /** performance.now() at spawn. */
  readonly spawnedAt: number;
  readonly exited: Promise<ExitInfo>;
  private output = '';
  private readonly log: WriteStream;

  constructor(readonly options: NodeProcessOptions) {
    const script = options.script ?? bin;
    const nodeArgs = [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.nodeArgs ?? [])];
    this.log = createWriteStream(options.logFile, { flags: 'a' });
    this.spawnedAt = performance.now();
    this.child = spawn(process.execPath, [...nodeArgs, script, ...(options.args ?? [])], {
      cwd: REPO_ROOT,
      env: options.env,
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    track(this.child);
    const append = (b: Buffer) => {
      const text = b.toString();
      this.output += text;
      if (this.output.length > 2_000_000) this.output = this.output.slice(-1_000_000);
      this.log.write(text);
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        append(Buffer.from(`spawn error: ${err.message}\n`));
        resolve({ code: null, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        this.log.end();
        resolve({ code, signal });
      });
    });
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get url(): string {
    return `http://${HOST}:${this.options.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return this.output;
  }

  tail(lines = 30): string {
    return `---- last lines of ${this.name} (${this.options.logFile}) ----\n${this.output.split('\n').slice(-lines).join('\n')}`;
  }

  /** Polls the readiness path until 200; resolves with ms since spawn. */
  async waitReady(timeoutMs = 60_000, everyMs = 25): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    const url = `${this.url}${this.options.readyPath ?? '/ready'}`;
    while (performance.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready\n${this.tail()}`);
      if ((await httpStatus(url, 1000)) === 200) return performance.now() - this.spawnedAt;
      await sleep(everyMs);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms\n${this.tail()}`);
  }

  memory(): { rss_mb: number; hwm_mb: number } {
    return memoryOf(this.pid);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    if (signal === 'SIGKILL') {
      try {
        process.kill(-this.pid, 'SIGKILL');
        return;
      } catch {
        /* fall through */
      }
    }
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL of the group after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
