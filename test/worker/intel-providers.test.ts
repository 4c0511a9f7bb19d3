// Issue 11, threat intel end to end: vendor connectors running inside real runtimes against loopback
// vendor fakes. A provider outage opens the circuit and triage completes on the evidence it has; an
// answer cached in Redis by one orchestrator serves another without a second vendor call; identical
// lookups racing in two orchestrators make one vendor call.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCache } from '../../src/adapters/redis/index.ts';
import type { Indicator } from '../../src/contracts/index.ts';
import { EnrichmentService, type EnrichmentOutcome } from '../../src/core/enrichment/enrichment.service.ts';
import { defaultIntelRegistry } from '../../src/extensions/intel/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { NOOP_INTEL_TELEMETRY, SILENT_LOGGER } from '../../src/ports/index.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import type { Transports } from '../../src/runtime/transports.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';
import type { FakeVendorServer } from '../fakes/intel/fake-vendor.server.ts';
import { fakeVirusTotal } from '../fakes/intel/virustotal.ts';

const VT_KEY = 'vt-key-intel-e2e-0123456789';
const C2 = '45.9.148.3';

async function send(rt: Runtime, body: Record<string, unknown>): Promise<string> {
  const res = await rt.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/open-source',
    headers: asAdmin({ 'content-type': 'application/json' }),
    payload: JSON.stringify(body),
  });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { incident_id: string }).incident_id;
}

async function triaged(rt: Runtime, id: string) {
  return eventually(
    async () => {
      const i = await rt.store.get(id);
      return i && i.triaged_at && !['new', 'enriching', 'analyzing'].includes(i.status) ? i : null;
    },
    `incident ${id} triaged`,
    60_000,
  );
}

async function metric(rt: Runtime, line: string): Promise<number> {
  const text = (await rt.metrics.render()).body;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe('a threat-intel vendor outage (embedded runtime)', () => {
  let vt: FakeVendorServer;
  let rt: Runtime;
  beforeAll(async () => {
    vt = fakeVirusTotal({ apiKey: VT_KEY, objects: {} });
    const origin = await vt.start();
    vt.failing = { status: 503, body: { error: { code: 'TransientError', message: 'try later' } } };
    rt = await startRuntime(
      testConfig({
        // One lookup at a time, so the breaker's threshold is what bounds the vendor calls.
        orchestrator: { concurrency: { enrichment: 1 } },
        intel: {
          providers: {
            vt: {
              kind: 'virustotal',
              base_url: `${origin}/api/v3`,
              api_key: VT_KEY,
              breaker_failures: 2,
              breaker_cooldown: '10m',
              max_retries: 0,
            },
          },
        },
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    await vt?.close();
  });

  it('opens the circuit, counts the errors, and triage completes on the local lists', async () => {
    const ips = ['185.220.101.47', '45.9.148.11', '45.9.148.12', '45.9.148.13'];
    const id = await send(rt, {
      alert_type: 'network',
      severity: 'high',
      title: `Beaconing to known Tor exit ${randomUUID()}`,
      description: `outbound connections to ${ips.join(', ')}`,
    });
    const incident = await triaged(rt, id);
    // Two failures open the circuit; the other lookups fail fast without reaching the vendor.
    expect(vt.requests).toHaveLength(2);
    expect(await metric(rt, 'tw_intel_provider_errors_total{provider="vt",reason="http_error"}')).toBe(2);
    expect(await metric(rt, 'tw_intel_provider_errors_total{provider="vt",reason="circuit_open"}')).toBe(2);
    expect(await metric(rt, 'tw_intel_circuit_state{provider="vt"}')).toBe(2);

    const detail = (await rt.store.getDetail(id))!;
    const enriched = detail.timeline.find((t) => t.action === 'triage.enriched');
    expect(enriched?.details).toMatchObject({ errors: 4 });
    expect(detail.enrichments.filter((e) => e.provider === 'vt')).toEqual([]);
    expect(detail.enrichments).toContainEqual(
      expect.objectContaining({
        provider: 'local-lists',
        indicator_value: '185.220.101.47',
        verdict: 'malicious',
      }),
    );
    expect(incident.classification).toMatch(/malicious|suspicious/);
  });
});

const skip = await requireServices(['postgres', 'redis']);
const dbName = `tw_intel_${randomUUID().slice(0, 8)}`;
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client(ADMIN);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.skipIf(Boolean(skip))('threat intel across orchestrators (PostgreSQL + Redis)', () => {
  const prefix = `tw-intel-${randomUUID().slice(0, 8)}:`;
  let vt: FakeVendorServer;
  let origin: string;
  const runtimes: Runtime[] = [];
  const start = async (id: string) => {
    const config = testConfig({
      server: { instance_id: id },
      database: { primary_url: `postgres://postgres@127.0.0.1:5432/${dbName}`, max_connections: 4 },
      redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
      webhooks: { encryption_key: Buffer.alloc(32, 7).toString('base64') },
      intel: {
        providers: { vt: { kind: 'virustotal', base_url: `${origin}/api/v3`, api_key: VT_KEY } },
      },
    });
    const log = createLogger({ level: 'silent', instance: id, role: 'all' });
    const rt = await createRuntime(config, 'all', log, { redisTransports: createRedisTransports });
    runtimes.push(rt);
    await rt.start({ listen: false });
    return rt;
  };

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    vt = fakeVirusTotal({
      apiKey: VT_KEY,
      objects: {
        [C2]: {
          stats: { malicious: 14, suspicious: 2, harmless: 55, undetected: 22 },
          attributes: { last_analysis_date: 1_764_000_000 },
        },
      },
    });
    origin = await vt.start();
  }, 120_000);
  afterAll(async () => {
    for (const rt of runtimes) await rt.stop();
    await vt?.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it("orchestrator B's triage is answered from the answer orchestrator A cached in Redis: no second vendor call", async () => {
    const a = await start('orch-a');
    const first = await send(a, {
      alert_type: 'network',
      severity: 'medium',
      title: `C2 beacon from WS-1 ${randomUUID()}`,
      data: { remote_ip: C2 },
    });
    await triaged(a, first);
    const asked = vt.requests.filter((r) => r.path.endsWith(`/ip_addresses/${C2}`));
    expect(asked).toHaveLength(1);
    const fromA = (await a.store.getDetail(first))!.enrichments.find((e) => e.provider === 'vt');
    expect(fromA).toMatchObject({
      indicator_value: C2,
      verdict: 'malicious',
      last_seen: '2025-11-24T16:00:00.000Z',
    });
    // A is gone (scaled in); B, a separate runtime with its own memory, shares only Redis and Postgres.
    await a.stop();

    const b = await start('orch-b');
    const second = await send(b, {
      alert_type: 'network',
      severity: 'medium',
      title: `C2 beacon from WS-2 ${randomUUID()}`,
      data: { remote_ip: C2 },
    });
    await triaged(b, second);
    expect(vt.requests.filter((r) => r.path.endsWith(`/ip_addresses/${C2}`))).toHaveLength(1);
    const fromB = (await b.store.getDetail(second))!.enrichments.find((e) => e.provider === 'vt');
    expect(fromB).toMatchObject({ indicator_value: C2, verdict: 'malicious', score: fromA!.score });
    expect(await metric(b, 'tw_intel_cache_lookups_total{provider="vt",result="hit"}')).toBe(1);
    expect(await metric(b, 'tw_intel_cache_lookups_total{provider="vt",result="miss"}')).toBe(0);
  });

  it('identical lookups racing in two orchestrators make one vendor call (Redis lock)', async () => {
    const slow = fakeVirusTotal({
      apiKey: VT_KEY,
      objects: { '45.9.148.99': { stats: { malicious: 5, suspicious: 0, harmless: 60, undetected: 20 } } },
    });
    const slowOrigin = await slow.start();
    const transports: Transports[] = [];
    try {
      const services = await Promise.all(
        ['x', 'y'].map(async (id) => {
          const config = testConfig({
            server: { instance_id: `race-${id}` },
            redis: { url: 'redis://127.0.0.1:6379', key_prefix: `${prefix}race:` },
          });
          const t = await createRedisTransports(
            config,
            createLogger({ level: 'silent', instance: id, role: 'all' }),
          );
          transports.push(t);
          expect(t.cache).toBeInstanceOf(RedisCache);
          const vtProvider = await defaultIntelRegistry().create({
            name: 'vt',
            settings: { kind: 'virustotal', base_url: `${slowOrigin}/api/v3`, api_key: VT_KEY },
            rateLimiter: t.counters,
            telemetry: NOOP_INTEL_TELEMETRY,
            log: SILENT_LOGGER,
          });
          return new EnrichmentService({
            providers: [vtProvider],
            cache: t.cache,
            cacheTtlMs: 60_000,
            concurrency: 4,
            lock: { waitMs: 10_000, pollMs: 20 },
          });
        }),
      );
      // Every answer takes 500 ms, so both orchestrators miss the cache while the first call runs.
      slow.latencyMs = 500;
      const indicator: Indicator = { type: 'ipv4', value: '45.9.148.99' };
      const [x, y] = (await Promise.all(services.map((s) => s.enrich([indicator])))) as [
        EnrichmentOutcome,
        EnrichmentOutcome,
      ];
      expect(slow.requests.length).toBe(1);
      expect([x.enrichments[0]?.verdict, y.enrichments[0]?.verdict]).toEqual(['malicious', 'malicious']);
      expect(x.cacheMisses + y.cacheMisses).toBe(1);
      expect(x.cacheHits + y.cacheHits).toBe(1);
    } finally {
      for (const t of transports) await t.close();
      await slow.close();
    }
  });
});
