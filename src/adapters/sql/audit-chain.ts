import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AuditChainProblem, AuditChainReport, AuditLogStore } from '../../ports/audit-log.port.ts';
import type { Fence } from '../../ports/incident-store.port.ts';
import type { SqlDatabase } from './database.ts';
import { raiseFence } from './leader-fence.ts';
import type { DB } from './schema.ts';

/** The prev_hash of the first row ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit_log row as the chain sees it (created_us: created_at in epoch microseconds). */
export interface ChainRow {
  id: string;
  seq: string;
  prev_hash: string;
  hash: string;
  created_us: string;
  actor: string;
  action: string;
  incident_id: string | null;
  details: string;
}

const field = (v: string | null): string => (v === null ? 'null;' : `${Buffer.byteLength(v, 'utf8')}:${v};`);

/**
 * The row hash, computed here exactly as the database's audit_row_hash() does when the row is written
 * (migration 0011_audit_chain): SHA-256, hex, over 'tw-audit-v1;' and each field length-prefixed.
 * Checking in TypeScript keeps the check independent of the function stored in the database.
 */
export function auditRowHash(r: Omit<ChainRow, 'id' | 'hash'>): string {
  const text =
    'tw-audit-v1;' +
    field(r.seq) +
    field(r.prev_hash) +
    field(r.created_us) +
    field(r.actor) +
    field(r.action) +
    field(r.incident_id) +
    field(r.details);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const PAGE = 5000;

/** The audit chain on PostgreSQL or PGlite, always on the primary. */
export class SqlAuditLog implements AuditLogStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async verify(): Promise<AuditChainReport> {
    // One snapshot: rows appended or purged meanwhile neither show up nor go missing.
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        const ends = await sql<{
          head_seq: string;
          head_hash: string;
          anchor_seq: string;
          anchor_prev: string;
          moved_at: Date | string | null;
        }>`
          SELECT c.seq::text AS head_seq, c.hash AS head_hash, a.seq::text AS anchor_seq,
            a.prev_hash AS anchor_prev, a.moved_at
          FROM audit_chain c CROSS JOIN audit_anchor a`.execute(tx);
        const e = ends.rows[0];
        if (!e) throw new Error('audit chain head missing: run `triage-warden migrate`');
        const report: AuditChainReport = {
          ok: true,
          rows: 0,
          anchor: {
            seq: e.anchor_seq,
            prevHash: e.anchor_prev,
            // A raw query may hand timestamptz back as text (PostgreSQL driver).
            movedAt: e.moved_at === null ? null : new Date(e.moved_at),
          },
          head: { seq: e.head_seq, hash: e.head_hash },
        };
        const fail = (problem: AuditChainProblem): AuditChainReport => ({ ...report, ok: false, problem });
        let expected = BigInt(e.anchor_seq);
        let prevHash = e.anchor_prev;
        const last = BigInt(e.head_seq);
        // Rows below the anchor (retention's prefix not deleted yet, or rows written before it) are
        // not part of the retained chain; the walk starts at the anchor.
        let after = expected - 1n;
        for (;;) {
          const page = await sql<ChainRow>`
            SELECT id::text, seq::text, prev_hash, hash,
              (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us,
              actor, action, incident_id::text, details::text
            FROM audit_log WHERE seq > ${String(after)}::bigint AND seq <= ${e.head_seq}::bigint
            ORDER BY audit_log.seq LIMIT ${PAGE}`.execute(tx);
          for (const row of page.rows) {
            const seq = BigInt(row.seq);
            if (seq !== expected) {
              return fail({
                kind: 'missing',
                seq: String(expected),
                id: null,
                detail: `row ${expected} is missing (the next row found is ${row.seq}, id ${row.id})`,
              });
            }
            if (row.prev_hash !== prevHash) {
              return fail({
                kind: 'reordered',
                seq: row.seq,
                id: row.id,
                detail: `row ${row.seq} (id ${row.id}) does not follow the row before it: its prev_hash names another row`,
              });
            }
            if (auditRowHash(row) !== row.hash) {
              return fail({
                kind: 'edited',
                seq: row.seq,
                id: row.id,
                detail: `row ${row.seq} (id ${row.id}) was changed after it was written: its content does not give its hash`,
              });
            }
            report.rows++;
            prevHash = row.hash;
            expected = seq + 1n;
            after = seq;
          }
          if (page.rows.length < PAGE) break;
        }
        if (expected <= last) {
          return fail({
            kind: 'missing',
            seq: String(expected),
            id: null,
            detail: `rows ${expected}..${last} are missing (the chain head records ${last})`,
          });
        }
        if (last >= BigInt(e.anchor_seq) && prevHash !== e.head_hash) {
          return fail({
            kind: 'edited',
            seq: e.head_seq,
            id: null,
            detail: `the last row's hash differs from the one the chain head recorded`,
          });
        }
        return report;
      });
  }

  async purge(fence: Fence, olderThanMs: number, limit: number): Promise<number | null> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await raiseFence(tx, fence))) return null;
      // The anchor row is locked (one purge at a time); writers only touch audit_chain, so they are
      // not held up. The newest row is always kept: it is what the next row links to.
      const r = await sql<{ next: string | null; prev_hash: string | null }>`
        WITH anchor AS (SELECT seq FROM audit_anchor WHERE id FOR UPDATE),
        cut AS (
          SELECT least(
            coalesce((SELECT min(seq) FROM audit_log WHERE created_at >= ${new Date(Date.now() - olderThanMs)}),
              (SELECT max(seq) FROM audit_log)),
            (SELECT max(seq) FROM audit_log),
            (SELECT seq FROM anchor) + ${limit}::bigint) AS next
        )
        SELECT cut.next::text AS next, l.hash AS prev_hash
        FROM cut LEFT JOIN audit_log l ON l.seq = cut.next - 1`.execute(tx);
      const cut = r.rows[0];
      if (!cut?.next || cut.prev_hash === null) return 0;
      const d = await sql`DELETE FROM audit_log WHERE seq < ${cut.next}::bigint`.execute(tx);
      await sql`UPDATE audit_anchor SET seq = ${cut.next}::bigint, prev_hash = ${cut.prev_hash}, moved_at = now()
        WHERE id`.execute(tx);
      return Number(d.numAffectedRows ?? 0);
    });
  }
}
