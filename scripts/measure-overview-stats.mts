// Measures GET /stats/overview's statement on PostgreSQL 15 with 100,000 incidents spread over the
// last 60 days (about 1,700 a day; 90% triaged, 60% closed) in a throwaway database, and prints each
// window's plan summary: `node --import tsx scripts/measure-overview-stats.mts` (KEEP_DB=name reuses one).
import { sql } from 'kysely';
import pg from 'pg';
import { openPostgresDatabase } from '../src/adapters/postgres/postgres.database.ts';
import { SqlIncidentStatsStore, migrate } from '../src/adapters/sql/index.ts';
import { overviewStatement, windowBounds } from '../src/adapters/sql/incident-stats.repository.ts';
import { STATS_WINDOWS } from '../src/contracts/index.ts';

const name = process.env.KEEP_DB ?? `tw_ovbench_${Date.now()}`;
const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
await admin.connect();
const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
if (!exists) await admin.query(`CREATE DATABASE ${name}`);
const db = await openPostgresDatabase({
  primaryUrl: `postgres://postgres@127.0.0.1:5432/${name}`,
  readReplicaEnabled: false,
  maxConnections: 2,
  minConnections: 0,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 600_000,
  replicaMaxLagMs: 1000,
});
try {
  await migrate(db);
  if (!exists) {
    const t0 = Date.now();
    await db.exec(`
INSERT INTO incidents (id, incident_type, source, severity, severity_rank, status, title, fingerprint,
  first_seen, last_seen, created_at, updated_at, classification, confidence, triaged_at, closed_at)
SELECT gen_random_uuid(), 'malware', 'edr', (ARRAY['info','low','medium','high','critical'])[1 + g % 5], g % 5,
  CASE WHEN g % 10 < 6 THEN 'resolved' WHEN g % 10 < 9 THEN 'pending_review' ELSE 'new' END,
  'Beacon ' || g, 'fp' || g, c, c, c, c,
  CASE WHEN g % 10 < 9 THEN (ARRAY['malicious','benign','suspicious','inconclusive'])[1 + g % 4] END,
  CASE WHEN g % 10 < 9 THEN 0.8 END,
  CASE WHEN g % 10 < 9 THEN c + ((g % 600) || ' seconds')::interval END,
  CASE WHEN g % 10 < 6 THEN c + ((g % 86400) || ' seconds')::interval END
FROM generate_series(1, 100000) g, LATERAL (SELECT now() - (g * 51.84 || ' seconds')::interval AS c) t;
ANALYZE incidents;`);
    console.log('seeded 100k incidents over 60 days in', Date.now() - t0, 'ms');
  }
  const stats = new SqlIncidentStatsStore(db);
  for (const window of STATS_WINDOWS) {
    await stats.overview(window);
    const times: number[] = [];
    let s = await stats.overview(window);
    for (let n = 0; n < 7; n++) {
      const t = performance.now();
      s = await stats.overview(window);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const created = s.buckets.reduce((x, b) => x + b.created, 0);
    const { from, to, stepMs } = windowBounds(window, new Date());
    const plan = await sql<{
      'QUERY PLAN': string;
    }>`EXPLAIN (ANALYZE, BUFFERS) ${overviewStatement(from, to, stepMs)}`.execute(db.primary);
    const lines = plan.rows.map((r) => r['QUERY PLAN']);
    const scans = lines
      .filter((l) => /Scan|Execution Time/.test(l))
      .map((l) => l.trim().replace(/\(cost=[^)]*\)\s*/, ''));
    console.log(
      `${window}: median ${times[3]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[6]!.toFixed(1)}) over ${created} incidents created in the window`,
    );
    for (const l of scans) console.log('   ', l);
  }
} finally {
  await db.close();
  if (!process.env.KEEP_DB) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
