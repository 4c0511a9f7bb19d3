/**
 * Load generator child process: autocannon's programmatic API, so the load does not share an event
 * loop with the bench or the server. Config in env BENCH_LOAD (JSON, see LoadConfig); prints one line
 * `BENCH_LOAD_RESULT {json}` on stdout.
 *
 * Webhook mode pre-signs every body before the clock starts (signing is not part of the load) and
 * stops when they run out, so no request is a replay.
 */
import autocannon, { type Result } from 'autocannon';
import { alertBody, signedHeaders } from './alerts.ts';
import type { LoadConfig, LoadResult } from './load.ts';

const config = JSON.parse(process.env.BENCH_LOAD ?? '{}') as LoadConfig;

function requestsFor(cfg: LoadConfig, onExhausted: () => void) {
  if (cfg.mode.kind === 'get') {
    const paths = cfg.mode.paths;
    let i = 0;
    return [
      {
        method: 'GET',
        setupRequest: (req: object) => ({
          ...req,
          method: 'GET',
          path: paths[i++ % paths.length],
          headers: cfg.headers ?? {},
        }),
      },
    ];
  }
  const { source, secret, count, runId } = cfg.mode;
  const ts = Math.floor(Date.now() / 1000);
  const signed = Array.from({ length: count }, (_, i) => {
    const body = alertBody(runId, i);
    return { body, headers: signedHeaders(secret, body, ts) };
  });
  let i = 0;
  return [
    {
      method: 'POST',
      setupRequest: (req: object) => {
        const next = signed[i++];
        if (!next) {
          onExhausted();
          // Keep the connection busy with a harmless GET until stop() lands.
          return { ...req, method: 'GET', path: '/live', body: undefined, headers: {} };
        }
        return {
          ...req,
          method: 'POST',
          path: `/api/v1/webhooks/${source}`,
          headers: next.headers,
          body: next.body,
        };
      },
    },
  ];
}

function once(cfg: LoadConfig, durationS: number): Promise<Result> {
  const handle: { instance?: ReturnType<typeof autocannon>; stopped: boolean } = { stopped: false };
  const stop = () => {
    if (!handle.stopped && handle.instance) {
      handle.stopped = true;
      handle.instance.stop();
    }
  };
  const instance = autocannon({
    url: cfg.url,
    connections: cfg.connections,
    duration: durationS,
    timeout: cfg.timeoutS ?? 10,
    requests: requestsFor(cfg, stop),
  });
  handle.instance = instance;
  return Promise.resolve(instance);
}

async function main(): Promise<void> {
  if (config.warmupS && config.warmupS > 0 && config.mode.kind === 'get') await once(config, config.warmupS);
  const started = performance.now();
  const r = await once(config, config.durationS);
  const elapsed = (performance.now() - started) / 1000;
  const ok = r['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
  // Webhook mode: the GETs sent after the bodies ran out are not ingests.
  const extraGets = config.mode.kind === 'webhook' ? Math.max(0, ok - config.mode.count) : 0;
  const result: LoadResult = {
    duration_s: Math.min(r.duration, elapsed),
    ok: ok - extraGets,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    rps: (ok - extraGets) / Math.min(r.duration, elapsed),
    latency_ms: {
      mean: r.latency.mean,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
    },
    status_codes: statusCodes,
  };
  process.stdout.write(`BENCH_LOAD_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`load worker failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
