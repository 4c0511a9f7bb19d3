// Measures the incident list with the case-work filters and the extended q on PostgreSQL 15 with
// 100,000 incidents (200k indicators, 100k alerts) in a throwaway database: `node --import tsx scripts/measure-casework-list.mts`.
import pg from 'pg';
import { openPostgresDatabase } from '../src/adapters/postgres/postgres.database.ts';
import { migrate } from '../src/adapters/sql/index.ts';
import { listIncidents } from '../src/adapters/sql/incident-list.ts';

const name = process.env.KEEP_DB ?? `tw_cwbench_${Date.now()}`;
const reuse =
  Boolean(process.env.KEEP_DB) &&
  (await (async () => {
    const c = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
    await c.connect();
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    await c.end();
    return r.rows.length > 0;
  })());
const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
await admin.connect();
if (!reuse) await admin.query(`CREATE DATABASE ${name}`);
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
  const t0 = Date.now();
  if (!reuse)
    await db.exec(`
INSERT INTO incidents (id, incident_type, source, severity, severity_rank, status, title, description, fingerprint,
  first_seen, last_seen, created_at, updated_at, tags, assets, assignee, classification, confidence)
SELECT gen_random_uuid(), 'malware', 'edr', 'medium', 2, 'pending_review', 'Beacon from host ' || g, 'callbacks seen',
  'fp' || g, now(), now(), now() - (g || ' seconds')::interval, now(), ARRAY['t' || (g % 100)],
  jsonb_build_array(jsonb_build_object('kind','host','name','WS-' || g), jsonb_build_object('kind','user','name','user' || (g % 5000))),
  CASE WHEN g % 10 = 0 THEN 'analyst' || (g % 7) END,
  (ARRAY['malicious','benign','suspicious','inconclusive'])[1 + g % 4], (g % 100) / 100.0
FROM generate_series(1, 100000) g;
INSERT INTO indicators (id, incident_id, type, value)
SELECT gen_random_uuid(), id, 'ipv4', '10.' || (random()*255)::int || '.' || (random()*255)::int || '.' || (random()*255)::int FROM incidents;
INSERT INTO indicators (id, incident_id, type, value)
SELECT gen_random_uuid(), id, 'sha256', md5(id::text) || md5(id::text || 'x') FROM incidents;
INSERT INTO alerts (id, incident_id, source, title, severity, occurred_at, raw)
SELECT gen_random_uuid(), id, 'edr', title, 'medium', now(),
  jsonb_build_object('process', jsonb_build_object('cmdline', 'rundll32 payload' || md5(id::text) || '.dll', 'pid', 4242),
    'padding', repeat('lorem ipsum dolor sit amet ', 40))
FROM incidents;
ANALYZE;`);
  console.log('seeded 100k incidents, 200k indicators, 100k alerts in', Date.now() - t0, 'ms');
  const some = (
    await db.primary
      .selectFrom('indicators')
      .select(['value'])
      .where('type', '=', 'sha256')
      .limit(1)
      .executeTakeFirstOrThrow()
  ).value;
  const base = { sort: 'created_at', order: 'desc', page: 1, per_page: 50 } as const;
  const cases: [string, Record<string, unknown>][] = [
    ['no filter', {}],
    ['q rare (indicator sha256 exact)', { q: some }],
    ['q prefix of indicator', { q: some.slice(0, 12) }],
    ['q host name', { q: 'ws-77777' }],
    ['q user name (5000-way)', { q: 'user42' }],
    ['q raw payload word', { q: `payload${some.slice(0, 32)}.dll` }],
    ['q common word (title)', { q: 'beacon' }],
    ['q common word (raw padding)', { q: 'lorem' }],
    ['assignee=analyst3', { assignee: { kind: 'user', username: 'analyst3' } }],
    ['assignee=none', { assignee: { kind: 'none' } }],
    ['tag=t42', { tag: ['t42'] }],
    ['classification+min_confidence', { classification: ['malicious'], min_confidence: 0.9 }],
  ];
  for (const [label, q] of cases) {
    await listIncidents(db, { ...base, ...q } as never);
    const times: number[] = [];
    let n = 0;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const page = await listIncidents(db, { ...base, ...q } as never);
      times.push(performance.now() - s);
      n = page.pagination.total_items;
    }
    times.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(36)} median ${times[2]!.toFixed(1)} ms  (matches ${n}${n >= 1000 ? '+' : ''})`,
    );
  }
} finally {
  await db.close();
  // KEEP_DB=<name> keeps (and on the next run reuses) the seeded database.
  if (!process.env.KEEP_DB) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
