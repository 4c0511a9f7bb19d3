/**
 * Issue 3: 2,000 incidents posted round-robin straight to 3 API replicas (about 20 in flight), 3
 * orchestrators consuming the queue. Every acknowledged incident is triaged exactly once
 * (checked in PostgreSQL), and WebSocket clients — one attached to api-1 directly, one through
 * haproxy pinned by the `tw_server` cookie — see `analysis_complete` for incidents that other
 * replicas ingested and other processes triaged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { eventually } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';
import {
  StreamClient,
  WEBHOOK_ENV,
  acknowledged,
  expectExactlyOnce,
  failureSamples,
  postLoad,
  runTag,
  scrape,
  secs,
  sleep,
  statusSummary,
  type Scrape,
} from './support.ts';
import { asAdmin } from '../helpers/auth.ts';

const INCIDENTS = 2000;
const IN_FLIGHT = 20;

const missing = await requireServices(['postgres', 'redis', 'haproxy']);

describe.skipIf(missing)('exactly-once triage across 3 API replicas and 3 orchestrators', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      api: 3,
      orchestrators: 3,
      // Every process migrates the fresh database as it starts, all at once (no separate migrate run).
      migrate: false,
      env: { ...WEBHOOK_ENV, TW_LOG_LEVEL: 'warn' },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('triages every acknowledged incident once and relays its events to every replica', async () => {
    const [api1, api2, api3] = cluster.apis as [
      (typeof cluster.apis)[0],
      (typeof cluster.apis)[0],
      (typeof cluster.apis)[0],
    ];
    const direct = await StreamClient.connect(api1.url, 'types=analysis_complete');

    // The sticky cookie haproxy sets on a first response; the WebSocket carrying it must land there.
    const first = await fetch(`${cluster.lbUrl}/live`);
    const cookie = /tw_server=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie, 'haproxy sets the tw_server cookie').toMatch(/^api-\d$/);
    const pinned = cluster.apis.find((a) => a.name === cookie)!;
    const gauge = async () =>
      Object.fromEntries(
        await Promise.all(
          cluster.apis.map(
            async (a) =>
              [a.name, (await scrape(a.url)).samples.get('tw_websocket_connections') ?? -1] as const,
          ),
        ),
      );
    const before = await gauge();
    const viaLb = await StreamClient.connect(cluster.lbUrl, 'types=analysis_complete', {
      cookie: `tw_server=${cookie}`,
    });
    const after = await gauge();
    for (const a of cluster.apis) {
      expect(
        after[a.name],
        `WebSockets on ${a.name} after connecting through haproxy with tw_server=${cookie}`,
      ).toBe(before[a.name]! + (a === pinned ? 1 : 0));
    }

    try {
      const tag = runTag();
      const t0 = Date.now();
      const results = await postLoad({
        targets: [api1.url, api2.url, api3.url],
        tag,
        count: INCIDENTS,
        concurrency: IN_FLIGHT,
      });
      const ingestMs = Date.now() - t0;
      const acked = acknowledged(results);
      console.info(`[exactly-once] ${INCIDENTS} posts in ${secs(ingestMs)} s: ${statusSummary(results)}`);
      // Nothing disturbs this cluster: every request must be acknowledged, each as a new incident.
      expect(statusSummary(results), failureSamples(results).join('\n')).toBe(`202 x${INCIDENTS}`);
      expect(acked.every((r) => r.created)).toBe(true);
      const ids = acked.map((r) => r.incidentId!);
      expect(new Set(ids).size).toBe(INCIDENTS);

      const report = await expectExactlyOnce(cluster, ids, 180_000);
      expect(report.incidents).toBe(INCIDENTS);
      const triagedMs = Date.now() - t0;
      const workers = await cluster.query<{ actor: string; n: number }>(
        `select actor, count(*)::int as n from audit_log where action = 'triage.analyzed' group by actor order by actor`,
      );
      console.info(
        `[exactly-once] all triaged ${secs(triagedMs)} s after the first post; statuses ${JSON.stringify(report.byStatus)}; ` +
          `verdicts by ${workers.map((w) => `${w.actor}: ${w.n}`).join(', ')}`,
      );
      // Every orchestrator took part (the queue is shared, not partitioned by replica).
      expect(workers.map((w) => w.actor)).toEqual(cluster.orchestrators.map((o) => `orchestrator:${o.name}`));

      // Events: the triage events are published by orchestrators after commit; each API relays the
      // shared stream to its own clients. Both sockets must see every incident's verdict once.
      const ingestedBy = new Map(
        acked.map((r) => [r.incidentId!, cluster.apis.find((a) => a.url === r.target)!.name]),
      );
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (
          direct.countByIncident('analysis_complete').size >= INCIDENTS &&
          viaLb.countByIncident('analysis_complete').size >= INCIDENTS
        )
          break;
        await sleep(200);
      }
      for (const [label, client, home] of [
        ['api-1 (direct)', direct, api1.name],
        [`haproxy, pinned to ${pinned.name}`, viaLb, pinned.name],
      ] as const) {
        const seen = client.countByIncident('analysis_complete');
        const elsewhere = ids.filter((id) => ingestedBy.get(id) !== home);
        const missed = elsewhere.filter((id) => !seen.has(id));
        const twice = [...seen.entries()].filter(([, n]) => n > 1);
        console.info(
          `[exactly-once] WebSocket ${label}: analysis_complete for ${seen.size}/${INCIDENTS} incidents, ` +
            `${elsewhere.length - missed.length}/${elsewhere.length} of those ingested by other replicas`,
        );
        expect(missed, `${label}: verdicts of incidents ingested by other replicas never arrived`).toEqual(
          [],
        );
        expect(seen.size, `${label}: verdicts of all incidents`).toBe(INCIDENTS);
        expect(twice, `${label}: an incident analysed twice`).toEqual([]);
        expect(client.closed, `${label} stayed open`).toBeUndefined();
      }
    } finally {
      direct.close();
      viaLb.close();
    }
  });

  it('every role exposes the seed metrics with sensible values after the load (cluster gauges on the leader only)', async () => {
    // A short burst per API so the request-rate window has traffic in it.
    for (const a of cluster.apis) {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${a.url}/api/v1/incidents?per_page=5`, { headers: asAdmin() }).then((r) => r.text()),
        ),
      );
    }
    const sum = (scrapes: Scrape[], key: string) =>
      scrapes.reduce((n, s) => n + (s.samples.get(key) ?? 0), 0);
    const apis = await Promise.all(cluster.apis.map((a) => scrape(a.url)));
    for (const s of apis) {
      expect(s.ok).toBe(true);
      expect(s.samples.get('http_requests_per_second')).toBeGreaterThan(0);
      expect(
        s.samples.get(
          'http_request_duration_seconds_count{method="GET",route="/api/v1/incidents",status_code="200"}',
        ),
      ).toBeGreaterThanOrEqual(50);
      const cpu = s.samples.get('cpu_usage_percent')!;
      const mem = s.samples.get('memory_usage_percent')!;
      expect(cpu).toBeGreaterThanOrEqual(0);
      expect(cpu).toBeLessThanOrEqual(100);
      expect(mem).toBeGreaterThan(0);
      expect(mem).toBeLessThan(100);
      expect(s.samples.get('db_connection_pool_waiting{pool="primary"}')).toBeGreaterThanOrEqual(0);
      expect(s.samples.has('incident_queue_depth')).toBe(false);
      expect(s.samples.get('tw_leader')).toBe(0);
    }
    const ingested = [
      ...apis.flatMap((s) => [...s.samples].filter(([k]) => k.startsWith('tw_incidents_ingested_total{'))),
    ].reduce((n, [, v]) => n + v, 0);
    expect(ingested).toBe(INCIDENTS);

    // The leader refreshes cluster gauges every orchestrator.metrics_interval (10 s).
    const orchestrators = await eventually(
      async () => {
        const all = await Promise.all(cluster.orchestrators.map((o) => scrape(o.url)));
        const leader = all.find((s) => s.samples.get('tw_leader') === 1);
        return leader && leader.samples.get('tw_incidents{status="pending_review"}') === INCIDENTS
          ? all
          : null;
      },
      'the leader to publish cluster gauges for the whole load',
      30_000,
    );
    const leaders = orchestrators.filter((s) => s.samples.get('tw_leader') === 1);
    expect(leaders).toHaveLength(1);
    const leader = leaders[0]!;
    expect(leader.samples.get('incident_queue_depth')).toBe(0);
    expect(leader.samples.get('redis_connected_clients')).toBeGreaterThanOrEqual(6);
    expect(leader.samples.get('tw_mean_time_to_triage_seconds')).toBeGreaterThan(0);
    for (const s of orchestrators.filter((x) => x !== leader)) {
      expect(s.samples.has('incident_queue_depth')).toBe(false);
      expect(s.samples.has('redis_connected_clients')).toBe(false);
    }
    expect(sum(orchestrators, 'tw_triage_duration_seconds_count')).toBe(INCIDENTS);
    expect(
      sum(orchestrators, 'tw_incidents_triaged_total{classification="malicious"}') +
        sum(orchestrators, 'tw_incidents_triaged_total{classification="suspicious"}') +
        sum(orchestrators, 'tw_incidents_triaged_total{classification="benign"}') +
        sum(orchestrators, 'tw_incidents_triaged_total{classification="inconclusive"}'),
    ).toBe(INCIDENTS);
    for (const s of orchestrators) {
      expect(s.samples.get('db_connection_pool_waiting{pool="primary"}')).toBeGreaterThanOrEqual(0);
      expect(s.samples.get('memory_usage_percent')).toBeGreaterThan(0);
    }
  });
});
