/**
 * Issue 3: Redis stopped for 20 s and restarted (empty: no persistence, like the machine's own
 * Redis) while alerts keep arriving.
 *
 * - While it is down, every API's /ready is 503 and names Redis; ingest keeps answering, and a
 *   202 still means committed in PostgreSQL (the queue hand-off times out and is left to the
 *   reconciler). A 503 is acceptable only for requests that were not acknowledged.
 * - After it returns, the same orchestrator processes (same pids, never restarted) elect a leader
 *   again, whose reconciler re-enqueues what the outage left in `new`, and every acknowledged
 *   incident is triaged exactly once.
 *
 * The Redis here is a throwaway redis-server on a free port, run exactly as the machine's
 * (`--save "" --appendonly no`), and stopped with SHUTDOWN NOSAVE as `scripts/services.sh redis-stop`
 * does: stopping the shared 6379 would break whatever else runs on this machine meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { requireServices } from '../helpers/services.ts';
import { RedisProcess, freePorts, redisCli } from '../redis/redis-servers.ts';
import { asAdmin } from '../helpers/auth.ts';
import {
  WEBHOOK_ENV,
  acknowledged,
  continuousLoad,
  currentLeader,
  expectExactlyOnce,
  failureSamples,
  postLoad,
  runTag,
  scrape,
  secs,
  sleep,
  statusSummary,
} from './support.ts';

const OUTAGE_MS = 20_000;
/** Acknowledged and queued just before the outage, lost from the queue with Redis's memory. */
const LOST_BATCH = 30;

const missing = await requireServices(['postgres', 'redis']);

describe.skipIf(missing)('Redis outage during ingest', () => {
  let cluster: Cluster;
  let redis: RedisProcess;

  beforeAll(async () => {
    const [port] = await freePorts(1);
    redis = new RedisProcess(port!);
    await redis.start();
    cluster = await startCluster({
      api: 2,
      orchestrators: 2,
      // Every process migrates the fresh database as it starts, all at once (no separate migrate run).
      migrate: false,
      redisUrl: `redis://127.0.0.1:${port}`,
      env: { ...WEBHOOK_ENV, TW_LOG_LEVEL: 'info' },
      orchestratorEnv: {
        // The test freezes the workers (SIGSTOP); one frozen inside a transaction that wrote an audit
        // row holds the audit chain's head lock, and every writer (the API's ingest too) waits on it
        // until PostgreSQL ends that idle transaction. The default (60 s) outlasts the API's 10 s
        // lock_timeout, so ingest would answer 503 meanwhile (docs/AUDIT.md); here it ends after 4 s.
        TW_DATABASE__IDLE_IN_TRANSACTION_TIMEOUT: '4s',
        TW_ORCHESTRATOR__STALE_AFTER: '5s',
        TW_ORCHESTRATOR__RECONCILE_INTERVAL: '2s',
        TW_ORCHESTRATOR__METRICS_INTERVAL: '2s',
      },
    });
  });

  afterAll(async () => {
    for (const o of cluster?.orchestrators ?? []) o.kill('SIGCONT');
    // Redis must be up for stop() to delete the cluster's keys.
    if (redis && (await redisCli(redis.port, 'PING').catch(() => '')) !== 'PONG')
      await redis.start().catch(() => {});
    await cluster?.stop();
    await redis?.destroy();
  });

  it('acknowledged alerts survive a 20 s outage and are triaged once after it, by the same workers', async () => {
    const tag = runTag();
    const pids = cluster.orchestrators.map((o) => o.pid);
    const targets = cluster.apis.map((a) => a.url);
    const ingest = continuousLoad({ targets, tag, concurrency: 4, paceMs: 20 });
    await sleep(3000);

    // Jobs waiting in Redis when it dies are lost with its memory: freeze the workers for a moment
    // so a batch is queued (acknowledged, queued=true) but not yet taken when Redis goes.
    for (const o of cluster.orchestrators) o.kill('SIGSTOP');
    const batch = await postLoad({
      targets,
      tag,
      count: LOST_BATCH,
      concurrency: 6,
      from: 5_000_000,
      kind: () => 'incident',
    });
    expect(statusSummary(batch)).toBe(`202 x${LOST_BATCH}`);
    expect(batch.every((r) => r.queued)).toBe(true);
    const stoppedAt = Date.now();
    await redisCli(redis.port, 'SHUTDOWN', 'NOSAVE').catch(() => '');
    await redis.kill(); // reaps the process (already gone after SHUTDOWN)
    for (const o of cluster.orchestrators) o.kill('SIGCONT');
    // While Redis is down: /ready 503 on every API, saying why.
    const reasons: string[] = [];
    for (const api of cluster.apis) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const res = await fetch(`${api.url}/ready`, { signal: AbortSignal.timeout(5000) }).catch(
          () => undefined,
        );
        const body = res
          ? ((await res.json()) as { checks?: Record<string, { ok: boolean; detail?: string }> })
          : undefined;
        if (res?.status === 503 && body?.checks?.redis?.ok === false) {
          // The public body has no error text; operators read it from the system route.
          expect(body.checks.redis.detail).toBeUndefined();
          const detailed = (await fetch(`${api.url}/api/v1/system/readiness`, {
            headers: asAdmin(),
            signal: AbortSignal.timeout(5000),
          }).then((r) => r.json())) as { checks: Record<string, { ok: boolean; detail?: string }> };
          reasons.push(`${api.name}: ${detailed.checks.redis?.detail}`);
          expect(detailed.checks.redis?.detail ?? '').toMatch(/redis/i);
          expect(body.checks.database?.ok).toBe(true);
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`${api.name} /ready still ${res?.status} ${JSON.stringify(body)}`);
        await sleep(200);
      }
    }
    await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
    const restartedAt = Date.now();
    await redis.start();
    await sleep(3000);
    ingest.stop();
    const during = await ingest.done;

    // A burst after recovery, so every worker has jobs to prove it consumes again.
    const after = await postLoad({ targets, tag, count: 100, concurrency: 10, from: 10_000_000 });
    expect(statusSummary(after)).toBe('202 x100');
    for (const api of cluster.apis) await api.waitReady(30_000);

    const all = [...during, ...batch, ...after];
    const acked = acknowledged(all);
    const notQueued = acked.filter((r) => r.queued === false);
    console.info(
      `[redis-outage] ingest across the outage: ${statusSummary(during)} (${notQueued.length} acknowledged with queued=false); ` +
        `/ready while down: ${reasons.join('; ')}`,
    );
    // Every request got an answer; anything but a 202 is a refusal the sender can retry.
    expect(failureSamples(during).filter((f) => !f.startsWith('503 '))).toEqual([]);
    expect(notQueued.length, 'alerts acknowledged while Redis was down').toBeGreaterThan(0);

    const report = await expectExactlyOnce(
      cluster,
      acked.map((r) => r.incidentId!),
      180_000,
    );
    const doneMs = Date.now() - restartedAt;

    // Same processes, and each consumed jobs after Redis came back.
    expect(cluster.orchestrators.map((o) => o.pid)).toEqual(pids);
    expect(cluster.orchestrators.every((o) => o.running)).toBe(true);
    const since = new Date(restartedAt).toISOString();
    const workers = await cluster.query<{ actor: string; n: number }>(
      `select actor, count(*)::int as n from audit_log where action = 'triage.analyzed' and created_at >= $1
       group by actor order by actor`,
      [since],
    );
    expect(workers.map((w) => w.actor)).toEqual(cluster.orchestrators.map((o) => `orchestrator:${o.name}`));
    const leader = await currentLeader(cluster.orchestrators);
    const requeued = (
      await Promise.all(
        cluster.orchestrators.map(
          async (o) => (await scrape(o.url)).samples.get('tw_reconciler_requeued_total') ?? 0,
        ),
      )
    ).reduce((a, b) => a + b, 0);
    console.info(
      `[redis-outage] all ${report.incidents} incidents triaged ${secs(doneMs)} s after Redis returned; ` +
        `statuses ${JSON.stringify(report.byStatus)}; after recovery verdicts by ${workers.map((w) => `${w.actor}: ${w.n}`).join(', ')}; ` +
        `leader ${leader.proc.name} (term ${leader.term}); reconciler re-enqueued ${requeued}`,
    );
    // The batch's jobs died with Redis's memory: only the reconciler could bring them back. (Those
    // acknowledged with queued=false may not need it: an enqueue the API stopped waiting for sits
    // in the client's offline queue and can still reach Redis when it returns.)
    // What is guaranteed is above: every acknowledged incident, the batch queued just before Redis
    // died included, is triaged exactly once. How many the reconciler re-enqueued is logged, not
    // asserted: across runs it was 82, 46, 13 and 0 with the same outcome (the API's offline queue
    // and Redis persistence decide what is left for it), so the count is no bound.
    const [fence] = await cluster.query<{ term: string; holder: string }>(
      `select term::text, holder from leader_fences where name = 'orchestrator'`,
    );
    // The fence holder is the elector id: `<instance>-<pid>-<random>`.
    expect(fence?.holder.startsWith(`${leader.proc.name}-`), fence?.holder).toBe(true);
    expect(Number(fence?.term)).toBe(leader.term);
  });
});
