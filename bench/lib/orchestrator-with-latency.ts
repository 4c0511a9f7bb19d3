/**
 * An orchestrator whose analyst is a simulated LLM: every analysis sleeps BENCH_LLM_LATENCY_MS
 * (default 200) and then delegates to the built-in DeterministicAnalyzer. Configured like
 * `triage-warden orchestrator` (TW_* env), run as `node --import tsx bench/lib/orchestrator-with-latency.ts`.
 *
 * The wrapper counts analyzer calls in flight; the maximum is printed at exit as
 * `BENCH_ANALYZER_STATS {"calls":…,"max_in_flight":…,"latency_ms":…}` and served at GET /bench-stats on
 * BENCH_STATS_PORT when set. The Semaphore of src/core/shared bounds it to orchestrator.concurrency.llm.
 */
import http from 'node:http';
import { loadConfig, selectedModes } from '../../src/config/index.ts';
import type { AnalysisInput, Analyzer, Verdict } from '../../src/core/triage/analyzer.ts';
import { DeterministicAnalyzer } from '../../src/core/triage/deterministic.analyzer.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';

class SimulatedLlmAnalyzer implements Analyzer {
  readonly name = 'simulated-llm';
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly inner: Analyzer,
    readonly latencyMs: number,
  ) {}

  async analyze(input: AnalysisInput, signal?: AbortSignal): Promise<Verdict> {
    this.calls++;
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.latencyMs);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            reject(signal.reason);
          },
          { once: true },
        );
      });
      return await this.inner.analyze(input, signal);
    } finally {
      this.inFlight--;
    }
  }

  stats() {
    return {
      calls: this.calls,
      max_in_flight: this.maxInFlight,
      in_flight: this.inFlight,
      latency_ms: this.latencyMs,
    };
  }
}

async function main(): Promise<number> {
  const config = loadConfig();
  const modes = selectedModes(config);
  if (modes.database !== 'postgres' || modes.transport !== 'redis') {
    console.error('orchestrator-with-latency needs TW_DATABASE_URL and TW_REDIS_URL');
    return 2;
  }
  const log = createLogger({
    level: config.logging.level,
    instance: config.server.instance_id,
    role: 'orchestrator',
  });
  const analyzer = new SimulatedLlmAnalyzer(
    new DeterministicAnalyzer(),
    Number(process.env.BENCH_LLM_LATENCY_MS ?? 200),
  );
  const runtime = await createRuntime(config, 'orchestrator', log, {
    analyzer,
    redisTransports: createRedisTransports,
  });
  await runtime.start();
  log.info(
    { url: runtime.url, llm_latency_ms: analyzer.latencyMs },
    'orchestrator with simulated LLM started',
  );

  let statsServer: http.Server | undefined;
  if (process.env.BENCH_STATS_PORT) {
    statsServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(analyzer.stats()));
    });
    statsServer.listen(Number(process.env.BENCH_STATS_PORT), '127.0.0.1');
  }

  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) process.exit(130);
      log.info({ signal }, 'signal received; draining');
      const hard = setTimeout(
        () => process.exit(1),
        config.server.shutdown_grace + config.server.drain_delay + 5000,
      );
      hard.unref();
      runtime.stop().then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  statsServer?.close();
  process.stdout.write(`BENCH_ANALYZER_STATS ${JSON.stringify(analyzer.stats())}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    console.error(`orchestrator-with-latency: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
