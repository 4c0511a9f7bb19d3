import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { IncidentStatus } from '../../contracts/index.ts';
import type {
  Moved,
  NewEnrichment,
  NewTriageStep,
  StepBatch,
  StepEffects,
  TriageStepRecord,
  TriageSubjectRecord,
  Transition,
} from '../../ports/index.ts';
import { moveStatusRow } from './move-status.ts';
import { iso, toIncident } from './rows.ts';
import { stripNul } from './sanitize.ts';
import type { DB } from './schema.ts';

/**
 * The triage pipeline's bookkeeping (migration 0008): the run number and playbook on the incident,
 * one triage_steps row per step of a run. Writes are guarded by status and run, in one statement.
 */

/** The incident and its first alert's raw payload, one round trip. */
export async function triageSubject(db: Kysely<DB>, id: string): Promise<TriageSubjectRecord | null> {
  const r = await sql<Record<string, unknown>>`
    SELECT i.*,
      (SELECT a.raw FROM alerts a WHERE a.incident_id = i.id ORDER BY a.received_at, a.id LIMIT 1) AS _alert
    FROM incidents i WHERE i.id = ${id}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return {
    incident: toIncident(row),
    ...(row._alert !== null && row._alert !== undefined ? { alert: row._alert } : {}),
    run: Number(row.triage_run ?? 0),
    playbook_name: (row.playbook_name as string | null) ?? null,
    playbook_version:
      row.playbook_version === null || row.playbook_version === undefined
        ? null
        : Number(row.playbook_version),
  };
}

/** `new → enriching`, raising the run number and recording the playbook, in one statement. */
export async function startTriage(
  db: Kysely<DB>,
  t: Transition,
  playbook: { name: string; version: number },
): Promise<(Moved & { run: number }) | null> {
  const row = await moveStatusRow(db, t, undefined, undefined, [
    sql`triage_run = i.triage_run + 1`,
    sql`playbook_name = ${playbook.name}`,
    sql`playbook_version = ${playbook.version}`,
  ]);
  if (!row) return null;
  return {
    ...toIncident(row),
    previous_status: row.previous_status as Moved['previous_status'],
    run: Number(row.triage_run),
  };
}

export async function triageSteps(db: Kysely<DB>, id: string, run: number): Promise<TriageStepRecord[]> {
  const rows = await db
    .selectFrom('triage_steps')
    .selectAll()
    .where('incident_id', '=', id)
    .where('run', '=', run)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    step_id: r.step_id,
    kind: r.kind as TriageStepRecord['kind'],
    outcome: r.outcome as TriageStepRecord['outcome'],
    result: (parsed(r.result) ?? {}) as Record<string, unknown>,
    created_at: iso(r.created_at),
  }));
}

/**
 * One step and its effects, only while the incident holds `status` at `run` (a shared row lock, so
 * a concurrent status move waits or wins) and the step is not recorded yet.
 */
export async function recordTriageStep(
  db: Kysely<DB>,
  guard: { id: string; run: number; status: IncidentStatus },
  step: NewTriageStep,
  effects: StepEffects,
): Promise<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (effects.audit) {
    const details = { ...effects.audit.details, step: step.step_id, run: guard.run };
    parts.push(sql`, aud AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT id, ${effects.audit.actor}, ${effects.audit.action}, ${JSON.stringify(stripNul(details))}::jsonb
      FROM st)`);
  }
  if (effects.enrichments?.length)
    parts.push(sql`, enr AS (${insertEnrichments('st', effects.enrichments)})`);
  const r = await sql<{ id: string }>`
    WITH ok AS (
      SELECT id FROM incidents
      WHERE id = ${guard.id} AND status = ${guard.status} AND triage_run = ${guard.run}
      FOR SHARE
    ),
    st AS (
      INSERT INTO triage_steps (incident_id, run, step_id, kind, outcome, result)
      SELECT id, ${guard.run}, ${step.step_id}, ${step.kind}, ${step.outcome},
        ${JSON.stringify(stripNul(step.result))}::jsonb
      FROM ok
      ON CONFLICT DO NOTHING
      RETURNING incident_id AS id
    )${sql.join(parts, sql``)}
    SELECT id FROM st`.execute(db);
  return r.rows.length === 1;
}

/** Inserts a run's step rows, reading the moved incident as `upd` (skips rows recorded already). */
export function insertSteps(batch: StepBatch): RawBuilder<unknown> {
  const rows = batch.steps.map((s) => ({
    step_id: s.step_id,
    kind: s.kind,
    outcome: s.outcome,
    result: s.result,
  }));
  return sql`INSERT INTO triage_steps (incident_id, run, step_id, kind, outcome, result)
    SELECT upd.id, ${batch.run}::int, s.step_id, s.kind, s.outcome, coalesce(s.result, '{}'::jsonb)
    FROM upd, jsonb_to_recordset(${JSON.stringify(stripNul(rows))}::jsonb)
      AS s(step_id text, kind text, outcome text, result jsonb)
    ON CONFLICT DO NOTHING`;
}

/** Inserts enrichments for the incident in the CTE `from` (a relation with its `id`). */
export function insertEnrichments(
  from: 'upd' | 'st',
  enrichments: readonly NewEnrichment[],
): RawBuilder<unknown> {
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
  return sql`INSERT INTO enrichments
      (id, incident_id, indicator_type, indicator_value, provider, verdict, score, first_seen, last_seen,
       details)
    SELECT gen_random_uuid(), src.id, e.indicator_type, e.indicator_value, e.provider, e.verdict,
      e.score, e.first_seen, e.last_seen, coalesce(e.details, '{}'::jsonb)
    FROM ${sql.raw(from)} src, jsonb_to_recordset(${JSON.stringify(stripNul(rows))}::jsonb) AS e(indicator_type text,
      indicator_value text, provider text, verdict text, score real, first_seen timestamptz,
      last_seen timestamptz, details jsonb)`;
}

/** A JSON object column: parsed by the drivers; text only from paths that bypass them. */
function parsed(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
