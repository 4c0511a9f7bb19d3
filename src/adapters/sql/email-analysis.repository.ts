import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { IncidentStatus } from '../../contracts/index.ts';
import type {
  EmailAnalysisRecord,
  EmailAnalysisStore,
  EmailAttachResult,
  NewEmailAnalysis,
  Page,
} from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import { iso, toIncident } from './rows.ts';
import { stripNul } from './sanitize.ts';

/** Statuses a new email analysis sends back to `new` (the rule of a repeat bringing new evidence). */
const REQUEUE_FROM: readonly IncidentStatus[] = ['enriching', 'analyzing', 'pending_review'];

/** Email analyses on PostgreSQL and PGlite (migration 0009_email_analyses). */
export class SqlEmailAnalysisStore implements EmailAnalysisStore {
  constructor(private readonly database: SqlDatabase) {}

  async attach(input: NewEmailAnalysis): Promise<EmailAttachResult | null> {
    return this.database.primary.transaction().execute(async (tx) => {
      // The row lock orders concurrent uploads to one incident against each other and against the
      // triage compare-and-set moves, so the status read here is the one the update acts on.
      const locked = await sql<{ status: IncidentStatus }>`
        SELECT status FROM incidents WHERE id = ${input.incident_id} FOR UPDATE`.execute(tx);
      const status = locked.rows[0]?.status;
      if (status === undefined) return null;

      const id = randomUUID();
      const inserted = await sql<Record<string, unknown>>`
        INSERT INTO email_analyses (id, incident_id, sha256, message_id, subject, from_address, source,
          alert_id, score, verdict, analysis, created_by)
        VALUES (${id}, ${input.incident_id}, ${input.sha256}, ${text(input.message_id)}, ${text(input.subject)},
          ${text(input.from_address)}, ${input.source}, ${input.alert_id ?? null}, ${input.score},
          ${input.verdict}, ${jsonParam(input.analysis)}::jsonb, ${text(input.actor)})
        ON CONFLICT (incident_id, sha256) DO NOTHING
        RETURNING *`.execute(tx);
      if (inserted.rows.length === 0) {
        const existing = await sql<Record<string, unknown>>`
          SELECT * FROM email_analyses WHERE incident_id = ${input.incident_id} AND sha256 = ${input.sha256}`.execute(
          tx,
        );
        const incident = await sql<
          Record<string, unknown>
        >`SELECT * FROM incidents WHERE id = ${input.incident_id}`.execute(tx);
        return {
          record: toEmailAnalysis(existing.rows[0]!),
          created: false,
          indicators_added: 0,
          incident: toIncident(incident.rows[0]!),
        };
      }

      const indicators = input.indicators.map((i) => ({
        type: i.type,
        value: i.value,
        context: i.context ?? null,
      }));
      const added = await sql<{ n: number | string }>`
        WITH ins AS (
          INSERT INTO indicators (id, incident_id, type, value, context)
          SELECT gen_random_uuid(), ${input.incident_id}::uuid, x.type, x.value, x.context
          FROM jsonb_to_recordset(${jsonParam(indicators)}::jsonb) AS x(type text, value text, context text)
          ON CONFLICT (incident_id, type, value) DO NOTHING
          RETURNING 1)
        SELECT count(*) AS n FROM ins`.execute(tx);
      const indicatorsAdded = Number(added.rows[0]?.n ?? 0);

      if (input.enrichments.length > 0) {
        await sql`
          INSERT INTO enrichments (id, incident_id, indicator_type, indicator_value, provider, verdict, score, details)
          SELECT gen_random_uuid(), ${input.incident_id}::uuid, e.indicator_type, e.indicator_value, e.provider,
            e.verdict, e.score, coalesce(e.details, '{}'::jsonb)
          FROM jsonb_to_recordset(${jsonParam(input.enrichments)}::jsonb) AS e(indicator_type text,
            indicator_value text, provider text, verdict text, score real, details jsonb)`.execute(tx);
      }

      const requeue = REQUEUE_FROM.includes(status);
      const updated = await sql<Record<string, unknown>>`
        UPDATE incidents SET
          status = CASE WHEN ${requeue} THEN 'new' ELSE status END,
          version = version + 1, updated_at = now()
        WHERE id = ${input.incident_id} RETURNING *`.execute(tx);
      const details = {
        analysis_id: id,
        sha256: input.sha256,
        source: input.source,
        verdict: input.verdict,
        score: input.score,
        indicators_added: indicatorsAdded,
      };
      await sql`
        INSERT INTO audit_log (incident_id, actor, action, details)
        VALUES (${input.incident_id}, ${text(input.actor)}, 'email.analyzed', ${jsonParam(details)}::jsonb)`.execute(
        tx,
      );
      if (requeue) {
        await sql`
          INSERT INTO audit_log (incident_id, actor, action, details)
          VALUES (${input.incident_id}, ${text(input.actor)}, 'triage.requeued', ${jsonParam({
            from: status,
            to: 'new',
            new_indicators: indicatorsAdded > 0,
            email_analysis_id: id,
          })}::jsonb)`.execute(tx);
      }
      return {
        record: toEmailAnalysis(inserted.rows[0]!),
        created: true,
        indicators_added: indicatorsAdded,
        incident: toIncident(updated.rows[0]!),
        ...(requeue ? { requeued_from: status } : {}),
      };
    });
  }

  async list(incidentId: string, page: number, perPage: number): Promise<Page<EmailAnalysisRecord> | null> {
    const db = this.database.primary;
    const exists = await db
      .selectFrom('incidents')
      .select('id')
      .where('id', '=', incidentId)
      .executeTakeFirst();
    if (!exists) return null;
    const [rows, count] = await Promise.all([
      db
        .selectFrom('email_analyses')
        .selectAll()
        .where('incident_id', '=', incidentId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
        .execute(),
      db
        .selectFrom('email_analyses')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('incident_id', '=', incidentId)
        .executeTakeFirst(),
    ]);
    const total = Number(count?.n ?? 0);
    return {
      data: rows.map((r) => toEmailAnalysis(r as unknown as Record<string, unknown>)),
      pagination: {
        page,
        per_page: perPage,
        total_items: total,
        total_pages: Math.ceil(total / perPage),
        total_exact: true,
        next_cursor: null,
      },
    };
  }

  async knownHashes(incidentId: string): Promise<Set<string>> {
    const rows = await this.database.primary
      .selectFrom('email_analyses')
      .select('sha256')
      .where('incident_id', '=', incidentId)
      .execute();
    return new Set(rows.map((r) => r.sha256));
  }

  async alertPayloads(incidentId: string, limit: number): Promise<Array<{ id: string; raw: unknown }>> {
    const rows = await this.database.primary
      .selectFrom('alerts')
      .select(['id', 'raw'])
      .where('incident_id', '=', incidentId)
      .where('email_scanned', '=', false)
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, raw: r.raw }));
  }

  async markAlertsScanned(alertIds: readonly string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.database.primary
      .updateTable('alerts')
      .set({ email_scanned: true })
      .where('id', 'in', [...alertIds])
      .execute();
  }
}

function toEmailAnalysis(r: Record<string, unknown>): EmailAnalysisRecord {
  return {
    id: r.id as string,
    incident_id: r.incident_id as string,
    sha256: r.sha256 as string,
    message_id: (r.message_id as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    from_address: (r.from_address as string | null) ?? null,
    source: r.source as EmailAnalysisRecord['source'],
    alert_id: (r.alert_id as string | null) ?? null,
    score: Number(r.score),
    verdict: r.verdict as EmailAnalysisRecord['verdict'],
    analysis: (typeof r.analysis === 'string' ? JSON.parse(r.analysis) : r.analysis) as Record<
      string,
      unknown
    >,
    created_by: r.created_by as string,
    created_at: iso(r.created_at),
  };
}

function text(v: string | null): string | null {
  return v === null ? null : stripNul(v);
}

/**
 * A value as JSON text PostgreSQL accepts: no U+0000 (dropped), no lone surrogate escape (→ U+FFFD),
 * both of which attacker-written mail can carry.
 */
function jsonParam(value: unknown): string {
  return JSON.stringify(stripNul(value)).replace(
    /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g,
    (_, backslashes: string) => `${backslashes}\\ufffd`,
  );
}
