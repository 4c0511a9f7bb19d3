// Group commit end to end: IngestService → Batcher → SqlIncidentStore.ingestMany, on PGlite and on the
// real PostgreSQL 15 server, with the in-process queue and bus.
import type { JobPayloads } from '../../src/core/jobs/job-catalog.ts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus, InProcessJobQueue } from '../../src/adapters/in-process/index.ts';
import { SqlIncidentStore, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { BusEvent, NormalizedAlert } from '../../src/contracts/index.ts';
import { IngestService } from '../../src/core/ingest/ingest.service.ts';
import type { IncidentStore } from '../../src/ports/index.ts';
import { NOOP_TELEMETRY, SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const HOUR = 3_600_000;

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Suspicious login from 185.220.101.47',
    description: 'credential stuffing against the VPN portal',
    severity: 'high',
    incidentType: 'suspicious_login',
    occurredAt: new Date('2026-01-01T10:00:00Z'),
    indicators: [{ type: 'ipv4', value: '185.220.101.47' }],
    assets: [{ kind: 'user', name: 'jdoe@corp.example' }],
    tags: ['vpn'],
    mitreTechniques: ['T1110'],
    fingerprint: `test:h:${randomUUID()}`,
    raw: { any: 'thing' },
    ...over,
  };
}

const backends = await storeBackends('tw_batch');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`batched ingest on ${backend.name}`, () => {
    let db: SqlDatabase;
    let store: SqlIncidentStore;
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      store = new SqlIncidentStore(db);
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    function service(over: { store?: IncidentStore } = {}) {
      const queue = new InProcessJobQueue<JobPayloads>({
        retry: { attempts: 1, backoffMs: 10 },
      });
      const bus = new InProcessEventBus();
      const events: BusEvent[] = [];
      const ingest = new IngestService({
        store: over.store ?? store,
        queue,
        bus,
        log: SILENT_LOGGER,
        telemetry: NOOP_TELEMETRY,
        dedupWindowMs: HOUR,
      });
      return { ingest, queue, bus, events, listen: () => bus.subscribe((e) => events.push(e)) };
    }

    it('ingestMany folds alerts of one fingerprint within the batch, as sequential ingests would', async () => {
      const fp = `test:h:${randomUUID()}`;
      const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m));
      const batch = [
        alert({ fingerprint: fp, occurredAt: t(5), title: 'first' }),
        alert({ title: 'other' }),
        alert({ fingerprint: fp, occurredAt: t(1), indicators: [{ type: 'domain', value: 'evil.example' }] }),
        alert({ fingerprint: fp, occurredAt: t(9) }),
      ];
      const results = await store.ingestMany(batch, HOUR);
      expect(results.map((r) => r.created)).toEqual([true, true, false, false]);
      const id = results[0]!.incident.id;
      expect(results.map((r) => r.incident.id)).toEqual([id, results[1]!.incident.id, id, id]);
      // Each caller sees the incident as its own alert left it.
      expect(results.map((r) => r.incident.occurrence_count)).toEqual([1, 1, 2, 3]);
      expect(results[0]!.incident).toMatchObject({
        first_seen: t(5).toISOString(),
        last_seen: t(5).toISOString(),
      });
      expect(results[2]!.incident).toMatchObject({
        first_seen: t(1).toISOString(),
        last_seen: t(5).toISOString(),
      });
      expect(results[3]!.incident).toMatchObject({
        first_seen: t(1).toISOString(),
        last_seen: t(9).toISOString(),
      });
      const detail = (await store.getDetail(id))!;
      expect(detail).toMatchObject({ title: 'first', occurrence_count: 3, status: 'new', version: 1 });
      expect(detail.alerts).toHaveLength(3);
      expect(detail.indicators.map((i) => i.value).sort()).toEqual(['185.220.101.47', 'evil.example']);
      expect(detail.timeline.map((a) => a.action)).toEqual([
        'incident.created',
        'alert.deduplicated',
        'alert.deduplicated',
      ]);
      expect(detail.timeline[0]!.details).toEqual({ source: 'test', vendor_id: null, fingerprint: fp });

      // A later batch folds into it; outside the window, a new incident.
      const [again] = await store.ingestMany([alert({ fingerprint: fp, occurredAt: t(30) })], HOUR);
      expect(again).toMatchObject({ created: false, incident: { id, occurrence_count: 4 } });
      expect(again!.incident.last_seen).toBe(t(30).toISOString());
      const [fresh] = await store.ingestMany([alert({ fingerprint: fp })], 0);
      expect(fresh!.created).toBe(true);
      expect(fresh!.incident.id).not.toBe(id);
    });

    it('strips U+0000 and mends split surrogate pairs instead of failing the batch', async () => {
      const [r] = await store.ingestMany(
        [
          alert({
            title: `${'x'.repeat(499)}\u{1F600}`, // the 500-character cut splits the pair
            description: 'a\u0000b',
            raw: { 'k\u0000': 'v\u0000', s: '\uD83D' },
          }),
        ],
        HOUR,
      );
      const d = (await store.getDetail(r!.incident.id))!;
      expect(d.title).toBe(`${'x'.repeat(499)}\uFFFD`);
      expect(d.description).toBe('ab');
      expect(d.alerts[0]!.raw).toEqual({ k: 'v', s: '\uFFFD' });
    });

    it('N concurrent ingests of one fingerprint make one incident with occurrence_count N, triaged once', async () => {
      const { ingest, queue, events, listen } = service();
      await listen();
      const fp = `test:h:${randomUUID()}`;
      const n = 25;
      const outcomes = await Promise.all(
        Array.from({ length: n }, () => ingest.ingest(alert({ fingerprint: fp }))),
      );
      const ids = new Set(outcomes.map((o) => o.incident.id));
      expect(ids.size).toBe(1);
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      expect(outcomes.map((o) => o.incident.occurrence_count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: n }, (_, i) => i + 1),
      );
      expect(outcomes.every((o) => o.queued)).toBe(true);
      const [id] = [...ids];
      expect((await store.get(id!))!.occurrence_count).toBe(n);
      expect((await queue.counts()).waiting).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
      expect(events.filter((e) => e.type === 'incident_created')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'alert_received')).toHaveLength(n);
      await queue.close({ graceMs: 0 });
    });

    it('a poison alert fails alone; the alerts batched with it are committed', async () => {
      const { ingest, queue } = service();
      const good = Array.from({ length: 5 }, () => alert());
      // Not a severity the schema accepts: the batch's statement fails inside the transaction.
      const poison = alert({ severity: 'bogus' as NormalizedAlert['severity'] });
      const settled = await Promise.allSettled(
        [...good.slice(0, 2), poison, ...good.slice(2)].map((a) => ingest.ingest(a)),
      );
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      for (const s of settled) {
        if (s.status === 'fulfilled') expect(await store.get(s.value.incident.id)).not.toBeNull();
      }
      const stored = await db.primary
        .selectFrom('incidents')
        .select('fingerprint')
        .where(
          'fingerprint',
          'in',
          [...good, poison].map((a) => a.fingerprint),
        )
        .execute();
      expect(stored.map((r) => r.fingerprint).sort()).toEqual(good.map((a) => a.fingerprint).sort());
      await queue.close({ graceMs: 0 });
    });

    it('when the batch transaction fails, every caller is rejected and nothing is handed off', async () => {
      let calls = 0;
      const failing = {
        ...store,
        ingestMany: async () => {
          calls += 1;
          throw new Error('connection terminated');
        },
      } as unknown as IncidentStore;
      const { ingest, queue, events, listen } = service({ store: failing });
      await listen();
      const settled = await Promise.allSettled(Array.from({ length: 6 }, () => ingest.ingest(alert())));
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
      expect(calls).toBeGreaterThanOrEqual(6);
      expect(await queue.counts()).toMatchObject({ waiting: 0 });
      await new Promise((r) => setTimeout(r, 20));
      expect(events).toHaveLength(0);
      await queue.close({ graceMs: 0 });
    });
  });
}
