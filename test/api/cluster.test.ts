// GET /api/v1/cluster on the embedded runtime (PGlite in a data folder): the one process lists itself
// as role `all`, leader with its term, with load figures from a real listener (requests, in flight,
// jobs); only `system:read` may read it; after a restart the old process shows as gone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, InstanceView } from '../../src/contracts/cluster.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('GET /api/v1/cluster (embedded)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-cluster-'));
  const config = testConfig({ data_dir: dataDir, server: { heartbeat_interval: '200ms' } });
  let rt: Runtime | undefined;

  afterAll(async () => {
    await rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const view = async (r: Runtime): Promise<ClusterView> => {
    const res = await fetch(`${r.url}/api/v1/cluster`, { headers: asAdmin() });
    expect(res.status).toBe(200);
    return (await res.json()) as ClusterView;
  };
  const self = (v: ClusterView): InstanceView | undefined => v.instances.find((i) => i.status === 'live');

  beforeAll(async () => {
    rt = await startRuntime(config, { listen: true });
  }, 120_000);

  it('lists this process (role all) as the leader with its term, its load and the queue', async () => {
    const r = rt!;
    const first = await eventually(async () => {
      const v = await view(r);
      return v.leader && v.instances.length === 1 ? v : undefined;
    }, 'the first heartbeat and the leader fence');
    const me = first.instances[0]!;
    expect(me).toMatchObject({
      role: 'all',
      name: 'test',
      pid: process.pid,
      version: VERSION,
      status: 'live',
    });
    expect(me.leader).toBe(true);
    expect(first.leader).toMatchObject({ id: me.id, status: 'live' });
    expect(first.leader!.term).toBeGreaterThanOrEqual(1);
    expect(first.heartbeat_interval_s).toBe(0.2);
    expect(first.stale_after_s).toBeCloseTo(0.6);
    expect(first.queue).toMatchObject({ depth: expect.any(Number), active: expect.any(Number) });
    // PGlite has no pool; the in-process figures are there.
    expect(me.load.db_pool).toBeNull();
    expect(me.load.rss_mb).toBeGreaterThan(10);
    expect(me.load.event_loop_lag_p99_ms).not.toBeNull();

    // Requests and jobs show up in the following heartbeats' interval counts.
    const res = await fetch(`${r.url}/api/v1/incidents`, {
      method: 'POST',
      headers: asAdmin({ 'content-type': 'application/json' }),
      body: JSON.stringify({
        title: 'cluster load probe',
        severity: 'low',
        incident_type: 'malware',
        source: 'test',
      }),
    });
    expect(res.status).toBeLessThan(300);
    const totals = { http: 0, completed: 0, inFlightSeen: 0 };
    await eventually(async () => {
      const m = self(await view(r))!;
      totals.http += m.load.http_requests_in_interval;
      totals.completed += m.load.jobs_completed_in_interval;
      // This very request is in flight while the heartbeat may sample; at least it never goes negative.
      expect(m.load.http_in_flight).toBeGreaterThanOrEqual(0);
      return totals.http >= 2 && totals.completed >= 1;
    }, 'requests and a finished triage job in the heartbeats');
  });

  it('the leader prunes rows not seen for an hour, under its fence', async () => {
    const r = rt!;
    await sql`INSERT INTO instances (id, name, role, hostname, pid, version, started_at, seen_at)
      VALUES ('ghost-1-0000', 'ghost', 'api', 'h', 1, '0', now() - interval '3 hours', now() - interval '2 hours'),
        ('recent-2-0000', 'recent', 'api', 'h', 2, '0', now() - interval '1 hour', now() - interval '10 minutes')`.execute(
      r.database.primary,
    );
    expect(await r.leaderJobs!.pruneInstances()).toBe(1);
    const ids = (await view(r)).instances.map((i) => i.id);
    expect(ids).not.toContain('ghost-1-0000');
    expect(ids).toContain('recent-2-0000');
    await sql`DELETE FROM instances WHERE id = 'recent-2-0000'`.execute(r.database.primary);
  });

  it('needs system:read: no credential is 401', async () => {
    const res = await fetch(`${rt!.url}/api/v1/cluster`);
    expect(res.status).toBe(401);
  });

  it('after a graceful restart the old process is gone and the new one leads', async () => {
    const before = (await view(rt!)).instances.find((i) => i.status === 'live')!;
    await rt!.stop();
    rt = await startRuntime(config, { listen: true });
    const r = rt;
    const after = await eventually(async () => {
      const v = await view(r);
      const live = v.instances.filter((i) => i.status === 'live');
      return live.length === 1 && v.leader?.id === live[0]!.id ? v : undefined;
    }, 'the new process leading');
    const old = after.instances.find((i) => i.id === before.id)!;
    expect(old.status).toBe('gone');
    expect(old.leader).toBe(false);
    const now = after.instances.find((i) => i.status === 'live')!;
    expect(now.id).not.toBe(before.id);
    expect(now.leader).toBe(true);
  }, 120_000);
});
