import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { SEVERITY_RANK, type NormalizedAlert } from '../../contracts/index.ts';
import type { DedupPolicy, IncidentRecord, IngestResult } from '../../ports/index.ts';
import { toIncident } from './rows.ts';
import { writeBatch, type Group, type Member, type Row } from './incident-ingest.statement.ts';
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
  dedup: number | DedupPolicy,
  engine: IngestEngine = 'postgres',
  prelude = '',
): Promise<IngestResult> {
  const [result] = await ingestAlerts(db, [input], dedup, engine, prelude);
  return result!;
}

/** The policy with its defaults: 1000 alerts per incident, a new incident after closure. */
function policyOf(dedup: number | DedupPolicy): Required<DedupPolicy> {
  const p = typeof dedup === 'number' ? { windowMs: dedup } : dedup;
  return {
    windowMs: p.windowMs,
    maxAlerts: p.maxAlerts ?? 1000,
    onRepeatAfterClose: p.onRepeatAfterClose ?? 'new_incident',
  };
}
/**
 * Ingests a batch in one transaction with the outcome `ingestAlert` would give each alert in turn:
 * alerts of one source and fingerprint fold into the newest incident of that fingerprint when it is
 * open, its first alert arrived within the window (our clock, `created_at`) and it has room for them;
 * else the first of them creates one (linked to that incident, if any) and the others fold into it.
 * A closed incident is reopened instead when the policy says so (docs/INCIDENT-LIFECYCLE.md).
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
  dedup: number | DedupPolicy,
  engine: IngestEngine = 'postgres',
  /** Sent with BEGIN: the server-side timeouts (SqlDatabase.transactionPrelude). Default none. */
  prelude = '',
): Promise<IngestResult[]> {
  if (inputs.length === 0) return [];
  const policy = policyOf(dedup);
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
    const rank = SEVERITY_RANK[alert.severity];
    if (!group) {
      group = {
        g: groups.size,
        key,
        lead: i,
        nid: randomUUID(),
        n: 0,
        first: at,
        last: at,
        rank,
        severity: alert.severity,
      };
      groups.set(key, group);
    }
    if (rank > group.rank) Object.assign(group, { rank, severity: alert.severity });
    group.n += 1;
    group.first = Math.min(group.first, at);
    group.last = Math.max(group.last, at);
    return { group, k: group.n, first: group.first, last: group.last };
  });
  const write = (tx: Kysely<DB>) => writeBatch(tx, alerts, [...groups.values()], members, policy);

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
    // The status move belongs to the group's first alert (the others fold into the moved incident).
    const requeued =
      row.requeue_from && k === 1 ? { requeued_from: row.requeue_from as IncidentRecord['status'] } : {};
    if (k === group.n) return { incident, created, ...requeued };
    return { incident: asLeftBy(incident, row, group.n - k, first, last), created, ...requeued };
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
function noNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
}
