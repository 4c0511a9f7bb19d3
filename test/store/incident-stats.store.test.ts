// Migration 0016 and the Overview statistics on both engines (PGlite = PostgreSQL 18, and
// PostgreSQL 15): closed_at backfilled from the audit log, set and cleared by every path that moves
// an incident into or out of a closed status, and the overview's figures on a hand-made fixture
// whose times are known.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  SqlIncidentStatsStore,
  SqlIncidentStore,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import { windowBounds } from '../../src/adapters/sql/incident-stats.repository.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const BEFORE = MIGRATIONS.filter((m) => m.id < '0016_incident_closed_at');

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Beacon from workstation',
    description: 'periodic callbacks',
    severity: 'medium',
    incidentType: 'malware',
    occurredAt: new Date(),
    indicators: [{ type: 'ipv4', value: '203.0.113.9' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:${randomUUID()}`,
    raw: {},
    ...over,
  } as NormalizedAlert;
}

const backends = await storeBackends('tw_stats', 2);

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(
    `incident closed_at and overview stats on ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`,
    () => {
      let db: SqlDatabase;
      let incidents: SqlIncidentStore;
      let stats: SqlIncidentStatsStore;
      // The pg driver's timestamptz parser answers text, PGlite a Date: compare as ISO text.
      const closedAt = async (id: string) => {
        const v = (
          await sql<{
            closed_at: Date | string | null;
          }>`SELECT closed_at FROM incidents WHERE id = ${id}`.execute(db.primary)
        ).rows[0]!.closed_at;
        return v === null ? null : new Date(v).toISOString();
      };
      const raw = async (
        id: string,
        status: string,
        times: { created: string; updated?: string; triaged?: string; closed?: string },
        more: { severity?: string; classification?: string } = {},
      ) => {
        const severity = more.severity ?? 'medium';
        const rank = ['info', 'low', 'medium', 'high', 'critical'].indexOf(severity);
        await sql`INSERT INTO incidents (id, incident_type, source, severity, severity_rank, status, title,
            fingerprint, first_seen, last_seen, last_received_at, created_at, updated_at, triaged_at,
            classification, confidence)
          VALUES (${id}, 'malware', 'test', ${severity}, ${rank}, ${status}, 't', ${`fp-${id}`},
            ${times.created}, ${times.created}, ${times.created}, ${times.created},
            ${times.updated ?? times.created}, ${times.triaged ?? null}, ${more.classification ?? null},
            ${more.classification ? 0.9 : null})`.execute(db.primary);
        if (times.closed)
          await sql`UPDATE incidents SET closed_at = ${times.closed} WHERE id = ${id}`.execute(db.primary);
      };

      beforeAll(async () => {
        db = await backend.open();
        incidents = new SqlIncidentStore(db);
        stats = new SqlIncidentStatsStore(db);
      }, 120_000);
      afterAll(async () => {
        await db?.close();
        await backend.cleanup();
      });

      it('backfills closed_at from the last open → closed audit entry, else updated_at', async () => {
        await migrate(db, BEFORE);
        const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
        await raw(a, 'closed', { created: '2030-01-01T00:00:00Z', updated: '2030-01-05T00:00:00Z' });
        await raw(b, 'dismissed', { created: '2030-01-01T00:00:00Z', updated: '2030-01-06T00:00:00Z' });
        await raw(c, 'pending_review', { created: '2030-01-01T00:00:00Z' });
        const audit = (id: string, at: string, from: string, to: string) =>
          sql`INSERT INTO audit_log (incident_id, actor, action, details, created_at)
            VALUES (${id}, 'user:a', 'incident.status', ${JSON.stringify({ from, to })}::jsonb, ${at})`.execute(
            db.primary,
          );
        // a: resolved, reopened, resolved again, then archived: closed since the second resolution.
        await audit(a, '2030-01-02T00:00:00Z', 'pending_review', 'resolved');
        await audit(a, '2030-01-03T00:00:00Z', 'resolved', 'pending_review');
        await audit(a, '2030-01-04T00:00:00Z', 'pending_review', 'resolved');
        await audit(a, '2030-01-05T00:00:00Z', 'resolved', 'closed');
        await audit(c, '2030-01-02T00:00:00Z', 'pending_review', 'resolved');
        await audit(c, '2030-01-03T00:00:00Z', 'resolved', 'pending_review');
        expect(await migrate(db)).toContain('0016_incident_closed_at');
        expect(await closedAt(a)).toBe('2030-01-04T00:00:00.000Z');
        expect(await closedAt(b)).toBe('2030-01-06T00:00:00.000Z'); // no audit: updated_at
        expect(await closedAt(c)).toBeNull();
        await sql`DELETE FROM incidents`.execute(db.primary);
      }, 60_000);

      it('a status move into a closed status sets closed_at, archiving keeps it, reopening clears it', async () => {
        const { incident } = await incidents.ingest(alert(), 60_000);
        const id = incident.id;
        const move = (from: string, to: string) =>
          incidents.transition({
            id,
            from: from as never,
            to: to as never,
            actor: 'user:a',
            action: 'test.move',
          });
        expect(await closedAt(id)).toBeNull();
        expect(await move('new', 'escalated')).not.toBeNull();
        expect(await closedAt(id)).toBeNull();
        expect(await move('escalated', 'resolved')).not.toBeNull();
        const first = await closedAt(id);
        expect(first).toMatch(/^20/);
        expect(await move('resolved', 'closed')).not.toBeNull();
        expect(await closedAt(id)).toBe(first);
        expect(await move('closed', 'pending_review')).not.toBeNull();
        expect(await closedAt(id)).toBeNull();
        expect(await move('pending_review', 'false_positive')).not.toBeNull();
        expect(await closedAt(id)).toMatch(/^20/);
        // A refused move (status no longer `from`) writes nothing.
        expect(await move('pending_review', 'dismissed')).toBeNull();
        expect(await closedAt(id)).toMatch(/^20/);
      });

      it('a repeat that reopens a closed incident clears closed_at; a new linked incident leaves it', async () => {
        const fingerprint = `test:${randomUUID()}`;
        const { incident } = await incidents.ingest(alert({ fingerprint }), 60_000);
        await incidents.transition({
          id: incident.id,
          from: 'new',
          to: 'dismissed',
          actor: 'user:a',
          action: 'test.move',
        });
        expect(await closedAt(incident.id)).toMatch(/^20/);
        const linked = await incidents.ingest(alert({ fingerprint }), {
          windowMs: 60_000,
          onRepeatAfterClose: 'new_incident',
        });
        expect(linked.incident.id).not.toBe(incident.id);
        expect(await closedAt(incident.id)).toMatch(/^20/);
        await sql`DELETE FROM incidents WHERE id = ${linked.incident.id}`.execute(db.primary);
        const reopened = await incidents.ingest(alert({ fingerprint }), {
          windowMs: 60_000,
          onRepeatAfterClose: 'reopen',
        });
        expect(reopened.incident.id).toBe(incident.id);
        expect(reopened.incident.status).toBe('new');
        expect(await closedAt(incident.id)).toBeNull();
      });

      it('windows are whole UTC hours or days ending in the bucket that holds now', () => {
        const now = new Date('2030-03-10T13:45:00Z');
        expect(windowBounds('24h', now)).toEqual({
          from: new Date('2030-03-09T14:00:00Z'),
          to: new Date('2030-03-10T14:00:00Z'),
          stepMs: 3_600_000,
        });
        expect(windowBounds('7d', now).from).toEqual(new Date('2030-03-04T00:00:00Z'));
        expect(windowBounds('30d', now).to).toEqual(new Date('2030-03-11T00:00:00Z'));
      });

      it('computes buckets, status counts and time to triage / respond on a known fixture', async () => {
        await sql`DELETE FROM incidents`.execute(db.primary);
        const now = new Date('2030-03-10T13:45:00Z');
        // Window 24h: buckets 2030-03-09T14:00 … 2030-03-10T13:00 (index 0 … 23).
        await raw(randomUUID(), 'new', { created: '2030-03-10T13:10:00Z' }, { severity: 'high' });
        await raw(
          randomUUID(),
          'pending_review',
          { created: '2030-03-10T12:00:00Z', triaged: '2030-03-10T12:01:00Z' }, // 60 s
          { severity: 'critical', classification: 'malicious' },
        );
        await raw(
          randomUUID(),
          'resolved',
          {
            created: '2030-03-10T12:30:00Z',
            triaged: '2030-03-10T12:33:00Z',
            closed: '2030-03-10T13:30:00Z',
          }, // 180 s, 3600 s
          { severity: 'low', classification: 'benign' },
        );
        await raw(
          randomUUID(),
          'false_positive',
          {
            created: '2030-03-09T14:00:00Z',
            triaged: '2030-03-09T14:05:00Z',
            closed: '2030-03-09T16:00:00Z',
          }, // 300 s, 7200 s
          { severity: 'low', classification: 'benign' },
        );
        // Before the window: counted by status and in throughput (triaged in it), not in durations.
        await raw(
          randomUUID(),
          'closed',
          {
            created: '2030-03-09T13:59:59Z',
            triaged: '2030-03-09T14:30:00Z',
            closed: '2030-03-10T13:00:00Z',
          },
          { severity: 'info', classification: 'inconclusive' },
        );
        // After the 24h window (a clock ahead): in its status count only; in the 7d window's last day.
        await raw(randomUUID(), 'new', { created: '2030-03-10T14:00:00Z' });

        const s = await stats.overview('24h', now);
        expect(s).toMatchObject({
          window: '24h',
          bucket: 'hour',
          from: '2030-03-09T14:00:00.000Z',
          to: '2030-03-10T14:00:00.000Z',
          generated_at: '2030-03-10T13:45:00.000Z',
        });
        expect(s.buckets).toHaveLength(24);
        expect(s.buckets[0]).toEqual({
          start: '2030-03-09T14:00:00.000Z',
          created: 1,
          by_severity: { info: 0, low: 1, medium: 0, high: 0, critical: 0 },
          by_verdict: { malicious: 0, suspicious: 0, benign: 1, inconclusive: 0, none: 0 },
          triaged: 2,
          closed: 0,
        });
        expect(s.buckets[2]).toMatchObject({ start: '2030-03-09T16:00:00.000Z', created: 0, closed: 1 });
        expect(s.buckets[22]).toEqual({
          start: '2030-03-10T12:00:00.000Z',
          created: 2,
          by_severity: { info: 0, low: 1, medium: 0, high: 0, critical: 1 },
          by_verdict: { malicious: 1, suspicious: 0, benign: 1, inconclusive: 0, none: 0 },
          triaged: 2,
          closed: 0,
        });
        expect(s.buckets[23]).toMatchObject({
          created: 1,
          by_severity: { high: 1 },
          by_verdict: { none: 1 },
          triaged: 0,
          closed: 2,
        });
        expect(s.buckets.reduce((n, b) => n + b.created, 0)).toBe(4);
        expect(s.by_status).toMatchObject({
          new: 2,
          pending_review: 1,
          resolved: 1,
          false_positive: 1,
          closed: 1,
        });
        expect(s.by_status.escalated).toBe(0);
        expect(s.time_to_triage).toEqual({ count: 3, mean_seconds: 180, p50_seconds: 180, p90_seconds: 276 });
        expect(s.time_to_respond).toEqual({
          count: 2,
          mean_seconds: 5400,
          p50_seconds: 5400,
          p90_seconds: 6840,
        });

        const week = await stats.overview('7d', now);
        expect(week.buckets).toHaveLength(7);
        expect(week.buckets[6]).toMatchObject({
          start: '2030-03-10T00:00:00.000Z',
          created: 4,
          triaged: 2,
          closed: 2,
        });
        expect(week.buckets[5]).toMatchObject({
          start: '2030-03-09T00:00:00.000Z',
          created: 2,
          triaged: 2,
          closed: 1,
        });
        expect(week.time_to_triage.count).toBe(4);
      });

      it('answers zeros and nulls on an empty window', async () => {
        const s = await stats.overview('30d', new Date('2001-01-01T00:00:00Z'));
        expect(s.buckets).toHaveLength(30);
        expect(s.buckets.every((b) => b.created === 0 && b.triaged === 0 && b.closed === 0)).toBe(true);
        expect(s.time_to_triage).toEqual({
          count: 0,
          mean_seconds: null,
          p50_seconds: null,
          p90_seconds: null,
        });
      });
    },
  );
}
