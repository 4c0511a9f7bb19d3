import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { TRIAGE_PENDING_STATUSES, type NormalizedAlert } from '../../contracts/index.ts';
import type {
  DedupPolicy,
  Fence,
  FencedStore,
  IncidentDetail,
  IncidentListQuery,
  IncidentRecord,
  IncidentStore,
  IndicatorRecord,
  IngestResult,
  Moved,
  NewAnalysis,
  NewEnrichment,
  Page,
  PendingTriagePage,
  Transition,
  TriageFailure,
  TriageStateStore,
} from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import { toAlert, toAnalysis, toAudit, toEnrichment, toIncident, toIndicator } from './rows.ts';
import { ingestAlert, ingestAlerts } from './incident-ingest.ts';
import { listIncidents } from './incident-list.ts';
import { raiseFence } from './leader-fence.ts';
import {
  countDeadLettered,
  pendingTriagePage,
  recordTriageFailure,
  retryDeadLettered,
} from './triage-state.ts';
import { stripNul } from './sanitize.ts';
import type { DB } from './schema.ts';

/** IncidentStore on PostgreSQL or PGlite (one SQL dialect). */
export class SqlIncidentStore implements IncidentStore, FencedStore, TriageStateStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async ingest(input: NormalizedAlert, dedup: number | DedupPolicy): Promise<IngestResult> {
    return ingestAlert(this.db, input, dedup, this.database.kind, this.database.transactionPrelude);
  }

  async ingestMany(inputs: readonly NormalizedAlert[], dedup: number | DedupPolicy): Promise<IngestResult[]> {
    return ingestAlerts(this.db, inputs, dedup, this.database.kind, this.database.transactionPrelude);
  }

  async get(id: string): Promise<IncidentRecord | null> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toIncident(row) : null;
  }

  async indicators(id: string): Promise<IndicatorRecord[]> {
    const rows = await this.db
      .selectFrom('indicators')
      .selectAll()
      .where('incident_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toIndicator);
  }

  async getDetail(id: string): Promise<IncidentDetail | null> {
    // Detail is read-after-write for the analyst who just acted: primary, not replica. One statement
    // (one round trip, one pooled connection) gathers the incident and its five child lists.
    const r = await sql<Record<string, unknown>>`
      SELECT i.*,
        (SELECT coalesce(json_agg(a ORDER BY a.received_at DESC), '[]'::json) FROM (
          SELECT * FROM alerts WHERE incident_id = i.id ORDER BY received_at DESC LIMIT 50) a) AS _alerts,
        (SELECT coalesce(json_agg(x ORDER BY x.created_at, x.id), '[]'::json)
          FROM indicators x WHERE x.incident_id = i.id) AS _indicators,
        (SELECT coalesce(json_agg(e ORDER BY e.created_at, e.id), '[]'::json)
          FROM enrichments e WHERE e.incident_id = i.id) AS _enrichments,
        (SELECT row_to_json(v) FROM (
          SELECT * FROM analyses WHERE incident_id = i.id ORDER BY created_at DESC LIMIT 1) v) AS _verdict,
        (SELECT coalesce(json_agg(t ORDER BY t.id), '[]'::json) FROM (
          SELECT * FROM audit_log WHERE incident_id = i.id ORDER BY id LIMIT 500) t) AS _timeline
      FROM incidents i WHERE i.id = ${id}`.execute(this.db);
    const row = r.rows[0];
    if (!row) return null;
    const rows = (v: unknown) => v as Record<string, unknown>[];
    return {
      ...toIncident(row),
      alerts: rows(row._alerts).map(toAlert),
      indicators: rows(row._indicators).map(toIndicator),
      enrichments: rows(row._enrichments).map(toEnrichment),
      verdict: row._verdict ? toAnalysis(row._verdict as Record<string, unknown>) : null,
      timeline: rows(row._timeline).map(toAudit),
    };
  }

  async list(q: IncidentListQuery): Promise<Page<IncidentRecord>> {
    return listIncidents(this.database, q);
  }

  async transition(t: Transition): Promise<Moved | null> {
    return moveStatus(this.db, t);
  }

  async recordEnrichment(t: Transition, enrichments: NewEnrichment[]): Promise<IncidentRecord | null> {
    if (enrichments.length === 0) return moveStatus(this.db, t);
    const rows = enrichments.map((e) => ({
      indicator_type: e.indicator_type,
      indicator_value: e.indicator_value,
      provider: e.provider,
      verdict: e.verdict,
      score: e.score,
      first_seen: e.first_seen ?? null,
      last_seen: e.last_seen ?? null,
      details: e.details,
    }));
    return moveStatus(
      this.db,
      t,
      undefined,
      sql`INSERT INTO enrichments
          (id, incident_id, indicator_type, indicator_value, provider, verdict, score, first_seen, last_seen,
           details)
        SELECT gen_random_uuid(), upd.id, e.indicator_type, e.indicator_value, e.provider, e.verdict,
          e.score, e.first_seen, e.last_seen, coalesce(e.details, '{}'::jsonb)
        FROM upd, jsonb_to_recordset(${JSON.stringify(stripNul(rows))}::jsonb) AS e(indicator_type text,
          indicator_value text, provider text, verdict text, score real, first_seen timestamptz,
          last_seen timestamptz, details jsonb)`,
    );
  }

  async recordAnalysis(t: Transition, a: NewAnalysis): Promise<IncidentRecord | null> {
    const json = (v: unknown) => JSON.stringify(stripNul(v));
    return moveStatus(
      this.db,
      t,
      { classification: a.classification, confidence: a.confidence },
      sql`INSERT INTO analyses (id, incident_id, analyzer, classification, confidence, category, reasoning,
          reasons, recommended_actions, mitre_techniques, indicators, score)
        SELECT ${randomUUID()}::uuid, upd.id, ${a.analyzer}, ${a.classification}, ${a.confidence}::real,
          ${a.category}, ${stripNul(a.reasoning)}, ${json(a.reasons)}::jsonb,
          ${json(a.recommended_actions)}::jsonb, ${json(a.mitre_techniques)}::jsonb,
          ${json(a.indicators)}::jsonb, ${a.score}::real
        FROM upd`,
    );
  }

  async findStale(
    statuses: readonly string[],
    olderThanMs: number,
    limit: number,
  ): Promise<IncidentRecord[]> {
    const rows = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('status', 'in', [...statuses])
      .where('triage_failed_at', 'is', null)
      .where('updated_at', '<', new Date(Date.now() - olderThanMs))
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map(toIncident);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.database.read((db) =>
      db
        .selectFrom('incidents')
        .select(['status', sql<number>`count(*)::int`.as('n')])
        .groupBy('status')
        .execute(),
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async countPendingApprovals(): Promise<number> {
    const r = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM actions WHERE approval_status = 'pending'`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async triageStats(windowMs: number): Promise<{ count: number; mean_seconds: number | null }> {
    const r = await sql<{ n: number; mean: number | null }>`
      SELECT count(*)::int AS n, avg(EXTRACT(EPOCH FROM triaged_at - created_at))::float8 AS mean
      FROM incidents WHERE triaged_at >= ${new Date(Date.now() - windowMs)}`.execute(this.db);
    const row = r.rows[0];
    return {
      count: Number(row?.n ?? 0),
      mean_seconds: row?.mean === null || row?.mean === undefined ? null : Number(row.mean),
    };
  }

  async claimTerm(name: string, term: number, holder: string): Promise<boolean> {
    return (await this.claimFence({ name, term, holder })) !== null;
  }

  async claimFence(
    fence: Fence,
    options: { takeoverAfterMs?: number } = {},
  ): Promise<{ epoch: number; takeover: boolean } | null> {
    return this.db.transaction().execute((tx) => raiseFence(tx, fence, options.takeoverAfterMs));
  }

  async recordTriageFailure(
    id: string,
    error: string,
    maxAttempts: number,
    actor: string,
  ): Promise<TriageFailure | null> {
    return recordTriageFailure(this.db, id, error, maxAttempts, actor);
  }

  async retryDeadLettered(
    filter: { ids?: readonly string[]; limit: number },
    actor: string,
  ): Promise<IncidentRecord[]> {
    return retryDeadLettered(this.db, filter, actor);
  }

  async countDeadLettered(): Promise<number> {
    return countDeadLettered(this.db);
  }

  async pendingTriage(olderThanMs: number, limit: number, after: string | null): Promise<PendingTriagePage> {
    return pendingTriagePage(this.db, olderThanMs, limit, after);
  }

  async purgeClosedIncidents(fence: Fence, olderThanMs: number, limit: number): Promise<number | null> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await raiseFence(tx, fence))) return null;
      const r = await sql`
        DELETE FROM incidents WHERE id IN (
          SELECT id FROM incidents
          WHERE status IN ('resolved','false_positive','dismissed','closed')
            AND updated_at < ${new Date(Date.now() - olderThanMs)}
          ORDER BY updated_at LIMIT ${limit})`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    });
  }
}

/**
 * The compare-and-set at the heart of exactly-once triage: moves only if `from` still holds. One
 * statement (one round trip): lock the row and read the status we leave, update, and write the audit
 * entry naming that status exactly. Atomic on its own; callers add writes in the same transaction.
 */
async function moveStatus(
  db: Kysely<DB>,
  t: Transition,
  verdict?: { classification: string; confidence: number },
  /** One more data-modifying statement in the same command, reading the moved row as `upd`. */
  also?: RawBuilder<unknown>,
): Promise<Moved | null> {
  const from: string[] = typeof t.from === 'string' ? [t.from] : [...t.from];
  const sets = [sql`status = ${t.to}`, sql`version = i.version + 1`, sql`updated_at = now()`];
  if (!TRIAGE_PENDING_STATUSES.includes(t.to)) sets.push(sql`triaged_at = COALESCE(i.triaged_at, now())`);
  if (t.reason !== undefined) sets.push(sql`resolution_reason = ${t.reason}`);
  if (verdict) {
    sets.push(sql`classification = ${verdict.classification}`, sql`confidence = ${verdict.confidence}`);
    sets.push(sql`triage_attempts = 0`, sql`triage_error = NULL`);
  }
  const r = await sql<Record<string, unknown>>`
    WITH cur AS (SELECT id, status FROM incidents WHERE id = ${t.id} FOR UPDATE),
    upd AS (
      UPDATE incidents i SET ${sql.join(sets)} FROM cur
      WHERE i.id = cur.id AND cur.status = ANY(${from}::text[])
      RETURNING i.*, cur.status AS previous_status
    ),
    aud AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT id, ${t.actor}, ${t.action},
        ${JSON.stringify(t.details ?? {})}::jsonb || jsonb_build_object('from', previous_status, 'to', ${t.to}::text)
      FROM upd
    )${also ? sql`, also AS (${also})` : sql``}
    SELECT * FROM upd`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return { ...toIncident(row), previous_status: row.previous_status as Moved['previous_status'] };
}
