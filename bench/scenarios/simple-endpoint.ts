/**
 * Scenario 1: GET /api/v1/incidents/:id and /live on one API process (distributed: PostgreSQL +
 * Redis; and embedded `start`), autocannon in a second process; baseline: bare Fastify answering a
 * constant JSON body, in the same run.
 */
import { alertBody, postAlert } from '../lib/alerts.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { monotonicUs } from '../lib/profile.ts';
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import { adminHeaders } from '../lib/auth.ts';
import { BENCH_SECRET, BENCH_SOURCE, suffix } from '../lib/services.ts';
import { isolate, startBare, startEmbedded, startRole } from '../lib/setup.ts';
import { waitUntil } from '../lib/stats.ts';

const SEED_SIMPLE = '~500 req/s';

/**
 * Correctness of a load run: some answers, and every answer a 2xx with no connection error. A request
 * that timed out (the server too slow) is a performance figure, reported in the detail, not a failure.
 */
export function loadChecks(name: string, r: LoadResult): Check[] {
  const bad = r.non2xx + Math.max(0, r.errors - r.timeouts);
  return [
    {
      name: `${name}: every answer 2xx`,
      ok: r.ok > 0 && bad === 0,
      detail: `${r.ok} ok, ${r.non2xx} non-2xx ${JSON.stringify(r.status_codes)}, ${r.errors} errors, ${r.timeouts} timeouts`,
    },
  ];
}

/** Creates a viewer API key through the API (with the admin key) and returns it. */
export async function createApiKey(baseUrl: string, name: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/api-keys`, {
    method: 'POST',
    headers: { ...adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${name}-${suffix()}`, role: 'viewer' }),
  });
  if (res.status !== 201) throw new Error(`creating an API key: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** Seeds `n` incidents through signed webhooks; returns their ids. */
export async function seedIncidents(baseUrl: string, n: number, runId = suffix()): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, (_, j) =>
      postAlert(baseUrl, BENCH_SOURCE, BENCH_SECRET, alertBody(runId, i + j)),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

/** Waits until the embedded orchestrator has triaged everything (so it does not compete with the load). */
export async function waitTriaged(baseUrl: string, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      const res = await fetch(`${baseUrl}/api/v1/incidents?status=new,enriching,analyzing&per_page=1`, {
        headers: adminHeaders(),
      });
      const body = (await res.json()) as { pagination: { total_items: number } };
      return body.pagination.total_items === 0;
    },
    timeoutMs,
    'embedded triage to finish',
    200,
  );
}

export const simpleEndpoint: Scenario = {
  name: 'simple-endpoint',
  title: 'GET /api/v1/incidents/:id and /live on one API process vs bare Fastify',
  timeoutMs: (tiny) => (tiny ? 240_000 : 600_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    const duration = ctx.tiny ? 1 : 10;
    const warmup = ctx.tiny ? 0 : 2;
    const connections = ctx.tiny ? 8 : 32;
    // Reads carry a real API key made through the API (hashed, looked up, cached per process), not
    // the configured admin key: what an integration's requests cost.
    let headers: Record<string, string> = adminHeaders();
    const load = (url: string, paths: string[], name: string) =>
      runLoad(
        {
          url,
          connections,
          durationS: duration,
          warmupS: warmup,
          mode: { kind: 'get', paths },
          headers,
        },
        ctx.logDir,
        name,
      );

    const iso = await isolate(ctx, 'simple');
    const { proc: api } = await startRole(ctx, 'api', iso, { name: 'api', profile: true });
    const ids = await seedIncidents(api.url, ctx.tiny ? 10 : 50);
    headers = { authorization: `Bearer ${await createApiKey(api.url, 'bench-reader')}` };
    const { proc: bare } = await startBare(ctx);
    ctx.checkpoint();

    ctx.log(`bare fastify ${duration}s x ${connections} connections`);
    const bareRes = await load(bare.url, ['/'], 'bare');
    ctx.log('api /live');
    const liveFrom = monotonicUs();
    const apiLive = await load(api.url, ['/live'], 'api-live');
    const liveTo = monotonicUs();
    ctx.log('api /api/v1/incidents/:id');
    const byIdFrom = monotonicUs();
    const apiById = await load(
      api.url,
      ids.map((id) => `/api/v1/incidents/${id}`),
      'api-by-id',
    );
    const byIdTo = monotonicUs();
    const apiRss = api.memory().rss_mb;
    await api.stop();
    ctx.collectProfile(api, {
      'GET /live': { fromUs: liveFrom, toUs: liveTo },
      'GET /api/v1/incidents/:id': { fromUs: byIdFrom, toUs: byIdTo },
    });
    ctx.checkpoint();

    // The same reads with the detail cache off: every request goes to PostgreSQL (what a cache miss costs).
    ctx.log('api /api/v1/incidents/:id, detail cache off');
    const { proc: uncachedApi } = await startRole(ctx, 'api', iso, {
      name: 'api-uncached',
      extraEnv: { TW_SERVER__DETAIL_CACHE_TTL: '0' },
    });
    const apiUncached = await load(
      uncachedApi.url,
      ids.map((id) => `/api/v1/incidents/${id}`),
      'api-by-id-uncached',
    );
    await uncachedApi.stop();
    ctx.checkpoint();

    // Embedded `start` (the full run only: the tiny run's ingest scenario covers the embedded path).
    let embLive: LoadResult | undefined;
    let embById: LoadResult | undefined;
    if (!ctx.tiny) {
      ctx.log('embedded start');
      const { proc: emb } = await startEmbedded(ctx, { name: 'embedded' });
      const embIds = await seedIncidents(emb.url, 50);
      await waitTriaged(emb.url, 60_000);
      headers = { authorization: `Bearer ${await createApiKey(emb.url, 'bench-reader')}` };
      embLive = await load(emb.url, ['/live'], 'embedded-live');
      embById = await load(
        emb.url,
        embIds.map((id) => `/api/v1/incidents/${id}`),
        'embedded-by-id',
      );
      await emb.stop();
    }

    const baseline = { label: 'bare Fastify', value: bareRes.rps, unit: 'req/s' };
    const rows: Row[] = [
      row({
        id: 'api.incident_by_id.rps',
        label: 'GET /incidents/:id, api (PG+Redis)',
        value: apiById.rps,
        unit: 'req/s',
        target: { op: '>=', value: 10_000 },
        seed: SEED_SIMPLE,
        baseline,
      }),
      row({
        id: 'api.incident_by_id.p50',
        label: 'GET /incidents/:id p50',
        value: apiById.latency_ms.p50,
        unit: 'ms',
      }),
      row({
        id: 'api.incident_by_id.p99',
        label: 'GET /incidents/:id p99',
        value: apiById.latency_ms.p99,
        unit: 'ms',
        target: { op: '<', value: 20 },
      }),
      row({
        id: 'api.incident_by_id.share_of_bare',
        label: 'GET /incidents/:id share of bare Fastify',
        value: (apiById.rps / bareRes.rps) * 100,
        unit: '%',
        target: { op: '>=', value: 50 },
      }),
      row({
        id: 'api.incident_by_id_uncached.rps',
        label: 'GET /incidents/:id, detail cache off',
        value: apiUncached.rps,
        unit: 'req/s',
        seed: SEED_SIMPLE,
        baseline,
      }),
      row({
        id: 'api.incident_by_id_uncached.p99',
        label: 'GET /incidents/:id p99, detail cache off',
        value: apiUncached.latency_ms.p99,
        unit: 'ms',
      }),
      row({
        id: 'api.live.rps',
        label: 'GET /live, api',
        value: apiLive.rps,
        unit: 'req/s',
        target: { op: '>=', value: 10_000 },
        seed: SEED_SIMPLE,
        baseline,
      }),
      row({ id: 'api.live.p50', label: 'GET /live p50', value: apiLive.latency_ms.p50, unit: 'ms' }),
      row({
        id: 'api.live.p99',
        label: 'GET /live p99',
        value: apiLive.latency_ms.p99,
        unit: 'ms',
        target: { op: '<', value: 20 },
      }),
      row({
        id: 'api.live.share_of_bare',
        label: 'GET /live share of bare Fastify',
        value: (apiLive.rps / bareRes.rps) * 100,
        unit: '%',
        target: { op: '>=', value: 50 },
      }),
      row({
        id: 'bare.rps',
        label: 'bare Fastify constant JSON (baseline)',
        value: bareRes.rps,
        unit: 'req/s',
      }),
      row({ id: 'bare.p99', label: 'bare Fastify p99', value: bareRes.latency_ms.p99, unit: 'ms' }),
    ];
    if (embById && embLive) {
      const e = embById;
      const l = embLive;
      rows.push(
        row({
          id: 'embedded.incident_by_id.rps',
          label: 'GET /incidents/:id, embedded start (PGlite)',
          value: e.rps,
          unit: 'req/s',
          seed: SEED_SIMPLE,
          baseline,
        }),
        row({
          id: 'embedded.incident_by_id.p50',
          label: 'embedded GET /incidents/:id p50',
          value: e.latency_ms.p50,
          unit: 'ms',
        }),
        row({
          id: 'embedded.incident_by_id.p99',
          label: 'embedded GET /incidents/:id p99',
          value: e.latency_ms.p99,
          unit: 'ms',
        }),
        row({
          id: 'embedded.live.rps',
          label: 'GET /live, embedded start',
          value: l.rps,
          unit: 'req/s',
          baseline,
        }),
      );
    }
    return {
      rows,
      checks: [
        ...loadChecks('bare', bareRes),
        ...loadChecks('api /live', apiLive),
        ...loadChecks('api /incidents/:id', apiById),
        ...loadChecks('api /incidents/:id, cache off', apiUncached),
        ...(embLive ? loadChecks('embedded /live', embLive) : []),
        ...(embById ? loadChecks('embedded /incidents/:id', embById) : []),
      ],
      details: {
        connections,
        duration_s: duration,
        warmup_s: warmup,
        incidents_rotated: ids.length,
        api_rss_after_load_mb: Math.round(apiRss),
        loads: {
          bare: bareRes,
          api_live: apiLive,
          api_by_id: apiById,
          api_by_id_uncached: apiUncached,
          embedded_live: embLive,
          embedded_by_id: embById,
        },
      },
      notes: [
        'autocannon runs in its own process on the same 2 cores as the server, PostgreSQL and Redis (load generator included, as issue 5 asks).',
        'GET /incidents/:id answers from the per-process detail cache (server.detail_cache_ttl, 2 s; every event naming the incident drops its entry at once) and otherwise reads the incident with its alerts, indicators, enrichments, verdict and timeline from the primary in one statement. The "cache off" rows are the same load with TW_SERVER__DETAIL_CACHE_TTL=0.',
      ],
    };
  },
};
