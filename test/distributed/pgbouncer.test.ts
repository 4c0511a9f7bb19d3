/**
 * Issue 3: the exactly-once scenario through PgBouncer in transaction mode (127.0.0.1:6432): 500
 * incidents round-robin over 2 API replicas, 2 orchestrators, every process's TW_DATABASE_URL on
 * PgBouncer, migrations on the direct URL (TW_DATABASE_DIRECT_URL). Transaction pooling hands
 * each transaction whatever server connection is free, so anything session-bound (named prepared
 * statements, session SET, session advisory locks, LISTEN) would break here.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGBOUNCER_PORT, startCluster, type Cluster } from '../helpers/cluster.ts';
import { SERVICE_HOST, requireServices } from '../helpers/services.ts';
import {
  StreamClient,
  WEBHOOK_ENV,
  acknowledged,
  expectExactlyOnce,
  failureSamples,
  postLoad,
  runTag,
  secs,
  sleep,
  statusSummary,
} from './support.ts';

const INCIDENTS = 500;

const missing = await requireServices(['postgres', 'redis', 'pgbouncer']);

describe.skipIf(missing)('exactly-once triage through PgBouncer (transaction mode)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      api: 2,
      orchestrators: 2,
      database: 'pgbouncer',
      env: { ...WEBHOOK_ENV, TW_LOG_LEVEL: 'warn' },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  /** PgBouncer's own view (admin console): its clients connected to this cluster's database. */
  const bouncerClients = async (): Promise<number> => {
    const admin = new pg.Client({
      host: SERVICE_HOST,
      port: PGBOUNCER_PORT,
      user: 'postgres',
      database: 'pgbouncer',
    });
    admin.on('error', () => {});
    await admin.connect();
    try {
      // The admin console speaks only the simple query protocol.
      const r = await admin.query({ text: 'SHOW CLIENTS', rowMode: 'array' });
      const col = r.fields.findIndex((f) => f.name === 'database');
      return r.rows.filter((row: unknown[]) => row[col] === cluster.dbName).length;
    } finally {
      await admin.end().catch(() => {});
    }
  };

  it('triages every acknowledged incident exactly once with all database traffic pooled', async () => {
    expect(cluster.databaseUrl).toContain(`:${PGBOUNCER_PORT}/`);
    expect(cluster.env.TW_DATABASE_DIRECT_URL).toBe(cluster.directUrl);
    const [api1, api2] = cluster.apis as [(typeof cluster.apis)[0], (typeof cluster.apis)[0]];
    const events = await StreamClient.connect(api1.url, 'types=analysis_complete');
    try {
      const tag = runTag();
      const t0 = Date.now();
      const results = await postLoad({
        targets: [api1.url, api2.url],
        tag,
        count: INCIDENTS,
        concurrency: 20,
      });
      expect(statusSummary(results), failureSamples(results).join('\n')).toBe(`202 x${INCIDENTS}`);
      const acked = acknowledged(results);
      const ids = acked.map((r) => r.incidentId!);
      expect(new Set(ids).size).toBe(INCIDENTS);
      const clients = await bouncerClients();

      const report = await expectExactlyOnce(cluster, ids, 180_000);
      expect(report.incidents).toBe(INCIDENTS);
      const fromOther = acked.filter((r) => r.target === api2.url).map((r) => r.incidentId!);
      const deadline = Date.now() + 30_000;
      while (
        fromOther.some((id) => !events.countByIncident('analysis_complete').has(id)) &&
        Date.now() < deadline
      )
        await sleep(200);
      const seen = events.countByIncident('analysis_complete');
      console.info(
        `[pgbouncer] ${INCIDENTS} incidents acknowledged and triaged in ${secs(Date.now() - t0)} s through PgBouncer ` +
          `(${clients} client connections of this database on it); statuses ${JSON.stringify(report.byStatus)}; ` +
          `api-1's WebSocket saw ${seen.size} verdicts, ${fromOther.filter((id) => seen.has(id)).length}/${fromOther.length} of api-2's incidents`,
      );
      // The processes' pools really are PgBouncer's clients (the direct URL serves only migrations).
      expect(clients).toBeGreaterThan(0);
      expect(fromOther.filter((id) => !seen.has(id))).toEqual([]);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    } finally {
      events.close();
    }
  });
});
