import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  PolicyOrigin,
  PolicyStore,
  PolicySyncResult,
  PolicyVersionRow,
} from '../../ports/policy-store.port.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { iso } from './rows.ts';
import type { DB } from './schema.ts';

/** Serialises every policy write of the deployment (a transaction-scoped advisory lock). */
const POLICY_LOCK = 0x7477_0013;

interface Row {
  version: number;
  source: string;
  origin: PolicyOrigin;
  created_by: string;
  created_at: unknown;
  comment: string | null;
  active: boolean;
}

const COLUMNS = sql.raw('version, source, origin, created_by, created_at, comment, active');

function toRow(r: Row): PolicyVersionRow {
  return {
    version: Number(r.version),
    source: r.source,
    origin: r.origin,
    createdBy: r.created_by,
    // PGlite gives Dates, the PostgreSQL pools ISO strings (rows.ts `iso`).
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(iso(r.created_at)),
    comment: r.comment,
    active: r.active,
  };
}

export const sourceHash = (source: string): string => createHash('sha256').update(source).digest('hex');

/** Guardrails versions on PostgreSQL or PGlite, always on the primary (a change must hold at once). */
export class SqlPolicyStore implements PolicyStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async active(): Promise<PolicyVersionRow | undefined> {
    const r = await sql<Row>`SELECT ${COLUMNS} FROM policy_versions WHERE active`.execute(this.db);
    return r.rows[0] ? toRow(r.rows[0]) : undefined;
  }

  async get(version: number): Promise<PolicyVersionRow | undefined> {
    const r = await sql<Row>`SELECT ${COLUMNS} FROM policy_versions WHERE version = ${version}`.execute(
      this.db,
    );
    return r.rows[0] ? toRow(r.rows[0]) : undefined;
  }

  async list(offset: number, limit: number): Promise<{ rows: PolicyVersionRow[]; total: number }> {
    const [rows, total] = await Promise.all([
      sql<Row>`SELECT ${COLUMNS} FROM policy_versions ORDER BY version DESC LIMIT ${limit} OFFSET ${offset}`.execute(
        this.db,
      ),
      sql<{ n: number }>`SELECT count(*)::int AS n FROM policy_versions`.execute(this.db),
    ]);
    return { rows: rows.rows.map(toRow), total: Number(total.rows[0]?.n ?? 0) };
  }

  async create(
    input: {
      source: string;
      origin: PolicyOrigin;
      comment: string | null;
      expectedVersion?: number;
      rollbackOf?: number;
    },
    actor: string,
  ): Promise<PolicyVersionRow | 'conflict'> {
    return this.db.transaction().execute(async (tx) => {
      await lock(tx);
      const current = await activeVersion(tx);
      if (input.expectedVersion !== undefined && current !== input.expectedVersion) return 'conflict';
      return insertActive(tx, input, actor);
    });
  }

  async sync(
    source: string,
    origin: 'builtin' | 'file',
    actor: string,
  ): Promise<{ result: PolicySyncResult; version: number }> {
    return this.db.transaction().execute(async (tx) => {
      // Under the lock, so replicas starting together store one version, not one each.
      await lock(tx);
      const hash = sourceHash(source);
      const state = await sql<{ active: number | null; active_hash: string | null; loaded: boolean }>`
        SELECT (SELECT version FROM policy_versions WHERE active) AS active,
               (SELECT source_hash FROM policy_versions WHERE active) AS active_hash,
               EXISTS (SELECT 1 FROM policy_versions WHERE origin = ${origin} AND source_hash = ${hash}) AS loaded`.execute(
        tx,
      );
      const s = state.rows[0]!;
      if (s.active === null) {
        const row = await insertActive(tx, { source, origin, comment: `loaded at start (${origin})` }, actor);
        return { result: 'created', version: row.version };
      }
      // The built-in is only a first version; a file is applied once per content, so a restart does not
      // undo a change made through the API unless the file itself changed.
      if (origin === 'builtin' || s.active_hash === hash || s.loaded)
        return { result: 'unchanged', version: Number(s.active) };
      const row = await insertActive(
        tx,
        { source, origin, comment: 'loaded at start (response.policy_file)' },
        actor,
      );
      return { result: 'updated', version: row.version };
    });
  }
}

async function lock(tx: Transaction<DB>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${POLICY_LOCK})`.execute(tx);
}

async function activeVersion(tx: Transaction<DB>): Promise<number | null> {
  const r = await sql<{ version: number }>`SELECT version FROM policy_versions WHERE active`.execute(tx);
  return r.rows[0] ? Number(r.rows[0].version) : null;
}

/** The new version, active, and its two audit rows (caller holds the lock). */
async function insertActive(
  tx: Transaction<DB>,
  input: { source: string; origin: PolicyOrigin; comment: string | null; rollbackOf?: number },
  actor: string,
): Promise<PolicyVersionRow> {
  const previous = await activeVersion(tx);
  await sql`UPDATE policy_versions SET active = false WHERE active`.execute(tx);
  const r = await sql<Row>`
    INSERT INTO policy_versions (version, source, source_hash, origin, created_by, comment, active)
    SELECT coalesce(max(version), 0) + 1, ${input.source}, ${sourceHash(input.source)}, ${input.origin},
           ${actor}, ${input.comment}, true
    FROM policy_versions
    RETURNING ${COLUMNS}`.execute(tx);
  const row = toRow(r.rows[0]!);
  await audit(tx, null, actor, 'policy.created', {
    version: row.version,
    origin: row.origin,
    ...(input.rollbackOf !== undefined ? { rollback_of: input.rollbackOf } : {}),
    comment: row.comment,
  });
  await audit(tx, null, actor, 'policy.activated', { version: row.version, previous });
  return row;
}
