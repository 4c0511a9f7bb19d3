/**
 * Issue 3: with the streaming replica configured, list reads go to the replica; when the replica
 * stops (`scripts/services.sh replica-stop`), list and detail requests keep answering 200 from the
 * primary, and once it is back (`replica-start`) list reads return to it.
 *
 * Where a read ran is checked on the replica itself: pg_stat_activity on 5433 shows the
 * `triage-warden` connections of this cluster's database and the last statement each ran.
 * This suite stops the machine's shared replica for a few seconds: it runs alone (see
 * vitest.distributed.config.ts) and always starts the replica again.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLICA_PORT, REPO_ROOT, startCluster, type Cluster } from '../helpers/cluster.ts';
import { SERVICE_HOST, requireServices } from '../helpers/services.ts';
import { acknowledged, postLoad, runTag, secs, sleep, statusSummary, type Posted } from './support.ts';
import { asAdmin } from '../helpers/auth.ts';

const run = promisify(execFile);
const services = (command: string) =>
  run('bash', ['scripts/services.sh', command], { cwd: REPO_ROOT, timeout: 180_000 }).then((r) =>
    `${r.stdout}${r.stderr}`.trim(),
  );

const missing = await requireServices(['postgres', 'redis', 'replica', 'haproxy']);

describe.skipIf(missing)('reads on the streaming replica, and falling back to the primary', () => {
  let cluster: Cluster;
  let replicaStopped = false;

  beforeAll(async () => {
    cluster = await startCluster({
      api: 2,
      orchestrators: 0,
      replica: true,
      // The APIs migrate the fresh database as they start (no separate migrate run).
      migrate: false,
      env: { TW_LOG_LEVEL: 'info' },
    });
  });

  afterAll(async () => {
    if (replicaStopped)
      await services('replica-start').catch((err) => console.error(`replica-start failed: ${err}`));
    await cluster?.stop();
  });

  /** Connections of this cluster on the replica whose last statement read the incidents list. */
  const listReadsOnReplica = async (since = 0): Promise<number> => {
    const client = new pg.Client({
      host: SERVICE_HOST,
      port: REPLICA_PORT,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 3000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const r = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = $1 and application_name like 'triage-warden%' and query like '%from "incidents"%'
           and backend_start >= to_timestamp($2::float8 / 1000)`,
        [cluster.dbName, since],
      );
      return r.rows[0]?.n ?? 0;
    } catch {
      return -1;
    } finally {
      await client.end().catch(() => {});
    }
  };
  // /ready says only ok/not ok; the detail is for operators (system:read).
  const readiness = async (url: string) => {
    const res = await fetch(`${url}/api/v1/system/readiness`, {
      headers: asAdmin(),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as {
      ready: boolean;
      checks: { database?: { ok: boolean; detail?: string } };
    };
    return { status: res.ok && body.ready ? 200 : 503, detail: body.checks.database?.detail };
  };
  const waitDetail = async (detail: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(cluster.apis.map((a) => readiness(a.url)));
      if (states.every((s) => s.status === 200 && s.detail === detail)) return;
      if (Date.now() > deadline)
        throw new Error(`/ready did not say '${detail}' within ${timeoutMs} ms: ${JSON.stringify(states)}`);
      await sleep(200);
    }
  };
  /** A burst of list reads, straight to each API and through haproxy. */
  const listBurst = async () => {
    const urls = [...cluster.apis.map((a) => a.url), cluster.lbUrl];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${urls[i % urls.length]}/api/v1/incidents?per_page=10&page=${1 + (i % 3)}`, {
          headers: asAdmin(),
        }).then((r) => r.status),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
  };

  it('list reads use the replica, survive its stop on the primary, and return to it', async () => {
    const tag = runTag();
    const posted = await postLoad({
      targets: [cluster.lbUrl],
      tag,
      count: 30,
      concurrency: 5,
      kind: () => 'incident',
    });
    expect(statusSummary(posted)).toBe('202 x30');
    const ids = acknowledged(posted).map((r) => r.incidentId!);

    // 1. Replica reads on.
    await waitDetail('replica reads on', 20_000);
    await listBurst();
    const onReplica = await listReadsOnReplica();
    expect(onReplica, 'list queries on the replica').toBeGreaterThan(0);
    // The list on the replica holds what the primary committed (streaming, no lag to speak of).
    const page = (await (
      await fetch(`${cluster.lbUrl}/api/v1/incidents?per_page=100`, { headers: asAdmin() })
    ).json()) as {
      data: { id: string }[];
    };
    expect(ids.every((id) => page.data.some((d) => d.id === id))).toBe(true);

    // 2. Stop it while list and detail requests flow, directly and through haproxy.
    const results: Posted[] = [];
    let reading = true;
    const urls = [...cluster.apis.map((a) => a.url), cluster.lbUrl];
    const lanes = Array.from({ length: 4 }, async (_, lane) => {
      for (let i = 0; reading; i++) {
        const target = urls[(lane + i) % urls.length]!;
        const path =
          i % 2 === 0 ? '/api/v1/incidents?per_page=20' : `/api/v1/incidents/${ids[i % ids.length]}`;
        const started = Date.now();
        try {
          const res = await fetch(`${target}${path}`, {
            headers: asAdmin(),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await res.text();
          results.push({
            index: i,
            target,
            kind: 'incident',
            status: res.status,
            ms: Date.now() - started,
            ...(res.status === 200 ? {} : { error: text.slice(0, 200) }),
          });
        } catch (err) {
          results.push({
            index: i,
            target,
            kind: 'incident',
            status: 0,
            error: String(err),
            ms: Date.now() - started,
          });
        }
        await sleep(20);
      }
    });
    try {
      await sleep(1000);
      const stopAt = Date.now();
      replicaStopped = true;
      await services('replica-stop');
      const stoppedMs = Date.now() - stopAt;
      await waitDetail('primary only', 20_000);
      const fellBackMs = Date.now() - stopAt;
      await sleep(2000); // reads keep flowing on the primary alone
      const duringStop = results.length;

      // 3. Back on.
      const startAt = Date.now();
      await services('replica-start');
      replicaStopped = false;
      await waitDetail('replica reads on', 30_000);
      const backMs = Date.now() - startAt;
      await sleep(1000);
      reading = false;
      await Promise.all(lanes);
      // Fresh connections on the restarted replica serve the list again.
      let again = 0;
      const deadline = Date.now() + 20_000;
      while (again <= 0 && Date.now() < deadline) {
        await listBurst();
        again = await listReadsOnReplica(startAt);
      }
      console.info(
        `[replica] list reads on the replica: ${onReplica} connections before the stop, ${again} after the restart; ` +
          `replica-stop took ${secs(stoppedMs)} s, /ready said 'primary only' ${secs(fellBackMs)} s after it began, ` +
          `'replica reads on' ${secs(backMs)} s after replica-start began; ${results.length} reads across (${duringStop} by the end of the stop): ${statusSummary(results)}`,
      );
      const failed = results.filter((r) => r.status !== 200);
      expect(
        failed.map((r) => `${r.status} ${r.target}: ${r.error}`),
        'reads while the replica stopped and started',
      ).toEqual([]);
      expect(results.length).toBeGreaterThan(20);
      expect(again, 'list queries on the restarted replica').toBeGreaterThan(0);
    } finally {
      reading = false;
      await Promise.all(lanes);
    }
  });
});
