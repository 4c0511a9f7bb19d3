// The cluster registry (migration 0017) on PGlite and on the PostgreSQL 15 server: heartbeats upsert
// one row per process start, ages and staleness by the database clock, graceful shutdown marks the
// row gone, the leader's prune goes through the fence, the view joins the fence holder and the queue.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SqlIncidentStore,
  SqlInstanceRegistry,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import type { InstanceLoad } from '../../src/contracts/cluster.ts';
import { ClusterService } from '../../src/core/cluster/cluster.service.ts';
import { InstanceHeartbeatLoop } from '../../src/core/cluster/instance-heartbeat.ts';
import type { InstanceHeartbeat, Logger } from '../../src/ports/index.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_inst');

const LOAD: InstanceLoad = {
  interval_s: 10,
  rss_mb: 120.5,
  heap_used_mb: 40.2,
  event_loop_lag_p99_ms: 12.3,
  cpu_percent: 7.5,
  http_requests_in_interval: 42,
  http_in_flight: 1,
  websocket_clients: 3,
  jobs_active: 2,
  jobs_completed_in_interval: 5,
  jobs_failed_in_interval: 1,
  db_pool: { total: 4, idle: 2, waiting: 0 },
};

const beat = (id: string, role: InstanceHeartbeat['role'], load: InstanceLoad = LOAD): InstanceHeartbeat => ({
  id,
  name: id.split('-')[0]!,
  role,
  hostname: 'host-a',
  pid: 4242,
  version: '0.1.0',
  startedAt: new Date(Date.now() - 60_000),
  load,
});

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`cluster registry on ${backend.name}`, () => {
    let db: SqlDatabase;
    let registry: SqlInstanceRegistry;
    let fences: SqlIncidentStore;
    const age = (id: string, interval: string) =>
      sql`UPDATE instances SET seen_at = now() - ${interval}::interval WHERE id = ${id}`.execute(db.primary);

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      registry = new SqlInstanceRegistry(db);
      fences = new SqlIncidentStore(db);
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it('upserts one row per process start; a later beat replaces the load and revives a gone row', async () => {
      await registry.heartbeat(beat('api1-1-aaaa', 'api'));
      await registry.heartbeat(beat('orch1-2-bbbb', 'orchestrator', { ...LOAD, db_pool: null }));
      await registry.heartbeat(beat('api1-1-aaaa', 'api', { ...LOAD, http_requests_in_interval: 7 }));
      let list = await registry.list(30_000);
      expect(list.map((i) => [i.id, i.role, i.status])).toEqual([
        ['api1-1-aaaa', 'api', 'live'],
        ['orch1-2-bbbb', 'orchestrator', 'live'],
      ]);
      const api = list[0]!;
      expect(api.load.http_requests_in_interval).toBe(7);
      expect(api).toMatchObject({
        name: 'api1',
        hostname: 'host-a',
        pid: 4242,
        version: '0.1.0',
        leader: false,
      });
      expect(api.uptime_s).toBeGreaterThanOrEqual(59);
      expect(api.seen_ago_s).toBeLessThan(5);
      expect(list[1]!.load.db_pool).toBeNull();

      await registry.markGone('orch1-2-bbbb');
      list = await registry.list(30_000);
      expect(list.find((i) => i.id === 'orch1-2-bbbb')!.status).toBe('gone');
      await registry.heartbeat(beat('orch1-2-bbbb', 'orchestrator'));
      list = await registry.list(30_000);
      expect(list.find((i) => i.id === 'orch1-2-bbbb')!.status).toBe('live');
    });

    it('a row unseen for the staleness window is stale, listed after the live ones', async () => {
      await registry.heartbeat(beat('dead-3-cccc', 'api'));
      await age('dead-3-cccc', '45 seconds');
      const list = await registry.list(30_000);
      const dead = list.find((i) => i.id === 'dead-3-cccc')!;
      expect(dead.status).toBe('stale');
      expect(dead.seen_ago_s).toBeGreaterThanOrEqual(44);
      expect(list.at(-1)!.id).toBe('dead-3-cccc');
    });

    it('a load written by another version (fields missing or extra) lists in the current shape', async () => {
      await sql`INSERT INTO instances (id, name, role, hostname, pid, version, started_at, load)
        VALUES ('other-9-ffff', 'other', 'api', 'h', 9, '0.0.9', now(), '{"rss_mb": 50, "future": true}')`.execute(
        db.primary,
      );
      const row = (await registry.list(30_000)).find((i) => i.id === 'other-9-ffff')!;
      expect(row.load).toEqual({
        ...LOAD,
        interval_s: 0,
        rss_mb: 50,
        heap_used_mb: 0,
        event_loop_lag_p99_ms: null,
        cpu_percent: null,
        http_requests_in_interval: 0,
        http_in_flight: 0,
        websocket_clients: 0,
        jobs_active: 0,
        jobs_completed_in_interval: 0,
        jobs_failed_in_interval: 0,
        db_pool: null,
      });
      await sql`DELETE FROM instances WHERE id = 'other-9-ffff'`.execute(db.primary);
    });

    it('prune deletes rows unseen for the max age, only under the current fence', async () => {
      await registry.heartbeat(beat('old-4-dddd', 'orchestrator'));
      await age('old-4-dddd', '2 hours');
      const holder = 'orch1-2-bbbb';
      expect(await fences.claimFence({ name: 'orchestrator', term: 5, holder })).not.toBeNull();
      // A deposed leader (lower term) is refused and deletes nothing.
      expect(await registry.prune({ name: 'orchestrator', term: 4, holder: 'x' }, 3_600_000)).toBeNull();
      expect((await registry.list(30_000)).some((i) => i.id === 'old-4-dddd')).toBe(true);
      expect(await registry.prune({ name: 'orchestrator', term: 5, holder }, 3_600_000)).toBe(1);
      const ids = (await registry.list(30_000)).map((i) => i.id);
      expect(ids).not.toContain('old-4-dddd');
      expect(ids).toContain('dead-3-cccc');
    });

    it('the cluster view names the fence holder as leader with its term, and the queue depth', async () => {
      const service = new ClusterService({
        registry,
        queueCounts: async () => ({ waiting: 3, active: 2, delayed: 1, failed: 4 }),
        fenceName: 'orchestrator',
        heartbeatIntervalMs: 10_000,
      });
      const view = await service.view();
      expect(view.stale_after_s).toBe(30);
      expect(view.leader).toMatchObject({ id: 'orch1-2-bbbb', term: 5, status: 'live' });
      expect(view.instances.filter((i) => i.leader).map((i) => i.id)).toEqual(['orch1-2-bbbb']);
      expect(view.queue).toEqual({ depth: 4, waiting: 3, active: 2, delayed: 1, failed: 4 });
      // The queue being unreadable (Redis down) does not hide the instances.
      const noQueue = new ClusterService({
        registry,
        queueCounts: async () => Promise.reject(new Error('redis down')),
        fenceName: 'orchestrator',
        heartbeatIntervalMs: 10_000,
      });
      const v2 = await noQueue.view();
      expect(v2.queue).toBeNull();
      expect(v2.instances.length).toBeGreaterThan(0);
    });

    it('the heartbeat loop writes, survives failing writes (logged once per period) and marks itself gone', async () => {
      const warnings: string[] = [];
      const log: Logger = { ...SILENT_LOGGER, warn: (_o, msg) => void warnings.push(String(msg)) };
      let fail = false;
      const flaky = {
        heartbeat: async (b: InstanceHeartbeat) => {
          if (fail) throw new Error('database unavailable');
          await registry.heartbeat(b);
        },
        markGone: (id: string) => registry.markGone(id),
        list: registry.list.bind(registry),
        fenceHolder: registry.fenceHolder.bind(registry),
        prune: registry.prune.bind(registry),
      };
      const loop = new InstanceHeartbeatLoop({
        registry: flaky,
        self: { ...beat('loop-5-eeee', 'all'), startedAt: new Date() },
        sample: (intervalS) => ({ ...LOAD, interval_s: intervalS }),
        intervalMs: 3_600_000,
        log,
      });
      expect(await loop.beat()).toBe(true);
      fail = true;
      expect(await loop.beat()).toBe(false);
      expect(await loop.beat()).toBe(false);
      expect(loop.stats).toEqual({ written: 1, failed: 2 });
      expect(warnings.filter((w) => w.includes('heartbeat failed'))).toHaveLength(1);
      fail = false;
      expect(await loop.beat()).toBe(true);
      await loop.stop();
      await loop.stop();
      const row = (await registry.list(30_000)).find((i) => i.id === 'loop-5-eeee')!;
      expect(row.status).toBe('gone');
      expect(row.role).toBe('all');
    });
  });
}
