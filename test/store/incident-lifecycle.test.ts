// Issue 10 item 4: how repeats fold (docs/INCIDENT-LIFECYCLE.md), on PGlite and PostgreSQL 15.
import type { JobPayloads } from '../../src/core/jobs/job-catalog.ts';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus, InProcessJobQueue } from '../../src/adapters/in-process/index.ts';
import { SqlIncidentStore, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { IncidentStatus, NormalizedAlert } from '../../src/contracts/index.ts';
import { IngestService } from '../../src/core/ingest/ingest.service.ts';
import { NOOP_TELEMETRY, SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const HOUR = 3_600_000;

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Suspicious login from 10.1.2.3',
    severity: 'low',
    incidentType: 'suspicious_login',
    occurredAt: new Date(),
    indicators: [{ type: 'ipv4', value: '10.1.2.3' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:life:${randomUUID()}`,
    raw: null,
    ...over,
  };
}

/** True when a triage job for `id` is already waiting (the queue takes one job per id). */
async function queued(queue: InProcessJobQueue<JobPayloads>, id: string): Promise<boolean> {
  return !(await queue.enqueue('triage', id, { incident_id: id })).added;
}

const backends = await storeBackends('tw_lifecycle');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`incident lifecycle on ${backend.name}`, () => {
    let db: SqlDatabase;
    let store: SqlIncidentStore;
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      store = new SqlIncidentStore(db);
    }, 120_000);
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    async function move(id: string, path: IncidentStatus[]): Promise<void> {
      for (let i = 1; i < path.length; i++) {
        const moved = await store.transition({
          id,
          from: path[i - 1]!,
          to: path[i]!,
          actor: 'test',
          action: 'test.move',
        });
        expect(moved, `${path[i - 1]} → ${path[i]}`).not.toBeNull();
      }
    }

    function service(over: { maxAlerts?: number; reopen?: boolean } = {}) {
      const queue = new InProcessJobQueue<JobPayloads>({
        retry: { attempts: 1, backoffMs: 10 },
      });
      const ingest = new IngestService({
        store,
        queue,
        bus: new InProcessEventBus(),
        log: SILENT_LOGGER,
        telemetry: NOOP_TELEMETRY,
        dedupWindowMs: HOUR,
        ...(over.maxAlerts ? { dedupMaxAlerts: over.maxAlerts } : {}),
        ...(over.reopen ? { onRepeatAfterClose: 'reopen' as const } : {}),
      });
      return { ingest, queue };
    }

    it('a repeat after closure opens a new incident linked to the closed one; both timelines show it', async () => {
      const fp = `test:life:${randomUUID()}`;
      const first = await store.ingest(alert({ fingerprint: fp }), HOUR);
      await move(first.incident.id, ['new', 'enriching', 'analyzing', 'false_positive']);
      const { ingest, queue } = service();
      const repeat = await ingest.ingest(alert({ fingerprint: fp, severity: 'critical' }));
      expect(repeat.created).toBe(true);
      expect(repeat.incident.id).not.toBe(first.incident.id);
      expect(repeat.incident).toMatchObject({
        status: 'new',
        severity: 'critical',
        related_incident_id: first.incident.id,
        occurrence_count: 1,
      });
      expect(repeat.queued).toBe(true);
      expect(await queued(queue, repeat.incident.id)).toBe(true);
      const old = (await store.getDetail(first.incident.id))!;
      expect(old).toMatchObject({ status: 'false_positive', occurrence_count: 1 });
      expect(old.timeline.at(-1)).toMatchObject({
        action: 'incident.repeated',
        details: { new_incident_id: repeat.incident.id },
      });
      const fresh = (await store.getDetail(repeat.incident.id))!;
      expect(fresh.related_incident_id).toBe(first.incident.id);
      expect(fresh.timeline[0]).toMatchObject({
        action: 'incident.created',
        details: { related_incident_id: first.incident.id },
      });
      // The next repeat folds into the new incident, not the closed one.
      const third = await store.ingest(alert({ fingerprint: fp }), HOUR);
      expect(third).toMatchObject({
        created: false,
        incident: { id: repeat.incident.id, occurrence_count: 2 },
      });
    });

    it('on_repeat_after_close=reopen sends the closed incident back to new, with an audit entry', async () => {
      const fp = `test:life:${randomUUID()}`;
      const first = await store.ingest(alert({ fingerprint: fp }), HOUR);
      await move(first.incident.id, ['new', 'enriching', 'analyzing', 'pending_review', 'resolved']);
      const { ingest, queue } = service({ reopen: true });
      const repeat = await ingest.ingest(alert({ fingerprint: fp }));
      expect(repeat).toMatchObject({
        created: false,
        queued: true,
        incident: { id: first.incident.id, status: 'new', occurrence_count: 2, resolution_reason: null },
      });
      expect(await queued(queue, first.incident.id)).toBe(true);
      const detail = (await store.getDetail(first.incident.id))!;
      expect(detail.timeline.at(-1)).toMatchObject({
        action: 'incident.reopened',
        details: { from: 'resolved', to: 'new' },
      });
    });

    it('a repeat with a new indicator sends a triaged incident back to new and re-enqueues it', async () => {
      const fp = `test:life:${randomUUID()}`;
      const first = await store.ingest(alert({ fingerprint: fp }), HOUR);
      await move(first.incident.id, ['new', 'enriching', 'analyzing', 'pending_review']);
      const { ingest, queue } = service();
      // The same evidence again: counted, nothing else.
      const same = await ingest.ingest(alert({ fingerprint: fp }));
      expect(same).toMatchObject({ created: false, queued: false, incident: { status: 'pending_review' } });
      expect(same.incident.occurrence_count).toBe(2);
      const richer = await ingest.ingest(
        alert({
          fingerprint: fp,
          indicators: [
            { type: 'ipv4', value: '10.1.2.3' },
            { type: 'ipv4', value: '185.220.101.47' },
          ],
        }),
      );
      expect(richer).toMatchObject({
        created: false,
        queued: true,
        requeued_from: 'pending_review',
        incident: { id: first.incident.id, status: 'new', occurrence_count: 3 },
      });
      expect(await queued(queue, first.incident.id)).toBe(true);
      const detail = (await store.getDetail(first.incident.id))!;
      expect(detail.indicators.map((i) => i.value).sort()).toEqual(['10.1.2.3', '185.220.101.47']);
      expect(detail.timeline.at(-1)).toMatchObject({
        action: 'triage.requeued',
        details: { from: 'pending_review', to: 'new', new_indicators: true },
      });
      // The triage CAS takes it from there.
      await move(first.incident.id, ['new', 'enriching']);
    });

    it('a repeat with a higher severity raises it (and re-triages); a lower one never lowers it', async () => {
      const fp = `test:life:${randomUUID()}`;
      const first = await store.ingest(alert({ fingerprint: fp, severity: 'low' }), HOUR);
      await move(first.incident.id, ['new', 'enriching', 'analyzing', 'pending_review']);
      const raised = await store.ingest(alert({ fingerprint: fp, severity: 'critical' }), HOUR);
      expect(raised).toMatchObject({
        created: false,
        requeued_from: 'pending_review',
        incident: { severity: 'critical', status: 'new' },
      });
      const lower = await store.ingest(alert({ fingerprint: fp, severity: 'info' }), HOUR);
      expect(lower.incident.severity).toBe('critical');
      expect(lower.requeued_from).toBeUndefined();
      const detail = (await store.getDetail(first.incident.id))!;
      expect(detail.timeline.map((a) => a.action)).toContain('incident.severity_raised');
      // The severity sort sees it too.
      const page = await store.list({
        severity: ['critical'],
        sort: 'created_at',
        order: 'desc',
        page: 1,
        per_page: 100,
      });
      expect(page.data.map((i) => i.id)).toContain(first.incident.id);
    });

    it('dedup_window counts from the first alert: steady repeats do not keep one incident open forever', async () => {
      const fp = `test:life:${randomUUID()}`;
      const first = await store.ingest(alert({ fingerprint: fp }), HOUR);
      const id = first.incident.id;
      // First alert 50 minutes ago, repeats ever since: still within the window.
      await sql`UPDATE incidents SET created_at = now() - interval '50 minutes' WHERE id = ${id}`.execute(
        db.primary,
      );
      expect((await store.ingest(alert({ fingerprint: fp }), HOUR)).incident.id).toBe(id);
      // First alert 61 minutes ago, last repeat just now: a new incident, linked.
      await sql`UPDATE incidents SET created_at = now() - interval '61 minutes', last_received_at = now()
        WHERE id = ${id}`.execute(db.primary);
      const next = await store.ingest(alert({ fingerprint: fp }), HOUR);
      expect(next.created).toBe(true);
      expect(next.incident.related_incident_id).toBe(id);
    });

    it('beyond dedup_max_alerts a new linked incident starts', async () => {
      const fp = `test:life:${randomUUID()}`;
      const policy = { windowMs: HOUR, maxAlerts: 3 };
      const results = await store.ingestMany(
        [0, 1, 2].map(() => alert({ fingerprint: fp })),
        policy,
      );
      const id = results[0]!.incident.id;
      expect(results.map((r) => r.incident.id)).toEqual([id, id, id]);
      const fourth = await store.ingest(alert({ fingerprint: fp }), policy);
      expect(fourth.created).toBe(true);
      expect(fourth.incident.related_incident_id).toBe(id);
      expect((await store.get(id))!.occurrence_count).toBe(3);
      const fifth = await store.ingest(alert({ fingerprint: fp }), policy);
      expect(fifth).toMatchObject({
        created: false,
        incident: { id: fourth.incident.id, occurrence_count: 2 },
      });
    });

    it('25 concurrent repeats of a closed incident open exactly one new incident', async () => {
      const fp = `test:life:${randomUUID()}`;
      const first = await store.ingest(alert({ fingerprint: fp }), HOUR);
      await move(first.incident.id, ['new', 'dismissed']);
      // Two services: two group-commit batchers, as two API replicas would be.
      const a = service();
      const b = service();
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => (i % 2 ? a : b).ingest.ingest(alert({ fingerprint: fp }))),
      );
      const ids = new Set(results.map((r) => r.incident.id));
      expect(ids.size).toBe(1);
      expect(ids.has(first.incident.id)).toBe(false);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const fresh = (await store.get([...ids][0]!))!;
      expect(fresh).toMatchObject({ occurrence_count: 25, related_incident_id: first.incident.id });
    });
  });
}
