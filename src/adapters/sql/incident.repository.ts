import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction as KyselyTx } from 'kysely';
import { TRIAGE_PENDING_STATUSES, type NormalizedAlert } from '../../contracts/index.ts';
import type {
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
  Transition,
} from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import { toAlert, toAnalysis, toAudit, toEnrichment, toIncident, toIndicator } from './rows.ts';
import { audit } from './audit.ts';
import { ingestAlert } from './incident-ingest.ts';
import { listIncidents } from './incident-list.ts';
import type { DB } from './schema.ts';

/** IncidentStore on PostgreSQL or PGlite (one SQL dialect). */
export class SqlIncidentStore implements IncidentStore, FencedStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async ingest(input: NormalizedAlert, dedupWindowMs: number): Promise<IngestResult> {
    return ingestAlert(this.db, input, dedupWindowMs);
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
    // Detail is read-after-write for the analyst who just acted: primary, not replica.
    const db = this.db;
    const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const [alerts, indicators, enrichments, analysis, timeline] = await Promise.all([
      db
        .selectFrom('alerts')
        .selectAll()
        .where('incident_id', '=', id)
        .orderBy('received_at', 'desc')
        .limit(50)
        .execute(),
      db
        .selectFrom('indicators')
        .selectAll()
        .where('incident_id', '=', id)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
      db
        .selectFrom('enrichments')
        .selectAll()
        .where('incident_id', '=', id)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
      db
        .selectFrom('analyses')
        .selectAll()
        .where('incident_id', '=', id)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
      db.selectFrom('audit_log').selectAll().where('incident_id', '=', id).orderBy('id').limit(500).execute(),
    ]);
    return {
      ...toIncident(row),
      alerts: alerts.map(toAlert),
      indicators: indicators.map(toIndicator),
      enrichments: enrichments.map(toEnrichment),
      verdict: analysis ? toAnalysis(analysis) : null,
      timeline: timeline.map(toAudit),
    };
  }

  async list(q: IncidentListQuery): Promise<Page<IncidentRecord>> {
    return listIncidents(this.database, q);
  }

  async transition(t: Transition): Promise<Moved | null> {
    return this.db.transaction().execute((tx) => moveStatus(tx, t));
  }

  async recordEnrichment(t: Transition, enrichments: NewEnrichment[]): Promise<IncidentRecord | null> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await moveStatus(tx, t);
      if (!moved) return null;
      if (enrichments.length > 0) {
        await tx
          .insertInto('enrichments')
          .values(
            enrichments.map((e) => ({
              id: randomUUID(),
              incident_id: t.id,
              indicator_type: e.indicator_type,
              indicator_value: e.indicator_value,
              provider: e.provider,
              verdict: e.verdict,
              score: e.score,
              details: JSON.stringify(e.details),
            })),
          )
          .execute();
      }
      return moved;
    });
  }

  async recordAnalysis(t: Transition, a: NewAnalysis): Promise<IncidentRecord | null> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await moveStatus(tx, t, { classification: a.classification, confidence: a.confidence });
      if (!moved) return null;
      await tx
        .insertInto('analyses')
        .values({
          id: randomUUID(),
          incident_id: t.id,
          analyzer: a.analyzer,
          classification: a.classification,
          confidence: a.confidence,
          category: a.category,
          reasoning: a.reasoning,
          reasons: JSON.stringify(a.reasons),
          recommended_actions: JSON.stringify(a.recommended_actions),
          mitre_techniques: JSON.stringify(a.mitre_techniques),
          indicators: JSON.stringify(a.indicators),
          score: a.score,
        })
        .execute();
      return moved;
    });
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
    return this.db.transaction().execute((tx) => raiseFence(tx, name, term, holder));
  }

  async purgeClosedIncidents(
    fence: { name: string; term: number; holder: string },
    olderThanMs: number,
    limit: number,
  ): Promise<number | null> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await raiseFence(tx, fence.name, fence.term, fence.holder))) return null;
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
 * The fencing check: raises the stored term to ours unless a higher one is there. The row stays
 * locked until the transaction ends, so a newer leader's claim waits for our writes or wins first.
 */
async function raiseFence(tx: KyselyTx<DB>, name: string, term: number, holder: string): Promise<boolean> {
  const r = await sql<{ term: number }>`
    INSERT INTO leader_fences (name, term, holder) VALUES (${name}, ${term}, ${holder})
    ON CONFLICT (name) DO UPDATE SET term = EXCLUDED.term, holder = EXCLUDED.holder, updated_at = now()
      WHERE leader_fences.term <= EXCLUDED.term
    RETURNING term`.execute(tx);
  return r.rows.length > 0;
}

/** The compare-and-set at the heart of exactly-once triage: moves only if `from` still holds. */
async function moveStatus(
  tx: KyselyTx<DB>,
  t: Transition,
  verdict?: { classification: string; confidence: number },
): Promise<Moved | null> {
  const from: string[] = typeof t.from === 'string' ? [t.from] : [...t.from];
  // Lock the row and read the status we leave, so the audit entry and event name it exactly.
  const current = await tx
    .selectFrom('incidents')
    .select('status')
    .where('id', '=', t.id)
    .forUpdate()
    .executeTakeFirst();
  if (!current || !from.includes(current.status)) return null;
  const finished = !TRIAGE_PENDING_STATUSES.includes(t.to);
  const row = await tx
    .updateTable('incidents')
    .set((eb) => ({
      status: t.to,
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
      ...(finished ? { triaged_at: sql<Date>`COALESCE(triaged_at, now())` } : {}),
      ...(t.reason !== undefined ? { resolution_reason: t.reason } : {}),
      ...(verdict ? { classification: verdict.classification, confidence: verdict.confidence } : {}),
    }))
    .where('id', '=', t.id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  await audit(tx, t.id, t.actor, t.action, { ...(t.details ?? {}), from: current.status, to: t.to });
  return { ...toIncident(row), previous_status: current.status as Moved['previous_status'] };
}
