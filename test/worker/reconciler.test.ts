// Issue 10 item 5: the reconciler walks past incidents that keep failing (keyset, not a fixed first
// page), skips dead-lettered ones, and recovers its fence after another deployment used the database.
import type { JobPayloads } from '../../src/core/jobs/job-catalog.ts';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InProcessJobQueue, InProcessLeaderElector } from '../../src/adapters/in-process/index.ts';
import { SqlIncidentStore, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { LeaderJobs } from '../../src/worker/leader-jobs.ts';
import { eventually } from '../helpers/runtime.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const HOUR = 3_600_000;

function alert(tag: string): NormalizedAlert {
  return {
    source: `reconcile-${tag}`,
    title: 'Malware beacon',
    severity: 'high',
    incidentType: 'malware',
    occurredAt: new Date(),
    indicators: [],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `fp:${randomUUID()}`,
    raw: null,
  };
}

const backends = await storeBackends('tw_reconcile');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`reconciler on ${backend.name}`, () => {
    let db: SqlDatabase;
    let store: SqlIncidentStore;
    const cleanups: (() => Promise<unknown>)[] = [];
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      store = new SqlIncidentStore(db);
    }, 120_000);
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    /** `n` incidents of one source in `new`, last touched `ageMinutes` ago. */
    async function pending(tag: string, n: number, ageMinutes: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 200) {
        const batch = Array.from({ length: Math.min(200, n - i) }, () => alert(tag));
        ids.push(...(await store.ingestMany(batch, HOUR)).map((r) => r.incident.id));
      }
      await sql`UPDATE incidents SET updated_at = now() - make_interval(mins => ${ageMinutes})
        WHERE source = ${`reconcile-${tag}`}`.execute(db.primary);
      return ids;
    }

    function leaderJobs(queue: InProcessJobQueue<JobPayloads>, fenceTakeoverMs?: number) {
      const elector = new InProcessLeaderElector({ instanceName: 'reconciler-test' });
      const jobs = new LeaderJobs({
        elector,
        store,
        queue,
        bus: new InProcessEventBus(),
        metrics: new Metrics(),
        log: SILENT_LOGGER,
        intervals: {
          reconcileMs: HOUR,
          staleAfterMs: 60_000,
          metricsMs: HOUR,
          housekeepingMs: HOUR,
          retentionMs: 365 * 24 * HOUR,
          ...(fenceTakeoverMs !== undefined ? { fenceTakeoverMs } : {}),
        },
      });
      cleanups.push(
        () => jobs.stop(),
        () => elector.stop(),
      );
      return { elector, jobs };
    }

    function queueOf() {
      return new InProcessJobQueue<JobPayloads>({
        retry: { attempts: 1, backoffMs: 10 },
      });
    }

    /** True when a job for `id` waits in the queue (it takes one job per id). */
    async function isQueued(queue: InProcessJobQueue<JobPayloads>, id: string) {
      return !(await queue.enqueue('triage', id, { incident_id: id })).added;
    }

    it('walks past 600 older incidents that keep failing to a newer one whose enqueue was lost', async () => {
      const tag = randomUUID().slice(0, 8);
      const queue = queueOf();
      // 600 poison incidents: their jobs are queued (retrying) again and again, never done.
      const poison = await pending(`${tag}-poison`, 600, 60);
      await queue.enqueueMany(poison.map((id) => ({ name: 'triage', id, payload: { incident_id: id } })));
      const [lost] = await pending(`${tag}-lost`, 1, 30);
      const { elector, jobs } = leaderJobs(queue);
      await elector.start();
      const added = await jobs.reconcile();
      expect(added).toBe(1);
      expect(await isQueued(queue, lost!)).toBe(true);
    });

    it('dead-lettered incidents are left out of the walk', async () => {
      const tag = randomUUID().slice(0, 8);
      const queue = queueOf();
      const dead = await pending(`${tag}-dead`, 3, 60);
      for (const id of dead) {
        expect(await store.recordTriageFailure(id, 'boom', 1, 'test')).toEqual({
          attempts: 1,
          dead_lettered: true,
        });
      }
      await sql`UPDATE incidents SET updated_at = now() - interval '1 hour' WHERE id = ANY(${dead}::uuid[])`.execute(
        db.primary,
      );
      const [lost] = await pending(`${tag}-lost`, 1, 30);
      const { elector, jobs } = leaderJobs(queue);
      await elector.start();
      await jobs.reconcile();
      expect(await isQueued(queue, lost!)).toBe(true);
      for (const id of dead) expect(await isQueued(queue, id)).toBe(false);
    });

    it('recovers the fence left by another deployment with larger terms once its holder is stale', async () => {
      await sql`DELETE FROM leader_fences`.execute(db.primary);
      // A Redis deployment used this database: its terms are microsecond clocks.
      const foreign = 1_733_000_000_000_000;
      expect(await store.claimTerm('orchestrator', foreign, 'other-deployment')).toBe(true);
      const tag = randomUUID().slice(0, 8);
      const [lost] = await pending(`${tag}-lost`, 1, 30);

      // While the holder is live (it touched the fence just now) this leader stays fenced out.
      const live = leaderJobs(queueOf(), 60_000);
      live.jobs.start();
      await live.elector.start();
      await eventually(async () => live.jobs.stats.fencedOut >= 2, 'fenced out while the holder is live');
      expect(live.jobs.stats.reconcileRuns).toBe(0);
      await live.jobs.stop();
      await live.elector.stop();

      // Silent for longer than the takeover time: taken over in a new epoch, and the walk runs.
      await sql`UPDATE leader_fences SET updated_at = now() - interval '10 minutes'`.execute(db.primary);
      const queue = queueOf();
      const { elector, jobs } = leaderJobs(queue, 60_000);
      jobs.start();
      await elector.start();
      await eventually(
        async () => jobs.stats.reconcileRuns >= 1,
        'a reconcile pass under the taken-over fence',
      );
      expect(jobs.stats.fenceTakeovers).toBe(1);
      expect(await isQueued(queue, lost!)).toBe(true);
      const fence = await sql<{ term: string; epoch: string; holder: string }>`
        SELECT term::text, epoch::text, holder FROM leader_fences WHERE name = 'orchestrator'`.execute(
        db.primary,
      );
      expect(fence.rows[0]).toMatchObject({ epoch: '1', holder: elector.id });
      // The old holder, should it come back with its epoch, is refused; so is a stale lower term.
      expect(
        await store.claimFence({
          name: 'orchestrator',
          term: foreign + 1,
          holder: 'other-deployment',
          epoch: 0,
        }),
      ).toBeNull();
      expect(
        await store.purgeClosedIncidents(
          { name: 'orchestrator', term: foreign, holder: 'x', epoch: 0 },
          0,
          1,
        ),
      ).toBeNull();
      // A newer leader of this deployment (higher term, no epoch yet) adopts the epoch.
      expect(await store.claimFence({ name: 'orchestrator', term: 5, holder: 'next' })).toEqual({
        epoch: 1,
        takeover: false,
      });
    });
  });
}
