import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type {
  LlmTranscriptProgress,
  LlmTranscriptRecord,
  LlmTranscriptStore,
  NewLlmTranscript,
  RawAlert,
  RelatedIncident,
} from '../../ports/index.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { iso } from './rows.ts';
import { stripNul } from './sanitize.ts';
import type { LlmTranscriptsTable } from './schema.ts';

function toRecord(r: Selectable<LlmTranscriptsTable>): LlmTranscriptRecord {
  return {
    id: r.id,
    incident_id: r.incident_id,
    step_key: r.step_key,
    attempt_key: r.attempt_key,
    provider: r.provider,
    model: r.model,
    outcome: r.outcome as LlmTranscriptRecord['outcome'],
    decided_by: (r.decided_by ?? null) as LlmTranscriptRecord['decided_by'],
    fallback_reason: r.fallback_reason,
    verdict: (r.verdict ?? null) as LlmTranscriptRecord['verdict'],
    messages: (r.messages ?? []) as LlmTranscriptRecord['messages'],
    iterations: Number(r.iterations),
    tool_calls: Number(r.tool_calls),
    unknown_tool_calls: Number(r.unknown_tool_calls),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cost_usd: r.cost_usd === null ? null : Number(r.cost_usd),
    latency_ms: Number(r.latency_ms),
    injection: (r.injection ?? []) as LlmTranscriptRecord['injection'],
    redactions: (r.redactions ?? {}) as LlmTranscriptRecord['redactions'],
    created_at: iso(r.created_at),
  };
}

const json = (v: unknown): string => JSON.stringify(stripNul(v));

/** The columns an in-progress row and a final row share. */
function progressValues(p: LlmTranscriptProgress) {
  return {
    incident_id: p.incident_id,
    step_key: p.step_key,
    attempt_key: p.attempt_key,
    provider: p.provider,
    model: p.model,
    messages: json(p.messages),
    iterations: p.iterations,
    tool_calls: p.tool_calls,
    unknown_tool_calls: p.unknown_tool_calls,
    input_tokens: p.input_tokens,
    output_tokens: p.output_tokens,
    latency_ms: p.latency_ms,
    injection: json(p.injection),
    redactions: json(p.redactions),
  };
}

/**
 * LLM transcripts and the incident-context reads of the analyst's tools, on PostgreSQL or PGlite.
 * Always the primary: a redelivered job must see the transcript its previous attempt just stored.
 */
export class SqlLlmTranscriptStore implements LlmTranscriptStore {
  constructor(private readonly database: SqlDatabase) {}

  async find(incidentId: string, stepKey: string, attemptKey: string): Promise<LlmTranscriptRecord | null> {
    const row = await this.database.primary
      .selectFrom('llm_transcripts')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .where('step_key', '=', stepKey)
      .where('attempt_key', '=', attemptKey)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async checkpoint(p: LlmTranscriptProgress): Promise<boolean> {
    const values = progressValues(p);
    const row = await this.database.primary
      .insertInto('llm_transcripts')
      .values({ id: randomUUID(), ...values, outcome: 'in_progress', decided_by: null, verdict: null })
      .onConflict((oc) =>
        oc
          .columns(['incident_id', 'step_key', 'attempt_key'])
          .doUpdateSet({ ...values, updated_at: sql`now()` })
          .where('llm_transcripts.outcome', '=', 'in_progress'),
      )
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async save(t: NewLlmTranscript, actor: string): Promise<{ record: LlmTranscriptRecord; created: boolean }> {
    const final = {
      ...progressValues(t),
      outcome: t.outcome,
      decided_by: t.decided_by,
      fallback_reason: t.fallback_reason === null ? null : stripNul(t.fallback_reason),
      verdict: json(t.verdict),
      cost_usd: t.cost_usd,
    };
    return this.database.primary.transaction().execute(async (tx) => {
      // Completes an in_progress row; a final row already there wins (nothing written).
      const stored = await tx
        .insertInto('llm_transcripts')
        .values({ id: randomUUID(), ...final })
        .onConflict((oc) =>
          oc
            .columns(['incident_id', 'step_key', 'attempt_key'])
            .doUpdateSet({ ...final, updated_at: sql`now()` })
            .where('llm_transcripts.outcome', '=', 'in_progress'),
        )
        .returningAll()
        .executeTakeFirst();
      if (!stored) {
        const existing = await tx
          .selectFrom('llm_transcripts')
          .selectAll()
          .where('incident_id', '=', t.incident_id)
          .where('step_key', '=', t.step_key)
          .where('attempt_key', '=', t.attempt_key)
          .executeTakeFirstOrThrow();
        return { record: toRecord(existing), created: false };
      }
      await audit(tx, t.incident_id, actor, 'llm.analysis', {
        transcript_id: stored.id,
        step: t.step_key,
        provider: t.provider,
        model: t.model,
        decided_by: t.decided_by,
        fallback_reason: t.fallback_reason,
        classification: t.verdict.classification,
        input_tokens: t.input_tokens,
        output_tokens: t.output_tokens,
        recommended_actions: t.verdict.recommended_actions,
        note: 'recommendations only: the analyst runs nothing',
      });
      if (t.injection.length > 0) {
        await audit(tx, t.incident_id, actor, 'llm.prompt_injection_detected', {
          transcript_id: stored.id,
          rules: [...new Set(t.injection.map((f) => f.rule))],
          findings: stripNul(t.injection),
          policy: 'ignored as an instruction; the verdict may not be benign',
        });
      }
      return { record: toRecord(stored), created: true };
    });
  }

  async list(incidentId: string): Promise<LlmTranscriptRecord[]> {
    const rows = await this.database.primary
      .selectFrom('llm_transcripts')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async relatedIncidents(incidentId: string, limit: number): Promise<RelatedIncident[]> {
    // Bounded on both sides: 200 of this incident's indicators, 50 newest sightings of each.
    const rows = await sql<{
      id: string;
      title: string;
      severity: RelatedIncident['severity'];
      status: RelatedIncident['status'];
      classification: RelatedIncident['classification'];
      created_at: unknown;
      shared: RelatedIncident['shared_indicators'];
    }>`
      SELECT i.id, i.title, i.severity, i.status, i.classification, i.created_at,
             jsonb_agg(DISTINCT jsonb_build_object('type', o.type, 'value', o.value)) AS shared
      FROM (SELECT type, value FROM indicators WHERE incident_id = ${incidentId} LIMIT 200) mine
      CROSS JOIN LATERAL (
        SELECT x.incident_id, x.type, x.value FROM indicators x
        WHERE x.type = mine.type AND x.value = mine.value AND x.incident_id <> ${incidentId}
        ORDER BY x.created_at DESC LIMIT 50
      ) o
      JOIN incidents i ON i.id = o.incident_id
      GROUP BY i.id
      ORDER BY i.created_at DESC, i.id DESC
      LIMIT ${limit}`.execute(this.database.primary);
    return rows.rows.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      status: r.status,
      classification: r.classification ?? null,
      created_at: iso(r.created_at),
      shared_indicators: r.shared ?? [],
    }));
  }

  async alerts(incidentId: string, limit: number): Promise<RawAlert[]> {
    const rows = await this.database.primary
      .selectFrom('alerts')
      .select(['id', 'source', 'title', 'occurred_at', 'raw'])
      .where('incident_id', '=', incidentId)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      source: r.source,
      title: r.title,
      occurred_at: iso(r.occurred_at),
      raw: r.raw,
    }));
  }
}
