import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { SEVERITY_RANK, type NormalizedAlert } from '../../contracts/index.ts';
import type { IncidentRecord, IngestResult } from '../../ports/index.ts';
import { INCIDENT_RECORD_COLUMNS, toIncident } from './rows.ts';
import type { DB } from './schema.ts';
import { CommitOutcomeUnknownError, isConnectionLevelFailure } from './sql.errors.ts';

/**
 * Which engine runs the batch. `postgres`: several processes may ingest at once, so fingerprints are
 * locked (advisory, transaction-scoped). `pglite`: one connection whose driver runs transactions one
 * after the other, hence nothing to lock.
 */
export type IngestEngine = 'postgres' | 'pglite';

/** Ingest one alert: fold into an open incident with the same fingerprint, or create one. */
export async function ingestAlert(
  db: Kysely<DB>,
  input: NormalizedAlert,
  dedupWindowMs: number,
  engine: IngestEngine = 'postgres',
  prelude = '',
): Promise<IngestResult> {
  const [result] = await ingestAlerts(db, [input], dedupWindowMs, engine, prelude);
  return result!;
}

/** The alerts of one source and fingerprint in a batch: they all go to one incident. */
interface Group {
  g: number;
  key: string;
  /** Index in the batch of its first alert, which creates the incident when none is found. */
  lead: number;
  /** Id of the incident to create if none is found within the window. */
  nid: string;
  n: number;
  first: number;
  last: number;
}

/** Where one alert stands in its group: its rank, and the group's occurredAt span up to it. */
interface Member {
  group: Group;
  k: number;
  first: number;
  last: number;
}

interface Row extends Record<string, unknown> {
  g: number;
  is_new: boolean;
  prev_first: Date | string | null;
  prev_last: Date | string | null;
}

/** What IncidentRecord needs (not the search vector). */
const INSERTED = sql.raw(INCIDENT_RECORD_COLUMNS.join(', '));
const UPDATED = sql.raw(INCIDENT_RECORD_COLUMNS.map((c) => `i.${c}`).join(', '));

/**
 * Ingests a batch in one transaction with the outcome `ingestAlert` would give each alert in turn:
 * alerts of one source and fingerprint fold into the newest incident last received within the window
 * (our clock, `last_received_at`), else the first of them creates one and the others fold into it.
 *
 * On PostgreSQL, three round trips whatever the batch size: `BEGIN` and the advisory locks in one
 * simple-protocol message, one statement that looks the fingerprints up and writes every row
 * (incidents, alerts, indicators, audit), `COMMIT`. Only unnamed statements and transaction-scoped
 * state, so it runs through PgBouncer in transaction mode. Parameters are JSON documents, bound the
 * same way by pg and PGlite.
 */
export async function ingestAlerts(
  db: Kysely<DB>,
  inputs: readonly NormalizedAlert[],
  dedupWindowMs: number,
  engine: IngestEngine = 'postgres',
  /** Sent with BEGIN: the server-side timeouts (SqlDatabase.transactionPrelude). Default none. */
  prelude = '',
): Promise<IngestResult[]> {
  if (inputs.length === 0) return [];
  // PostgreSQL text and jsonb cannot hold U+0000: the keys and cut fields lose it here, every other
  // string in the JSON parameters (see json()), rather than cloning each alert to clean it.
  const alerts = inputs.map((a) => ({
    ...a,
    source: noNul(a.source),
    fingerprint: noNul(a.fingerprint),
    title: noNul(a.title),
    ...(a.description === undefined ? {} : { description: noNul(a.description) }),
  }));
  const groups = new Map<string, Group>();
  const members: Member[] = alerts.map((alert, i) => {
    const key = `${alert.source}|${alert.fingerprint}`;
    const at = alert.occurredAt.getTime();
    let group = groups.get(key);
    if (!group) {
      group = { g: groups.size, key, lead: i, nid: randomUUID(), n: 0, first: at, last: at };
      groups.set(key, group);
    }
    group.n += 1;
    group.first = Math.min(group.first, at);
    group.last = Math.max(group.last, at);
    return { group, k: group.n, first: group.first, last: group.last };
  });
  const write = (tx: Kysely<DB>) => writeBatch(tx, alerts, [...groups.values()], members, dedupWindowMs);

  let rows: Row[];
  if (engine === 'pglite') {
    rows = await db.transaction().execute((tx: Transaction<DB>) => write(tx));
  } else {
    rows = await db.connection().execute(async (conn) => {
      try {
        // Serialises concurrent ingests of the same fingerprint across every API replica, taken in
        // the order of the lock ids themselves (two keys may hash alike), so two batches never wait
        // on each other in a cycle. The lookup must run in a later statement than the locks (its
        // snapshot must include whatever the previous holder committed); BEGIN rides along in the
        // same message. Keys travel as hex literals: nothing in them can reach the SQL text.
        await sql
          .raw(`BEGIN; ${prelude ? `${prelude}; ` : ''}${lockStatement([...groups.keys()])}`)
          .execute(conn);
        const written = await write(conn);
        try {
          await sql.raw('COMMIT').execute(conn);
        } catch (err) {
          // No answer (connection lost or timed out after the server may have committed): retrying
          // these alerts could store them twice, so callers must not (matched by name). An error the
          // server reported means it did not commit.
          if (isConnectionLevelFailure(err)) throw new CommitOutcomeUnknownError({ cause: err });
          throw err;
        }
        return written;
      } catch (err) {
        // A failed ROLLBACK marks the connection discarded: the driver destroys it on release
        // instead of pooling it inside this transaction (and its advisory locks).
        await sql
          .raw('ROLLBACK')
          .execute(conn)
          .catch(() => undefined);
        throw err;
      }
    });
  }

  const byGroup = new Map(rows.map((r) => [Number(r.g), r]));
  return members.map(({ group, k, first, last }, i) => {
    const row = byGroup.get(group.g);
    if (!row) throw new Error(`ingest: the incident of alert ${i} was not written`); // checked before COMMIT
    const incident = toIncident(row);
    const created = row.is_new && k === 1;
    if (k === group.n) return { incident, created };
    return { incident: asLeftBy(incident, row, group.n - k, first, last), created };
  });
}

/**
 * The incident as an alert that is not the last of its group left it: the count `later` alerts
 * lower, first and last seen over the alerts up to it (and what the incident held before the batch).
 */
function asLeftBy(incident: IncidentRecord, row: Row, later: number, first: number, last: number) {
  const prevFirst = row.is_new || row.prev_first === null ? first : new Date(row.prev_first).getTime();
  const prevLast = row.is_new || row.prev_last === null ? last : new Date(row.prev_last).getTime();
  return {
    ...incident,
    occurrence_count: incident.occurrence_count - later,
    first_seen: new Date(Math.min(prevFirst, first)).toISOString(),
    last_seen: new Date(Math.max(prevLast, last)).toISOString(),
  };
}

function lockStatement(keys: string[]): string {
  const hex = keys.map((k) => `'${Buffer.from(k, 'utf8').toString('hex')}'`).join(',');
  return `SELECT pg_advisory_xact_lock(h) FROM (
    SELECT DISTINCT hashtext(convert_from(decode(k, 'hex'), 'UTF8')) AS h FROM unnest(ARRAY[${hex}]::text[]) AS k
    ORDER BY h) AS locks`;
}

/**
 * One statement: the dedup lookup per group (the newest incident of that source and fingerprint
 * received within the window), then every write. A new incident gets the whole group at once
 * (count, first and last seen), the row sequential ingests would leave; a found one is raised by it.
 * Returns one row per group: the incident as the batch left it, whether it is new, and what it held
 * before.
 */
async function writeBatch(
  tx: Kysely<DB>,
  alerts: NormalizedAlert[],
  groups: Group[],
  members: Member[],
  dedupWindowMs: number,
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
      severity: lead.severity,
      severity_rank: SEVERITY_RANK[lead.severity],
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

  const result = await sql<Row>`
    WITH grp AS MATERIALIZED (
      SELECT * FROM json_to_recordset(${json(groupRows)}::json) AS x(g integer, source text,
        fingerprint text, nid uuid, n integer, first_seen timestamptz, last_seen timestamptz,
        incident_type text, severity text, severity_rank smallint, title text, description text,
        tags text[], assets jsonb, mitre_techniques text[], vendor_confidence real)
    ), target AS MATERIALIZED (
      SELECT grp.g, COALESCE(f.id, grp.nid) AS id, f.id IS NULL AS is_new,
        f.first_seen AS prev_first, f.last_seen AS prev_last
      FROM grp LEFT JOIN LATERAL (
        SELECT i.id, i.first_seen, i.last_seen FROM incidents AS i
        WHERE i.source = grp.source AND i.fingerprint = grp.fingerprint
          AND i.last_received_at >= now() - make_interval(secs => ${dedupWindowMs / 1000})
        ORDER BY i.last_received_at DESC LIMIT 1
      ) AS f ON true
    ), new_incidents AS (
      INSERT INTO incidents (id, incident_type, source, severity, severity_rank, status, title,
        description, fingerprint, occurrence_count, first_seen, last_seen, tags, assets,
        mitre_techniques, vendor_confidence)
      SELECT t.id, g.incident_type, g.source, g.severity, g.severity_rank, 'new', g.title,
        g.description, g.fingerprint, g.n, g.first_seen, g.last_seen, g.tags, g.assets,
        g.mitre_techniques, g.vendor_confidence
      FROM target AS t JOIN grp AS g USING (g) WHERE t.is_new
      RETURNING ${INSERTED}
    ), folded AS (
      UPDATE incidents AS i SET occurrence_count = i.occurrence_count + g.n, last_received_at = now(),
        last_seen = GREATEST(i.last_seen, g.last_seen), first_seen = LEAST(i.first_seen, g.first_seen)
      FROM target AS t JOIN grp AS g USING (g)
      WHERE i.id = t.id AND NOT t.is_new
      RETURNING ${UPDATED}
    ), batch_alerts AS MATERIALIZED (
      SELECT x.*, t.id AS incident_id, t.is_new AND x.k = 1 AS created
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
      SELECT gen_random_uuid(), t.id, x.type, x.value, x.context
      FROM json_to_recordset(${json(indicatorRows)}::json) AS x(g integer, type text, value text,
        context text)
      JOIN target AS t USING (g)
      ON CONFLICT (incident_id, type, value) DO NOTHING
    ), new_audit AS (
      INSERT INTO audit_log (incident_id, actor, action, details)
      SELECT incident_id, 'system', CASE WHEN created THEN 'incident.created' ELSE 'alert.deduplicated' END,
        jsonb_build_object('source', source, 'vendor_id', vendor_id, 'fingerprint', fingerprint)
      FROM batch_alerts ORDER BY o
    )
    SELECT t.g, t.is_new, t.prev_first, t.prev_last, r.*
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

function noNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
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
