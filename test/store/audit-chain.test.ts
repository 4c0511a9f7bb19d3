// The audit chain (migration 0011_audit_chain, docs/AUDIT.md) on PGlite and PostgreSQL 15: existing
// rows chained by the migration, no fork under concurrent writers, `verify` catching an edited, a
// deleted and a reordered row, retention that keeps the chain verifiable, and audit that outlives
// its incident.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  SqlAuditLog,
  SqlIncidentStore,
  auditRowHash,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import { audit } from '../../src/adapters/sql/audit.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_audit', 25);
const BEFORE = MIGRATIONS.filter((m) => m.id < '0011_audit_chain');
const DAY = 86_400_000;

function alert(): NormalizedAlert {
  return {
    source: 'test',
    title: 'Suspicious login',
    severity: 'high',
    incidentType: 'suspicious_login',
    occurredAt: new Date(),
    indicators: [{ type: 'ipv4', value: '10.1.2.3' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:audit:${randomUUID()}`,
    raw: {},
  };
}

interface Row {
  id: string;
  seq: string;
  prev_hash: string;
  hash: string;
  created_at: Date;
  actor: string;
  action: string;
  incident_id: string | null;
  details: unknown;
}

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`audit chain on ${backend.name}`, () => {
    let db: SqlDatabase;
    let log: SqlAuditLog;
    let store: SqlIncidentStore;
    let term = 0;
    const fence = () => ({ name: 'audit-test', term: ++term, holder: 'test' });

    const rows = async () =>
      (
        await sql<Row>`SELECT id::text, seq::text, prev_hash, hash, created_at, actor, action,
          incident_id::text, details FROM audit_log ORDER BY audit_log.seq`.execute(db.primary)
      ).rows;
    /** Runs `fn` with the audit triggers off (a tamperer with table-owner rights), then turns them on. */
    const tamper = async (fn: () => Promise<unknown>) => {
      await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(db.primary);
      try {
        await fn();
      } finally {
        await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(db.primary);
      }
    };
    const write = (action: string, details: Record<string, unknown> = {}, incidentId: string | null = null) =>
      db.primary.transaction().execute((tx) => audit(tx, incidentId, 'test', action, details));

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db, BEFORE);
      // Rows written before the chain existed, one of them with an incident.
      const incident = randomUUID();
      await sql`INSERT INTO incidents (id, incident_type, source, severity, severity_rank, title, fingerprint,
          first_seen, last_seen, last_received_at)
        VALUES (${incident}, 'malware', 'test', 'low', 1, 't', ${`fp-${incident}`}, now(), now(), now())`.execute(
        db.primary,
      );
      for (let i = 0; i < 3; i++) {
        await sql`INSERT INTO audit_log (incident_id, actor, action, details)
          VALUES (${i === 1 ? incident : null}, 'legacy', ${`old.${i}`}, ${JSON.stringify({ i, text: 'é ✓' })}::jsonb)`.execute(
          db.primary,
        );
      }
      await migrate(db);
      log = new SqlAuditLog(db);
      store = new SqlIncidentStore(db);
    }, 120_000);
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it('chains the rows written before the migration, in id order, from the genesis hash', async () => {
      const r = await rows();
      expect(r.map((x) => [x.seq, x.action])).toEqual([
        ['1', 'old.0'],
        ['2', 'old.1'],
        ['3', 'old.2'],
      ]);
      expect(r[0]!.prev_hash).toBe('0'.repeat(64));
      expect(r[1]!.prev_hash).toBe(r[0]!.hash);
      const report = await log.verify();
      expect(report).toMatchObject({ ok: true, rows: 3, head: { seq: '3', hash: r[2]!.hash } });
    });

    it('the hash computed in TypeScript is the one the database wrote', async () => {
      const got = await sql<{
        created_us: string;
        details: string;
        seq: string;
        prev_hash: string;
        hash: string;
      }>`
        SELECT seq::text, prev_hash, hash, details::text,
          (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us
        FROM audit_log WHERE seq = 2`.execute(db.primary);
      const row = (await rows())[1]!;
      const g = got.rows[0]!;
      expect(
        auditRowHash({
          seq: g.seq,
          prev_hash: g.prev_hash,
          created_us: g.created_us,
          actor: row.actor,
          action: row.action,
          incident_id: row.incident_id,
          details: g.details,
        }),
      ).toBe(g.hash);
    });

    it('concurrent writers append one after another: no fork, no gap', async () => {
      const before = (await rows()).length;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.primary.transaction().execute(async (tx) => {
            await audit(tx, null, `writer-${i}`, 'test.concurrent', { i });
            await audit(tx, null, `writer-${i}`, 'test.concurrent.second', { i });
          }),
        ),
      );
      // Ingest (one statement with its own audit rows) alongside plain writers.
      await Promise.all([
        ...Array.from({ length: 5 }, () => store.ingest(alert(), 60_000)),
        ...Array.from({ length: 5 }, (_, i) => write('test.mixed', { i })),
      ]);
      const r = await rows();
      expect(r.length).toBeGreaterThanOrEqual(before + 40 + 5 + 5);
      r.forEach((x, n) => {
        expect(x.seq).toBe(String(n + 1));
        if (n > 0) expect(x.prev_hash).toBe(r[n - 1]!.hash);
      });
      expect(new Set(r.map((x) => x.prev_hash)).size).toBe(r.length);
      expect(await log.verify()).toMatchObject({ ok: true, rows: r.length });
    });

    it('refuses UPDATE on audit_log', async () => {
      await expect(sql`UPDATE audit_log SET actor = 'x' WHERE seq = 1`.execute(db.primary)).rejects.toThrow(
        /append-only/,
      );
    });

    it('catches an edited row, and is OK again once it is put back', async () => {
      const target = (await rows())[4]!;
      await tamper(() =>
        sql`UPDATE audit_log SET details = details || '{"note":"nothing happened"}'::jsonb WHERE id = ${target.id}`.execute(
          db.primary,
        ),
      );
      const bad = await log.verify();
      expect(bad).toMatchObject({ ok: false, rows: 4, problem: { kind: 'edited', seq: '5', id: target.id } });
      await tamper(() =>
        sql`UPDATE audit_log SET details = ${JSON.stringify(target.details)}::jsonb WHERE id = ${target.id}`.execute(
          db.primary,
        ),
      );
      expect((await log.verify()).ok).toBe(true);
      // An edited actor or time is caught just the same.
      await tamper(() =>
        sql`UPDATE audit_log SET created_at = created_at + interval '1 microsecond' WHERE id = ${target.id}`.execute(
          db.primary,
        ),
      );
      expect((await log.verify()).problem).toMatchObject({ kind: 'edited', seq: '5' });
      await tamper(() =>
        sql`UPDATE audit_log SET created_at = created_at - interval '1 microsecond' WHERE id = ${target.id}`.execute(
          db.primary,
        ),
      );
      expect((await log.verify()).ok).toBe(true);
    });

    it('catches a deleted middle row and deleted newest rows', async () => {
      const all = await rows();
      const middle = all[6]!;
      // Kept aside whole (microsecond times included) to put back.
      await sql`CREATE TABLE IF NOT EXISTS audit_backup AS SELECT * FROM audit_log WHERE false`.execute(
        db.primary,
      );
      const remove = async (r: Row) => {
        await sql`INSERT INTO audit_backup SELECT * FROM audit_log WHERE id = ${r.id}`.execute(db.primary);
        await tamper(() => sql`DELETE FROM audit_log WHERE id = ${r.id}`.execute(db.primary));
      };
      const reinsert = (r: Row) =>
        tamper(() =>
          sql`INSERT INTO audit_log SELECT * FROM audit_backup WHERE id = ${r.id}`.execute(db.primary),
        );
      await remove(middle);
      expect(await log.verify()).toMatchObject({
        ok: false,
        rows: 6,
        problem: { kind: 'missing', seq: '7' },
      });
      await reinsert(middle);
      expect((await log.verify()).ok).toBe(true);

      const newest = all[all.length - 1]!;
      await remove(newest);
      expect(await log.verify()).toMatchObject({
        ok: false,
        problem: { kind: 'missing', seq: newest.seq },
      });
      await reinsert(newest);
      expect((await log.verify()).ok).toBe(true);
    });

    it('catches a swapped order', async () => {
      const all = await rows();
      const [a, b] = [all[8]!, all[9]!];
      /** Gives row `x` the seq `to` and row `y` the seq `from` (through -1: seq is unique). */
      const exchange = (x: Row, y: Row, to: string, from: string) =>
        tamper(async () => {
          await sql`UPDATE audit_log SET seq = -1 WHERE id = ${x.id}`.execute(db.primary);
          await sql`UPDATE audit_log SET seq = ${from}::bigint WHERE id = ${y.id}`.execute(db.primary);
          await sql`UPDATE audit_log SET seq = ${to}::bigint WHERE id = ${x.id}`.execute(db.primary);
        });
      await exchange(a, b, b.seq, a.seq);
      expect(await log.verify()).toMatchObject({
        ok: false,
        rows: 8,
        problem: { kind: 'reordered', seq: '9', id: b.id },
      });
      await exchange(a, b, a.seq, b.seq);
      expect((await log.verify()).ok).toBe(true);
    });

    it('deleting an incident keeps its audit rows', async () => {
      const { incident } = await store.ingest(alert(), 60_000);
      const mine = async () =>
        (
          await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM audit_log WHERE incident_id = ${incident.id}`.execute(db.primary)
        ).rows[0]!.n;
      const n = await mine();
      expect(n).toBeGreaterThan(0);
      await sql`DELETE FROM incidents WHERE id = ${incident.id}`.execute(db.primary);
      expect(await mine()).toBe(n);
      expect((await log.verify()).ok).toBe(true);
    });

    it('retention deletes the oldest rows, moves the anchor and keeps the chain verifiable', async () => {
      // A row dated 10 days back but appended last is the oldest in time, not in the chain: retention
      // deletes a prefix of the chain (everything before the first row younger than the limit), never
      // a hole, so here it deletes nothing.
      await db.primary
        .insertInto('audit_log')
        .values({
          actor: 'test',
          action: 'test.backdated',
          details: '{}',
          created_at: new Date(Date.now() - 10 * DAY),
        })
        .execute();
      expect(await log.purge(fence(), 5 * DAY, 1000)).toBe(0);
      expect((await log.verify()).ok).toBe(true);
      const total = (await rows()).length;
      // Everything is older than 0 ms except what is written from now: all but the newest row go,
      // in batches of `limit`.
      await write('test.after', {});
      let deleted = 0;
      for (;;) {
        const n = await log.purge(fence(), 0, 7);
        expect(n).not.toBeNull();
        if (!n) break;
        expect(n).toBeLessThanOrEqual(7);
        deleted += n!;
      }
      expect(deleted).toBe(total);
      const left = await rows();
      expect(left).toHaveLength(1);
      const report = await log.verify();
      expect(report).toMatchObject({
        ok: true,
        rows: 1,
        anchor: { seq: left[0]!.seq, prevHash: left[0]!.prev_hash },
      });
      expect(report.anchor.movedAt).toBeInstanceOf(Date);
      // New rows link on; deleting the anchored (oldest) row by hand is caught.
      await write('test.after.2', {});
      expect(await log.verify()).toMatchObject({ ok: true, rows: 2 });
      await tamper(() => sql`DELETE FROM audit_log WHERE id = ${left[0]!.id}`.execute(db.primary));
      expect(await log.verify()).toMatchObject({
        ok: false,
        problem: { kind: 'missing', seq: left[0]!.seq },
      });
    });

    it('retention is refused to a deposed leader', async () => {
      const t = ++term;
      expect(await log.purge({ name: 'audit-test', term: t, holder: 'a' }, 0, 10)).not.toBeNull();
      expect(await log.purge({ name: 'audit-test', term: t - 1, holder: 'b' }, 0, 10)).toBeNull();
    });
  });
}
