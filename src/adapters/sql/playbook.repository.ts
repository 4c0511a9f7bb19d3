import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  NewPlaybookRow,
  PlaybookRow,
  PlaybookStore,
  PlaybookSyncResult,
  PlaybookVersionRow,
  SlaCandidate,
  SlaKind,
  SlaStore,
} from '../../ports/index.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { iso, toIncident } from './rows.ts';
import type { DB, PlaybooksTable } from './schema.ts';

/** PGlite gives Dates, the PostgreSQL pools ISO strings (rows.ts `iso`). */
function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(iso(v));
}

function toRow(r: Selectable<PlaybooksTable>): PlaybookRow {
  return {
    name: r.name,
    version: r.version,
    enabled: r.enabled,
    priority: r.priority,
    source: r.source,
    origin: r.origin,
    fileHash: r.file_hash,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    updatedBy: r.updated_by,
  };
}

/** The history row and the audit row of one change, in its transaction. */
async function record(
  tx: Transaction<DB>,
  row: Selectable<PlaybooksTable>,
  change: string,
  actor: string,
): Promise<void> {
  await tx
    .insertInto('playbook_versions')
    .values({ name: row.name, version: row.version, source: row.source, change, created_by: actor })
    .execute();
  await audit(tx, null, actor, `playbook.${change}`, {
    playbook: row.name,
    version: row.version,
    origin: row.origin,
    enabled: row.enabled,
  });
}

/** Playbooks on PostgreSQL or PGlite, always on the primary (a change must hold at once). */
export class SqlPlaybookStore implements PlaybookStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async list(): Promise<PlaybookRow[]> {
    const rows = await this.db.selectFrom('playbooks').selectAll().orderBy('name').execute();
    return rows.map(toRow);
  }

  async get(name: string): Promise<PlaybookRow | undefined> {
    const row = await this.db.selectFrom('playbooks').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async insert(row: NewPlaybookRow, actor: string): Promise<PlaybookRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('playbooks')
        .values({ ...row, version: 1, updated_by: actor })
        .onConflict((oc) => oc.column('name').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) return undefined;
      await record(tx, inserted, 'created', actor);
      return toRow(inserted);
    });
  }

  async replace(
    name: string,
    change: { source: string; priority: number; enabled?: boolean; expectedVersion?: number },
    actor: string,
  ): Promise<PlaybookRow | 'conflict' | undefined> {
    return this.db.transaction().execute(async (tx) => {
      let q = tx
        .updateTable('playbooks')
        .set({
          source: change.source,
          priority: change.priority,
          ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
          version: sql`version + 1`,
          updated_at: sql`now()`,
          updated_by: actor,
        })
        .where('name', '=', name);
      if (change.expectedVersion !== undefined) q = q.where('version', '=', change.expectedVersion);
      const updated = await q.returningAll().executeTakeFirst();
      if (!updated) {
        if (change.expectedVersion === undefined) return undefined;
        const exists = await tx
          .selectFrom('playbooks')
          .select('name')
          .where('name', '=', name)
          .executeTakeFirst();
        return exists ? 'conflict' : undefined;
      }
      await record(tx, updated, 'replaced', actor);
      return toRow(updated);
    });
  }

  async setEnabled(name: string, enabled: boolean, actor: string): Promise<PlaybookRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('playbooks')
        .set({ enabled, version: sql`version + 1`, updated_at: sql`now()`, updated_by: actor })
        .where('name', '=', name)
        .where('enabled', '<>', enabled)
        .returningAll()
        .executeTakeFirst();
      if (updated) {
        await record(tx, updated, enabled ? 'enabled' : 'disabled', actor);
        return toRow(updated);
      }
      // Already in that state: nothing to record.
      const row = await tx.selectFrom('playbooks').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? toRow(row) : undefined;
    });
  }

  async delete(name: string, actor: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const deleted = await tx
        .deleteFrom('playbooks')
        .where('name', '=', name)
        .returning(['name', 'version', 'origin'])
        .executeTakeFirst();
      if (!deleted) return false;
      await audit(tx, null, actor, 'playbook.deleted', {
        playbook: deleted.name,
        version: deleted.version,
        origin: deleted.origin,
      });
      return true;
    });
  }

  async syncFile(
    file: NewPlaybookRow & { fileHash: string },
    actor: string,
  ): Promise<{ result: PlaybookSyncResult; version: number }> {
    return this.db.transaction().execute(async (tx) => {
      // One statement, so processes starting together cannot both insert (no duplicate-key error)
      // and a file is applied once: the second process finds the hash already stored.
      const r = await sql<Selectable<PlaybooksTable>>`
        INSERT INTO playbooks (name, version, enabled, priority, source, origin, file_hash, updated_by)
        VALUES (${file.name}, 1, ${file.enabled}, ${file.priority}, ${file.source}, ${file.origin},
                ${file.fileHash}, ${actor})
        ON CONFLICT (name) DO UPDATE SET
          source = EXCLUDED.source, priority = EXCLUDED.priority, origin = EXCLUDED.origin,
          file_hash = EXCLUDED.file_hash, version = playbooks.version + 1,
          updated_at = now(), updated_by = EXCLUDED.updated_by
        WHERE playbooks.origin <> 'api' AND playbooks.file_hash IS DISTINCT FROM EXCLUDED.file_hash
        RETURNING *`.execute(tx);
      const written = r.rows[0];
      if (written) {
        const inserted = written.version === 1;
        await record(tx, written, inserted ? 'created' : 'loaded', actor);
        return { result: inserted ? 'inserted' : 'updated', version: written.version };
      }
      const current = await tx
        .selectFrom('playbooks')
        .select(['origin', 'version'])
        .where('name', '=', file.name)
        .executeTakeFirstOrThrow();
      return { result: current.origin === 'api' ? 'shadowed' : 'unchanged', version: current.version };
    });
  }

  async versions(name: string, limit: number): Promise<PlaybookVersionRow[]> {
    const rows = await this.db
      .selectFrom('playbook_versions')
      .selectAll()
      .where('name', '=', name)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      source: r.source,
      change: r.change,
      at: date(r.created_at),
      by: r.created_by,
    }));
  }
}

const NOT_TRIAGED = sql.join(['new', 'enriching', 'analyzing'].map((s) => sql.lit(s)));
const CLOSED = sql.join(['resolved', 'false_positive', 'dismissed', 'closed'].map((s) => sql.lit(s)));

/** The SLA check's reads and its breach records, on the primary (it runs on the leader only). */
export class SqlSlaStore implements SlaStore {
  constructor(private readonly database: SqlDatabase) {}

  async slaCandidates(
    kind: SlaKind,
    createdBefore: Date,
    limit: number,
    after: string | null,
    withAlert: boolean,
  ): Promise<{ items: SlaCandidate[]; next: string | null }> {
    const cursor = after ? parseCursor(after) : null;
    const owed =
      kind === 'time_to_triage' ? sql`i.status IN (${NOT_TRIAGED})` : sql`i.status NOT IN (${CLOSED})`;
    const r = await sql<Record<string, unknown> & { cursor_at: string; first_alert?: unknown }>`
      SELECT i.*,
        to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
        ${
          withAlert
            ? sql`, (SELECT a.raw FROM alerts a WHERE a.incident_id = i.id
                     ORDER BY a.received_at, a.id LIMIT 1) AS first_alert`
            : sql``
        }
      FROM incidents i
      WHERE ${owed} AND i.created_at < ${createdBefore}
        AND NOT EXISTS (
          SELECT 1 FROM playbook_sla_breaches b WHERE b.incident_id = i.id AND b.kind = ${kind})
        ${cursor ? sql`AND (i.created_at, i.id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : sql``}
      ORDER BY i.created_at, i.id
      LIMIT ${limit}`.execute(this.database.primary);
    const last = r.rows.at(-1);
    return {
      items: r.rows.map((row) => ({
        incident: toIncident(row),
        ...(withAlert && row.first_alert !== undefined && row.first_alert !== null
          ? { alert: typeof row.first_alert === 'string' ? safeJson(row.first_alert) : row.first_alert }
          : {}),
      })),
      next: last && r.rows.length === limit ? `${last.cursor_at}|${last.id as string}` : null,
    };
  }

  async recordBreach(b: {
    incidentId: string;
    kind: SlaKind;
    playbook: string;
    dueAt: Date;
  }): Promise<boolean> {
    const r = await this.database.primary
      .insertInto('playbook_sla_breaches')
      .values({ incident_id: b.incidentId, kind: b.kind, playbook: b.playbook, due_at: b.dueAt })
      .onConflict((oc) => oc.columns(['incident_id', 'kind']).doNothing())
      .returning('incident_id')
      .executeTakeFirst();
    return r !== undefined;
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function parseCursor(cursor: string): { at: string; id: string } {
  const [at, id] = cursor.split('|');
  if (!at || !id) throw new RangeError('bad SLA cursor');
  return { at, id };
}
