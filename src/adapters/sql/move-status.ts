import { sql, type Kysely, type RawBuilder } from 'kysely';
import { CLOSED_INCIDENT_STATUSES, TRIAGE_PENDING_STATUSES } from '../../contracts/index.ts';
import type { Moved, Transition } from '../../ports/index.ts';
import { toIncident } from './rows.ts';
import type { DB } from './schema.ts';

/**
 * The compare-and-set at the heart of exactly-once triage: moves only if `from` still holds. One
 * statement (one round trip): lock the row and read the status we leave, update, and write the audit
 * entry naming that status exactly. Atomic on its own; callers add writes in the same transaction.
 */
export async function moveStatus(
  db: Kysely<DB>,
  t: Transition,
  verdict?: { classification: string; confidence: number },
  also?: RawBuilder<unknown> | readonly RawBuilder<unknown>[],
  extraSets: readonly RawBuilder<unknown>[] = [],
): Promise<Moved | null> {
  const row = await moveStatusRow(db, t, verdict, also, extraSets);
  return row
    ? { ...toIncident(row), previous_status: row.previous_status as Moved['previous_status'] }
    : null;
}

/** {@link moveStatus}, answering the moved row as read (every column, and `previous_status`). */
export async function moveStatusRow(
  db: Kysely<DB>,
  t: Transition,
  verdict?: { classification: string; confidence: number },
  /** More data-modifying statements in the same command, each reading the moved row as `upd`. */
  also?: RawBuilder<unknown> | readonly RawBuilder<unknown>[],
  /** More `column = value` assignments of the update (they may read the old row as `i`). */
  extraSets: readonly RawBuilder<unknown>[] = [],
): Promise<Record<string, unknown> | null> {
  const from: string[] = typeof t.from === 'string' ? [t.from] : [...t.from];
  const sets = [sql`status = ${t.to}`, sql`version = i.version + 1`, sql`updated_at = now()`, ...extraSets];
  const extra = also === undefined ? [] : Array.isArray(also) ? also : [also as RawBuilder<unknown>];
  if (!TRIAGE_PENDING_STATUSES.includes(t.to)) sets.push(sql`triaged_at = COALESCE(i.triaged_at, now())`);
  // Closed since the first move into a closed status (archiving keeps it); any open status clears it.
  sets.push(
    CLOSED_INCIDENT_STATUSES.includes(t.to)
      ? sql`closed_at = COALESCE(i.closed_at, now())`
      : sql`closed_at = NULL`,
  );
  if (t.reason !== undefined) sets.push(sql`resolution_reason = ${t.reason}`);
  if (verdict) {
    sets.push(sql`classification = ${verdict.classification}`, sql`confidence = ${verdict.confidence}`);
    sets.push(sql`triage_attempts = 0`, sql`triage_error = NULL`);
  }
  const r = await sql<Record<string, unknown>>`
    WITH cur AS (SELECT id, status, version FROM incidents WHERE id = ${t.id} FOR UPDATE),
    upd AS (
      UPDATE incidents i SET ${sql.join(sets)} FROM cur
      WHERE i.id = cur.id AND cur.status = ANY(${from}::text[])${
        t.expectedVersion === undefined ? sql`` : sql` AND cur.version = ${t.expectedVersion}::int`
      }
      RETURNING i.*, cur.status AS previous_status
    ),
    aud AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT id, ${t.actor}, ${t.action},
        ${JSON.stringify(t.details ?? {})}::jsonb || jsonb_build_object('from', previous_status, 'to', ${t.to}::text)
      FROM upd
    )${sql.join(
      extra.map((a, n) => sql`, ${sql.raw(`also${n}`)} AS (${a})`),
      sql``,
    )}
    SELECT * FROM upd`.execute(db);
  return r.rows[0] ?? null;
}
