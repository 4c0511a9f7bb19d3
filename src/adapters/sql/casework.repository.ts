import { sql, type Kysely, type Transaction } from 'kysely';
import type { CommentView, RelatedIncident } from '../../contracts/casework.ts';
import { SEVERITY_RANK, type Severity } from '../../contracts/index.ts';
import type {
  CaseworkActor,
  CaseworkOutcome,
  CaseworkStore,
  IncidentListQuery,
  IncidentRecord,
} from '../../ports/index.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { exportPage } from './incident-export.ts';
import { iso, toIncident } from './rows.ts';
import type { DB } from './schema.ts';

type Row = Record<string, unknown>;

/** Case work on PostgreSQL or PGlite: each write one transaction (row lock, version check, update, audit). */
export class SqlCaseworkStore implements CaseworkStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  /** Locks the row, checks the version, runs `write` (which returns the SET list, or null for no change). */
  private async change(
    id: string,
    by: CaseworkActor,
    write: (tx: Transaction<DB>, row: Row) => Promise<CaseworkOutcome | 'unchanged' | Row>,
  ): Promise<CaseworkOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const r = await sql<Row>`SELECT * FROM incidents WHERE id = ${id} FOR UPDATE`.execute(tx);
      const row = r.rows[0];
      if (!row) return { refused: 'not_found' };
      if (by.expectedVersion !== undefined && Number(row.version) !== by.expectedVersion) {
        return { refused: 'version', current: Number(row.version) };
      }
      const out = await write(tx, row);
      if (out === 'unchanged') return { incident: toIncident(row), changed: false };
      if ('refused' in out || 'changed' in out) return out as CaseworkOutcome;
      return { incident: toIncident(out), changed: true };
    });
  }

  async userNamed(username: string): Promise<string | null> {
    return userNamed(this.db, username);
  }

  async assign(id: string, assignee: string | null, by: CaseworkActor): Promise<CaseworkOutcome> {
    return this.change(id, by, async (tx, row) => {
      const name = assignee === null ? null : await userNamed(tx, assignee);
      if (assignee !== null && name === null) return { refused: 'unknown_user' };
      if (name === row.assignee) return 'unchanged';
      const updated = await sql<Row>`
        UPDATE incidents SET assignee = ${name}, assigned_at = ${name === null ? null : sql`now()`},
          version = version + 1, updated_at = now()
        WHERE id = ${id} RETURNING *`.execute(tx);
      await audit(tx, id, by.actor, 'incident.assigned', { from: row.assignee ?? null, to: name });
      return updated.rows[0]!;
    });
  }

  async retag(
    id: string,
    change: { add: readonly string[]; remove: readonly string[] },
    maxTags: number,
    by: CaseworkActor,
  ): Promise<CaseworkOutcome> {
    return this.change(id, by, async (tx, row) => {
      const before = (row.tags as string[] | null) ?? [];
      const removed = new Set(change.remove);
      const after = [...new Set([...before, ...change.add])].filter((t) => !removed.has(t));
      if (after.length > maxTags) return { refused: 'too_many_tags', count: after.length };
      const added = after.filter((t) => !before.includes(t));
      const dropped = before.filter((t) => !after.includes(t));
      if (added.length === 0 && dropped.length === 0) return 'unchanged';
      const updated = await sql<Row>`
        UPDATE incidents SET tags = ${after}::text[], version = version + 1, updated_at = now()
        WHERE id = ${id} RETURNING *`.execute(tx);
      await audit(tx, id, by.actor, 'incident.tagged', { added, removed: dropped });
      return updated.rows[0]!;
    });
  }

  async override(
    id: string,
    change: { severity?: Severity; incident_type?: string },
    reason: string,
    by: CaseworkActor,
  ): Promise<CaseworkOutcome> {
    return this.change(id, by, async (tx, row) => {
      const sets = [];
      if (change.severity !== undefined && change.severity !== row.severity) {
        sets.push(
          sql`severity = ${change.severity}`,
          sql`severity_rank = ${SEVERITY_RANK[change.severity]}`,
          sql`original_severity = COALESCE(original_severity, severity)`,
        );
        await audit(tx, id, by.actor, 'incident.severity_overridden', {
          from: row.severity,
          to: change.severity,
          reason,
        });
      }
      if (change.incident_type !== undefined && change.incident_type !== row.incident_type) {
        sets.push(
          sql`incident_type = ${change.incident_type}`,
          sql`original_incident_type = COALESCE(original_incident_type, incident_type)`,
        );
        await audit(tx, id, by.actor, 'incident.type_overridden', {
          from: row.incident_type,
          to: change.incident_type,
          reason,
        });
      }
      if (sets.length === 0) return 'unchanged';
      const updated = await sql<Row>`
        UPDATE incidents SET ${sql.join(sets)}, version = version + 1, updated_at = now()
        WHERE id = ${id} RETURNING *`.execute(tx);
      return updated.rows[0]!;
    });
  }

  async comment(
    id: string,
    c: { id: string; author: string; body: string; candidates: readonly string[] },
  ): Promise<CommentView | null> {
    return this.db.transaction().execute(async (tx) => {
      // KEY SHARE: the incident cannot be deleted under the comment; its own writes are not blocked.
      const exists = await sql`SELECT 1 FROM incidents WHERE id = ${id} FOR KEY SHARE`.execute(tx);
      if (exists.rows.length === 0) return null;
      const wanted = [...new Set(c.candidates.map((n) => n.toLowerCase()))];
      const users = wanted.length
        ? await sql<{ username: string }>`
            SELECT username FROM users WHERE lower(username) = ANY(${wanted}::text[]) AND NOT disabled
            ORDER BY username`.execute(tx)
        : { rows: [] };
      const mentions = users.rows.map((u) => u.username);
      const r = await sql<Row>`
        INSERT INTO incident_comments (id, incident_id, author, body, mentions)
        VALUES (${c.id}, ${id}, ${c.author}, ${c.body}, ${mentions}::text[]) RETURNING *`.execute(tx);
      // The body stays out of the audit log (it may quote anything); its length and mentions go in.
      await audit(tx, id, c.author, 'incident.commented', {
        comment_id: c.id,
        length: c.body.length,
        mentions,
      });
      return toComment(r.rows[0]!);
    });
  }

  async comments(id: string, limit: number): Promise<CommentView[] | null> {
    const r = await sql<Row>`
      SELECT c.*, (SELECT 1 FROM incidents WHERE id = ${id}) AS _exists
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (
        SELECT * FROM incident_comments WHERE incident_id = ${id} ORDER BY created_at, id LIMIT ${limit}
      ) c ON true`.execute(this.db);
    if (r.rows.length === 0 || r.rows[0]!._exists === null) return null;
    return r.rows.filter((row) => row.id !== null).map(toComment);
  }

  async related(id: string, limit: number): Promise<RelatedIncident[] | null> {
    const exists = await sql`SELECT 1 FROM incidents WHERE id = ${id}`.execute(this.db);
    if (exists.rows.length === 0) return null;
    const r = await sql<Row>`
      SELECT i.id, i.title, i.severity, i.status, i.created_at,
        array_agg(DISTINCT mine.type || ':' || mine.value ORDER BY mine.type || ':' || mine.value) AS shared
      FROM indicators mine
      JOIN indicators other ON other.type = mine.type AND other.value = mine.value
        AND other.incident_id <> mine.incident_id
      JOIN incidents i ON i.id = other.incident_id
      WHERE mine.incident_id = ${id}
      GROUP BY i.id, i.title, i.severity, i.status, i.created_at
      ORDER BY i.created_at DESC, i.id DESC
      LIMIT ${limit}`.execute(this.db);
    return r.rows.map((row) => ({
      id: row.id as string,
      title: row.title as string,
      severity: row.severity as Severity,
      status: row.status as RelatedIncident['status'],
      created_at: iso(row.created_at),
      shared: row.shared as string[],
    }));
  }

  async exportPage(
    filters: IncidentListQuery,
    after: { created_at: string; id: string } | null,
    size: number,
  ): Promise<{ rows: IncidentRecord[]; last: { created_at: string; id: string } | null }> {
    return this.database.read((db) => exportPage(db, filters, after, size));
  }
}

async function userNamed(db: Kysely<DB>, username: string): Promise<string | null> {
  const r = await sql<{ username: string }>`
    SELECT username FROM users WHERE lower(username) = lower(${username}) AND NOT disabled`.execute(db);
  return r.rows[0]?.username ?? null;
}

function toComment(r: Row): CommentView {
  return {
    id: r.id as string,
    incident_id: r.incident_id as string,
    author: r.author as string,
    body: r.body as string,
    mentions: (r.mentions as string[] | null) ?? [],
    created_at: iso(r.created_at),
  };
}
