import { sql, type Kysely } from 'kysely';
import type { NormalizedAlert } from '../../contracts/index.ts';
import type { DedupPolicy } from '../../ports/index.ts';
import { INCIDENT_RECORD_COLUMNS } from './rows.ts';
import type { DB } from './schema.ts';

// The one statement of a batched ingest (see incident-ingest.ts), and the shapes it shares with it.

/** The alerts of one source and fingerprint in a batch: they all go to one incident. */
export interface Group {
  g: number;
  key: string;
  /** Index in the batch of its first alert, which creates the incident when none is found. */
  lead: number;
  /** Id of the incident to create if none is found within the window. */
  nid: string;
  n: number;
  first: number;
  last: number;
  /** The highest severity among its alerts (a fold raises the incident's, never lowers it). */
  rank: number;
  severity: NormalizedAlert['severity'];
}

/** Where one alert stands in its group: its rank, and the group's occurredAt span up to it. */
export interface Member {
  group: Group;
  k: number;
  first: number;
  last: number;
}

export interface Row extends Record<string, unknown> {
  g: number;
  is_new: boolean;
  prev_first: Date | string | null;
  prev_last: Date | string | null;
  requeue_from: string | null;
}

/** What IncidentRecord needs (not the search vector). */
const INSERTED = sql.raw(INCIDENT_RECORD_COLUMNS.join(', '));
const UPDATED = sql.raw(INCIDENT_RECORD_COLUMNS.map((c) => `i.${c}`).join(', '));

/**
 * One statement: the dedup lookup per group (the newest incident of that source and fingerprint),
 * the fold decision, then every write. A new incident gets the whole group at once (count, first and
 * last seen, highest severity), the row sequential ingests would leave; a found one is raised by it,
 * and sent back to `new` when it is reopened or the group brings new evidence to a triaged one.
 * Returns one row per group: the incident as the batch left it, whether it is new, what it held
 * before, and the status it was requeued from.
 */
export async function writeBatch(
  tx: Kysely<DB>,
  alerts: NormalizedAlert[],
  groups: Group[],
  members: Member[],
  policy: Required<DedupPolicy>,
): Promise<Row[]> {
  const groupRows = groups.map((group) => {
    const lead = alerts[group.lead]!;
    return {
      g: group.g,
      source: lead.source,
      fingerprint: lead.fingerprint,
      nid: group.nid,
      n: group.n,
      first_seen: iso(group.first),
      last_seen: iso(group.last),
      incident_type: lead.incidentType,
      severity: group.severity,
      severity_rank: group.rank,
      title: lead.title.slice(0, 500),
      description: lead.description?.slice(0, 10_000) ?? null,
      tags: lead.tags,
      assets: lead.assets,
      mitre_techniques: lead.mitreTechniques,
      vendor_confidence: lead.vendorConfidence ?? null,
    };
  });
  const alertRows = alerts.map((alert, o) => ({
    o,
    g: members[o]!.group.g,
    k: members[o]!.k,
    source: alert.source,
    vendor_id: alert.vendorId ?? null,
    title: alert.title.slice(0, 500),
    severity: alert.severity,
    occurred_at: alert.occurredAt.toISOString(),
    fingerprint: alert.fingerprint,
    raw: alert.raw ?? null,
  }));
  const seen = new Set<string>();
  const indicatorRows: { g: number; type: string; value: string; context: string | null }[] = [];
  alerts.forEach((alert, o) => {
    const g = members[o]!.group.g;
    for (const ind of alert.indicators) {
      const key = `${g}\u0000${ind.type}\u0000${ind.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      indicatorRows.push({ g, type: ind.type, value: ind.value, context: ind.context ?? null });
    }
  });
  const reopen = policy.onRepeatAfterClose === 'reopen';

  const result = await sql<Row>`
    WITH grp AS MATERIALIZED (
      SELECT * FROM json_to_recordset(${json(groupRows)}::json) AS x(g integer, source text,
        fingerprint text, nid uuid, n integer, first_seen timestamptz, last_seen timestamptz,
        incident_type text, severity text, severity_rank smallint, title text, description text,
        tags text[], assets jsonb, mitre_techniques text[], vendor_confidence real)
    ), ind AS MATERIALIZED (
      SELECT * FROM json_to_recordset(${json(indicatorRows)}::json) AS x(g integer, type text, value text,
        context text)
    ), cand AS MATERIALIZED (
      SELECT grp.g, grp.nid, grp.severity_rank AS g_rank, f.id AS fid, f.first_seen AS f_first,
        f.last_seen AS f_last, f.status AS f_status, f.severity AS f_severity,
        COALESCE(f.created_at >= now() - make_interval(secs => ${policy.windowMs / 1000})
          AND f.occurrence_count + grp.n <= ${policy.maxAlerts}, false) AS fits,
        COALESCE(f.status IN ('resolved','false_positive','dismissed','closed'), false) AS f_closed,
        f.id IS NOT NULL AND grp.severity_rank > f.severity_rank AS raised,
        f.id IS NOT NULL AND EXISTS (SELECT 1 FROM ind WHERE ind.g = grp.g AND NOT EXISTS (
          SELECT 1 FROM indicators AS x WHERE x.incident_id = f.id AND x.type = ind.type
            AND x.value = ind.value)) AS new_ind
      FROM grp LEFT JOIN LATERAL (
        SELECT i.id, i.first_seen, i.last_seen, i.status, i.severity, i.severity_rank, i.created_at,
          i.occurrence_count
        FROM incidents AS i WHERE i.source = grp.source AND i.fingerprint = grp.fingerprint
        ORDER BY i.last_received_at DESC LIMIT 1
      ) AS f ON true
    ), target AS MATERIALIZED (
      SELECT c.g, CASE WHEN d.fold THEN c.fid ELSE c.nid END AS id, NOT d.fold AS is_new,
        c.f_first AS prev_first, c.f_last AS prev_last, c.f_severity, c.new_ind,
        d.fold AND c.raised AS raised,
        CASE WHEN NOT d.fold THEN c.fid END AS related_id,
        CASE WHEN d.fold AND (c.f_closed OR (c.f_status IN ('enriching','analyzing','pending_review')
          AND (c.new_ind OR c.raised))) THEN c.f_status END AS requeue_from
      FROM cand AS c CROSS JOIN LATERAL (
        SELECT c.fits AND (NOT c.f_closed OR ${reopen}) AS fold) AS d
    ), new_incidents AS (
      INSERT INTO incidents (id, incident_type, source, severity, severity_rank, status, title,
        description, fingerprint, occurrence_count, first_seen, last_seen, tags, assets,
        mitre_techniques, vendor_confidence, related_incident_id)
      SELECT t.id, g.incident_type, g.source, g.severity, g.severity_rank, 'new', g.title,
        g.description, g.fingerprint, g.n, g.first_seen, g.last_seen, g.tags, g.assets,
        g.mitre_techniques, g.vendor_confidence, t.related_id
      FROM target AS t JOIN grp AS g USING (g) WHERE t.is_new
      RETURNING ${INSERTED}
    ), folded AS (
      UPDATE incidents AS i SET occurrence_count = i.occurrence_count + g.n, last_received_at = now(),
        last_seen = GREATEST(i.last_seen, g.last_seen), first_seen = LEAST(i.first_seen, g.first_seen),
        severity = CASE WHEN t.raised THEN g.severity ELSE i.severity END,
        severity_rank = GREATEST(i.severity_rank, g.severity_rank),
        status = CASE WHEN t.requeue_from IS NULL THEN i.status ELSE 'new' END,
        resolution_reason = CASE WHEN t.requeue_from IS NULL THEN i.resolution_reason END,
        closed_at = CASE WHEN t.requeue_from IS NULL THEN i.closed_at END,
        version = i.version + CASE WHEN t.raised OR t.requeue_from IS NOT NULL THEN 1 ELSE 0 END,
        updated_at = CASE WHEN t.raised OR t.requeue_from IS NOT NULL THEN now() ELSE i.updated_at END
      FROM target AS t JOIN grp AS g USING (g)
      WHERE i.id = t.id AND NOT t.is_new
      RETURNING ${UPDATED}
    ), batch_alerts AS MATERIALIZED (
      SELECT x.*, t.id AS incident_id, t.is_new AND x.k = 1 AS created, t.related_id
      FROM json_to_recordset(${json(alertRows)}::json) AS x(o integer, g integer, k integer,
        source text, vendor_id text, title text, severity text, occurred_at timestamptz,
        fingerprint text, raw jsonb)
      JOIN target AS t USING (g)
    ), new_alerts AS (
      INSERT INTO alerts (id, incident_id, source, vendor_id, title, severity, occurred_at, raw)
      SELECT gen_random_uuid(), incident_id, source, vendor_id, title, severity, occurred_at,
        COALESCE(raw, 'null'::jsonb)
      FROM batch_alerts ORDER BY o
    ), new_indicators AS (
      INSERT INTO indicators (id, incident_id, type, value, context)
      SELECT gen_random_uuid(), t.id, ind.type, ind.value, ind.context
      FROM ind JOIN target AS t USING (g)
      ON CONFLICT (incident_id, type, value) DO NOTHING
    ), new_audit AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT incident_id, 'system', action, details FROM (
        SELECT o AS ord, 0 AS sub, incident_id,
          CASE WHEN created THEN 'incident.created' ELSE 'alert.deduplicated' END AS action,
          jsonb_build_object('source', source, 'vendor_id', vendor_id, 'fingerprint', fingerprint)
            || CASE WHEN created AND related_id IS NOT NULL
              THEN jsonb_build_object('related_incident_id', related_id) ELSE '{}'::jsonb END AS details
        FROM batch_alerts
        UNION ALL
        -- The closed (or full, or expired) incident's timeline shows where its repeat went.
        SELECT -1, t.g, t.related_id, 'incident.repeated', jsonb_build_object('new_incident_id', t.id)
        FROM target AS t WHERE t.related_id IS NOT NULL
        UNION ALL
        SELECT 1000000000, t.g, t.id, 'incident.severity_raised',
          jsonb_build_object('from', t.f_severity, 'to', g.severity)
        FROM target AS t JOIN grp AS g USING (g) WHERE t.raised
        UNION ALL
        SELECT 1000000001, t.g, t.id,
          CASE WHEN t.requeue_from IN ('resolved','false_positive','dismissed','closed')
            THEN 'incident.reopened' ELSE 'triage.requeued' END,
          jsonb_build_object('from', t.requeue_from, 'to', 'new', 'new_indicators', t.new_ind,
            'severity_raised', t.raised)
        FROM target AS t WHERE t.requeue_from IS NOT NULL
      ) AS a ORDER BY ord, sub
    )
    SELECT t.g, t.is_new, t.prev_first, t.prev_last, t.requeue_from, r.*
    FROM target AS t JOIN (SELECT * FROM new_incidents UNION ALL SELECT * FROM folded) AS r ON r.id = t.id`.execute(
    tx,
  );
  // Checked before COMMIT: a batch is committed whole with every caller's answer, or not at all (a
  // failed batch is retried alert by alert, which must never write an alert twice).
  if (new Set(result.rows.map((r) => Number(r.g))).size !== groups.length) {
    throw new Error(`ingest: ${result.rows.length} incidents written for ${groups.length} fingerprints`);
  }
  return result.rows;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A parameter as JSON text, cleaned of what PostgreSQL's JSON parser refuses in a string: U+0000
 * (dropped, as everywhere in storage) and a lone UTF-16 surrogate (a 500-character cut can split a
 * pair), which JSON.stringify writes as a `\udXXX` escape and which becomes U+FFFD, as it would had
 * the string been bound as text. Keys are cleaned alike.
 */
function json(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes('\\u0000') && !text.includes('\\ud')) return text;
  return text.replace(BAD_ESCAPE, (_, backslashes: string, escape: string) =>
    escape === '\\u0000' ? backslashes : `${backslashes}\\ufffd`,
  );
}
/** `\u0000` or a `\udXXX` escape in the surrogate range, not preceded by an escaped backslash. */
const BAD_ESCAPE = /(?<!\\)((?:\\\\)*)(\\u0000|\\ud[89a-f][0-9a-f]{2})/g;
