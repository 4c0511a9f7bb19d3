import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction as KyselyTx } from 'kysely';
import { SEVERITY_RANK, TRIAGE_PENDING_STATUSES, type NormalizedAlert } from '../../contracts/index.ts';
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
import { withoutNul } from './sanitize.ts';
import type { DB } from './schema.ts';

const SORT_COLUMNS = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  last_seen: 'last_seen',
  severity: 'severity_rank',
  occurrence_count: 'occurrence_count',
} as const;

/** IncidentStore on PostgreSQL or PGlite (one SQL dialect). */
export class SqlIncidentStore implements IncidentStore, FencedStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async ingest(input: NormalizedAlert, dedupWindowMs: number): Promise<IngestResult> {
    const alert = withoutNul(input);
    return this.db.transaction().execute(async (tx) => {
      // Serialises concurrent ingests of the same fingerprint across every API replica; the lock is
      // transaction-scoped, so it is safe through PgBouncer in transaction mode.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${alert.source + '|' + alert.fingerprint}))`.execute(
        tx,
      );
      const existing = await sql<{ id: string }>`
        SELECT id FROM incidents
        WHERE source = ${alert.source} AND fingerprint = ${alert.fingerprint}
          AND last_received_at >= now() - make_interval(secs => ${dedupWindowMs / 1000})
        ORDER BY last_received_at DESC LIMIT 1`.execute(tx);
      const found = existing.rows[0];
      let incidentId: string;
      let created: boolean;
      if (found) {
        incidentId = found.id;
        created = false;
        await sql`UPDATE incidents SET occurrence_count = occurrence_count + 1, last_received_at = now(),
            last_seen = GREATEST(last_seen, ${alert.occurredAt}),
            first_seen = LEAST(first_seen, ${alert.occurredAt})
          WHERE id = ${incidentId}`.execute(tx);
      } else {
        incidentId = randomUUID();
        created = true;
        await tx
          .insertInto('incidents')
          .values({
            id: incidentId,
            incident_type: alert.incidentType,
            source: alert.source,
            severity: alert.severity,
            severity_rank: SEVERITY_RANK[alert.severity],
            status: 'new',
            title: alert.title.slice(0, 500),
            description: alert.description?.slice(0, 10_000) ?? null,
            fingerprint: alert.fingerprint,
            first_seen: alert.occurredAt,
            last_seen: alert.occurredAt,
            tags: alert.tags,
            assets: JSON.stringify(alert.assets),
            mitre_techniques: alert.mitreTechniques,
            vendor_confidence: alert.vendorConfidence ?? null,
          })
          .execute();
      }
      await tx
        .insertInto('alerts')
        .values({
          id: randomUUID(),
          incident_id: incidentId,
          source: alert.source,
          vendor_id: alert.vendorId ?? null,
          title: alert.title.slice(0, 500),
          severity: alert.severity,
          occurred_at: alert.occurredAt,
          raw: JSON.stringify(alert.raw ?? null),
        })
        .execute();
      if (alert.indicators.length > 0) {
        await tx
          .insertInto('indicators')
          .values(
            alert.indicators.map((i) => ({
              id: randomUUID(),
              incident_id: incidentId,
              type: i.type,
              value: i.value,
              context: i.context ?? null,
            })),
          )
          .onConflict((oc) => oc.columns(['incident_id', 'type', 'value']).doNothing())
          .execute();
      }
      await audit(tx, incidentId, 'system', created ? 'incident.created' : 'alert.deduplicated', {
        source: alert.source,
        vendor_id: alert.vendorId ?? null,
        fingerprint: alert.fingerprint,
      });
      const row = await tx
        .selectFrom('incidents')
        .selectAll()
        .where('id', '=', incidentId)
        .executeTakeFirstOrThrow();
      return { incident: toIncident(row), created };
    });
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
    return this.database.read(async (db) => {
      let query = db.selectFrom('incidents');
      if (q.status?.length) query = query.where('status', 'in', q.status);
      if (q.severity?.length) query = query.where('severity', 'in', q.severity);
      if (q.incident_type?.length) query = query.where('incident_type', 'in', q.incident_type);
      if (q.source?.length) query = query.where('source', 'in', q.source);
      if (q.since) query = query.where('created_at', '>=', q.since);
      if (q.until) query = query.where('created_at', '<', q.until);
      if (q.q) query = query.where(sql<boolean>`search @@ plainto_tsquery('simple', ${q.q})`);
      const column = SORT_COLUMNS[q.sort];
      const [rows, count] = await Promise.all([
        query
          .selectAll()
          .orderBy(column, q.order)
          .orderBy('id', q.order)
          .limit(q.per_page)
          .offset((q.page - 1) * q.per_page)
          .execute(),
        query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
      ]);
      const total = Number(count.n);
      return {
        data: rows.map(toIncident),
        pagination: {
          page: q.page,
          per_page: q.per_page,
          total_items: total,
          total_pages: Math.ceil(total / q.per_page),
        },
      };
    });
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

async function audit(
  tx: KyselyTx<DB>,
  incidentId: string | null,
  actor: string,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({ incident_id: incidentId, actor, action, details: JSON.stringify(details) })
    .execute();
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
