/** Runs autocannon in a child process (bench/lib/autocannon.worker.ts) and returns its figures. */
import { join } from 'node:path';
import { NodeProcess, REPO_ROOT, cleanEnv } from './proc.ts';

export type LoadMode =
  | { kind: 'get'; paths: string[] }
  | { kind: 'webhook'; source: string; secret: string; count: number; runId: string };

export interface LoadConfig {
  url: string;
  connections: number;
  durationS: number;
  /** A discarded run first (GET mode only). */
  warmupS?: number;
  /** A request without an answer after this long counts as a timeout. Default 10. */
  timeoutS?: number;
  mode: LoadMode;
  /** Headers of every GET (GET mode), e.g. the API key. */
  headers?: Record<string, string>;
}

export interface LoadResult {
  duration_s: number;
  /** 2xx answers (for webhooks: accepted ingests). */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx per second. */
  rps: number;
  latency_ms: { mean: number; p50: number; p90: number; p99: number; max: number };
  status_codes: Record<string, number>;
}

export async function runLoad(config: LoadConfig, logDir: string, name: string): Promise<LoadResult> {
  const proc = new NodeProcess({
    name: `load-${name}`,
    script: join(REPO_ROOT, 'bench', 'lib', 'autocannon.worker.ts'),
    env: cleanEnv({ BENCH_LOAD: JSON.stringify(config) }),
    logFile: join(logDir, `load-${name}.log`),
  });
  const limit = ((config.warmupS ?? 0) + config.durationS) * 1000 + 60_000;
  const timer = setTimeout(() => proc.signal('SIGKILL'), limit);
  const exit = await proc.exited;
  clearTimeout(timer);
  const line = proc
    .logs()
    .split('\n')
    .find((l) => l.startsWith('BENCH_LOAD_RESULT '));
  if (!line)
    throw new Error(
      `load generator ${name} gave no result (exit ${exit.code ?? exit.signal})\n${proc.tail()}`,
    );
  return JSON.parse(line.slice('BENCH_LOAD_RESULT '.length)) as LoadResult;
}
