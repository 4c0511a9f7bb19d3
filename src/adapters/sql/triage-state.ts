import { sql, type Kysely } from 'kysely';
import { TRIAGE_PENDING_STATUSES } from '../../contracts/index.ts';
import type { IncidentRecord, PendingTriagePage, TriageFailure } from '../../ports/index.ts';
import { toIncident } from './rows.ts';
import type { DB } from './schema.ts';

/**
 * Triage bookkeeping on the incidents row (migration 0005): failed runs, the dead letter, and the
 * reconciler's keyset walk. Dead-lettered means `triage_failed_at IS NOT NULL`.
 */

const PENDING = sql.raw(TRIAGE_PENDING_STATUSES.map((s) => `'${s}'`).join(','));

/**
 * Counts one failed triage run of an incident still owed triage; at `maxAttempts` it is
 * dead-lettered (with an audit entry). Null when the incident is gone, no longer owed triage, or
 * already dead-lettered.
 */
export async function recordTriageFailure(
  db: Kysely<DB>,
  id: string,
  error: string,
  maxAttempts: number,
  actor: string,
): Promise<TriageFailure | null> {
  const r = await sql<{ triage_attempts: number; dead: boolean }>`
    WITH upd AS (
      UPDATE incidents SET triage_attempts = triage_attempts + 1, triage_error = ${error},
        triage_failed_at = CASE WHEN triage_attempts + 1 >= ${maxAttempts} THEN now() END
      WHERE id = ${id} AND status IN (${PENDING}) AND triage_failed_at IS NULL
      RETURNING id, status, triage_attempts, triage_failed_at IS NOT NULL AS dead
    ), aud AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT id, ${actor}, 'triage.dead_lettered',
        jsonb_build_object('status', status, 'attempts', triage_attempts, 'error', ${error}::text)
      FROM upd WHERE dead
    )
    SELECT triage_attempts, dead FROM upd`.execute(db);
  const row = r.rows[0];
  return row ? { attempts: Number(row.triage_attempts), dead_lettered: Boolean(row.dead) } : null;
}

/**
 * Takes incidents out of the dead letter (all of them, oldest first up to `limit`, or those in `ids`)
 * with their failure count reset and an audit entry each. Returns the incidents retried.
 */
export async function retryDeadLettered(
  db: Kysely<DB>,
  filter: { ids?: readonly string[]; limit: number },
  actor: string,
): Promise<IncidentRecord[]> {
  const only = filter.ids ? sql`AND id = ANY(${[...filter.ids]}::uuid[])` : sql``;
  const r = await sql<Record<string, unknown>>`
    WITH pick AS (
      SELECT id FROM incidents WHERE triage_failed_at IS NOT NULL ${only}
      ORDER BY triage_failed_at, id LIMIT ${filter.limit} FOR UPDATE
    ), upd AS (
      UPDATE incidents AS i SET triage_failed_at = NULL, triage_attempts = 0, version = i.version + 1
      FROM pick WHERE i.id = pick.id
      RETURNING i.*
    ), aud AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT id, ${actor}, 'triage.retried', jsonb_build_object('status', status, 'last_error', triage_error)
      FROM upd
    )
    SELECT * FROM upd ORDER BY id`.execute(db);
  return r.rows.map(toIncident);
}

/** Incidents in the dead letter now. */
export async function countDeadLettered(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM incidents WHERE triage_failed_at IS NOT NULL`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * One page of incidents owed triage (not dead-lettered) untouched for `olderThanMs`, oldest first,
 * after the opaque cursor `after` (keyset on updated_at, id: exact to the microsecond, so a page never
 * repeats or skips rows however many share a millisecond).
 */
export async function pendingTriagePage(
  db: Kysely<DB>,
  olderThanMs: number,
  limit: number,
  after: string | null,
): Promise<PendingTriagePage> {
  const cursor = after ? parseCursor(after) : null;
  const r = await sql<{ id: string; at: string }>`
    SELECT id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
    FROM incidents
    WHERE status IN (${PENDING}) AND triage_failed_at IS NULL
      AND updated_at < now() - make_interval(secs => ${olderThanMs / 1000})
      ${cursor ? sql`AND (updated_at, id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : sql``}
    ORDER BY updated_at, id LIMIT ${limit}`.execute(db);
  const last = r.rows.at(-1);
  return {
    ids: r.rows.map((row) => row.id),
    next: last && r.rows.length === limit ? `${last.at}|${last.id}` : null,
  };
}

function parseCursor(cursor: string): { at: string; id: string } {
  const [at, id] = cursor.split('|');
  if (!at || !id) throw new RangeError('bad pending-triage cursor');
  return { at, id };
}
