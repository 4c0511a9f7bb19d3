import { sql } from 'kysely';
import type { InstanceLoad, InstanceRole, InstanceView } from '../../contracts/cluster.ts';
import type { Fence } from '../../ports/index.ts';
import type { FenceHolder, InstanceHeartbeat, InstanceRegistry } from '../../ports/instance-registry.port.ts';
import type { SqlDatabase } from './database.ts';
import { raiseFence } from './leader-fence.ts';

interface Row {
  id: string;
  name: string;
  role: InstanceRole;
  hostname: string;
  pid: number;
  version: string;
  started_at: Date | string;
  seen_at: Date | string;
  gone: boolean;
  live: boolean;
  uptime_s: number | string;
  seen_ago_s: number | string;
  load: unknown;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0);
const figure = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The stored load as the API shape, whatever wrote it: a process of another version (a rolling upgrade)
 * may lack a field or carry others, and the answer must still serialise.
 */
function toLoad(raw: unknown): InstanceLoad {
  const l = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const pool = l.db_pool && typeof l.db_pool === 'object' ? (l.db_pool as Record<string, unknown>) : null;
  return {
    interval_s: figure(l.interval_s) ?? 0,
    rss_mb: figure(l.rss_mb) ?? 0,
    heap_used_mb: figure(l.heap_used_mb) ?? 0,
    event_loop_lag_p99_ms: figure(l.event_loop_lag_p99_ms),
    cpu_percent: figure(l.cpu_percent),
    http_requests_in_interval: count(l.http_requests_in_interval),
    http_in_flight: count(l.http_in_flight),
    websocket_clients: count(l.websocket_clients),
    jobs_active: count(l.jobs_active),
    jobs_completed_in_interval: count(l.jobs_completed_in_interval),
    jobs_failed_in_interval: count(l.jobs_failed_in_interval),
    db_pool: pool ? { total: count(pool.total), idle: count(pool.idle), waiting: count(pool.waiting) } : null,
  };
}

/**
 * {@link InstanceRegistry} on the `instances` table (migration 0017), always on the primary: a replica
 * would show heartbeats late. One unnamed statement per call (PgBouncer transaction mode), except
 * `prune`, whose fence check and delete share a transaction.
 */
export class SqlInstanceRegistry implements InstanceRegistry {
  constructor(private readonly database: SqlDatabase) {}

  async heartbeat(b: InstanceHeartbeat): Promise<void> {
    await sql`
      INSERT INTO instances (id, name, role, hostname, pid, version, started_at, seen_at, gone_at, load)
      VALUES (${b.id}, ${b.name}, ${b.role}, ${b.hostname}, ${b.pid}, ${b.version}, ${b.startedAt.toISOString()}::timestamptz,
        now(), NULL, ${JSON.stringify(b.load)}::jsonb)
      ON CONFLICT (id) DO UPDATE SET seen_at = now(), gone_at = NULL, load = EXCLUDED.load,
        role = EXCLUDED.role, version = EXCLUDED.version`.execute(this.database.primary);
  }

  async markGone(id: string): Promise<void> {
    await sql`UPDATE instances SET gone_at = now() WHERE id = ${id}`.execute(this.database.primary);
  }

  async list(staleAfterMs: number): Promise<InstanceView[]> {
    const r = await sql<Row>`
      SELECT id, name, role, hostname, pid, version, started_at, seen_at, load,
        gone_at IS NOT NULL AS gone,
        seen_at >= now() - make_interval(secs => ${staleAfterMs / 1000}) AS live,
        greatest(0, extract(epoch FROM now() - started_at))::float8 AS uptime_s,
        greatest(0, extract(epoch FROM now() - seen_at))::float8 AS seen_ago_s
      FROM instances
      ORDER BY (gone_at IS NULL AND seen_at >= now() - make_interval(secs => ${staleAfterMs / 1000})) DESC,
        role, name, started_at DESC, id`.execute(this.database.primary);
    return r.rows.map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role,
      hostname: row.hostname,
      pid: Number(row.pid),
      version: row.version,
      started_at: iso(row.started_at),
      seen_at: iso(row.seen_at),
      uptime_s: Math.round(Number(row.uptime_s)),
      seen_ago_s: Math.round(Number(row.seen_ago_s) * 10) / 10,
      status: row.gone ? 'gone' : row.live ? 'live' : 'stale',
      leader: false,
      load: toLoad(row.load),
    }));
  }

  async fenceHolder(name: string): Promise<FenceHolder | null> {
    const r = await sql<{
      holder: string;
      term: string | number;
      epoch: string | number;
      updated_at: Date | string;
    }>`
      SELECT holder, term, epoch, updated_at FROM leader_fences WHERE name = ${name}`.execute(
      this.database.primary,
    );
    const row = r.rows[0];
    return row
      ? {
          holder: row.holder,
          term: Number(row.term),
          epoch: Number(row.epoch),
          claimedAt: new Date(row.updated_at),
        }
      : null;
  }

  async prune(fence: Fence, olderThanMs: number): Promise<number | null> {
    return this.database.primary.transaction().execute(async (tx) => {
      if (!(await raiseFence(tx, fence))) return null;
      const r = await sql<{ n: number }>`
        WITH d AS (DELETE FROM instances WHERE seen_at < now() - make_interval(secs => ${olderThanMs / 1000})
          RETURNING 1)
        SELECT count(*)::int AS n FROM d`.execute(tx);
      return Number(r.rows[0]?.n ?? 0);
    });
  }
}
