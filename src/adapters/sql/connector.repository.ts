import { sql, type Kysely } from 'kysely';
import type { ActionType } from '../../contracts/index.ts';
import type { ConnectorRow, ConnectorStore, ConnectorWrite, ConnectorWriteAudit } from '../../ports/index.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { iso } from './rows.ts';
import type { DB } from './schema.ts';

interface Row {
  name: string;
  kind: string;
  enabled: boolean;
  action_types: string[];
  config: unknown;
  secret_names: string[];
  secrets_sealed: string | null;
  key_id: string | null;
  dry_run: boolean;
  version: number;
  created_at: unknown;
  created_by: string;
  updated_at: unknown;
  updated_by: string;
}

/** PGlite gives Dates, the PostgreSQL pools ISO strings (rows.ts `iso`). */
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(iso(v)));

function toRow(r: Row): ConnectorRow {
  return {
    name: r.name,
    kind: r.kind,
    enabled: r.enabled,
    actionTypes: r.action_types as ActionType[],
    config: (typeof r.config === 'string' ? JSON.parse(r.config) : r.config) as Record<string, unknown>,
    secretNames: r.secret_names,
    secretsSealed: r.secrets_sealed,
    keyId: r.key_id,
    dryRun: r.dry_run,
    version: r.version,
    createdAt: date(r.created_at),
    createdBy: r.created_by,
    updatedAt: date(r.updated_at),
    updatedBy: r.updated_by,
  };
}

/** What an audit row says about a connector: its shape, never a credential. */
function described(row: ConnectorWrite): Record<string, unknown> {
  return {
    name: row.name,
    kind: row.kind,
    enabled: row.enabled,
    action_types: row.actionTypes,
    dry_run: row.dryRun,
    config: row.config,
    secrets_set: row.secretNames,
  };
}

/** Action connectors on PostgreSQL or PGlite, always the primary (a change must hold at once). */
export class SqlConnectorStore implements ConnectorStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async list(): Promise<ConnectorRow[]> {
    const r = await sql<Row>`SELECT * FROM connectors ORDER BY name`.execute(this.db);
    return r.rows.map(toRow);
  }

  async get(name: string): Promise<ConnectorRow | undefined> {
    const r = await sql<Row>`SELECT * FROM connectors WHERE name = ${name}`.execute(this.db);
    return r.rows[0] ? toRow(r.rows[0]) : undefined;
  }

  async put(
    row: ConnectorWrite,
    expectedVersion: number | null,
    facts: ConnectorWriteAudit,
  ): Promise<{ row: ConnectorRow; created: boolean } | null> {
    return this.db.transaction().execute(async (tx) => {
      const actionTypes = sql`${[...row.actionTypes]}::text[]`;
      const secretNames = sql`${[...row.secretNames]}::text[]`;
      const config = JSON.stringify(row.config);
      const r =
        expectedVersion === null
          ? await sql<Row>`
              INSERT INTO connectors (name, kind, enabled, action_types, config, secret_names, secrets_sealed,
                key_id, dry_run, created_by, updated_by)
              VALUES (${row.name}, ${row.kind}, ${row.enabled}, ${actionTypes}, ${config}::jsonb, ${secretNames},
                ${row.secretsSealed}, ${row.keyId}, ${row.dryRun}, ${facts.actor}, ${facts.actor})
              ON CONFLICT (name) DO NOTHING
              RETURNING *`.execute(tx)
          : await sql<Row>`
              UPDATE connectors SET kind = ${row.kind}, enabled = ${row.enabled}, action_types = ${actionTypes},
                config = ${config}::jsonb, secret_names = ${secretNames}, secrets_sealed = ${row.secretsSealed},
                key_id = ${row.keyId}, dry_run = ${row.dryRun}, version = version + 1,
                updated_at = clock_timestamp(), updated_by = ${facts.actor}
              WHERE name = ${row.name} AND version = ${expectedVersion}
              RETURNING *`.execute(tx);
      const written = r.rows[0];
      if (!written) return null;
      const created = expectedVersion === null;
      await audit(tx, null, facts.actor, created ? 'connector.created' : 'connector.updated', {
        ...described(row),
        version: written.version,
      });
      if (facts.secretsChanged.length > 0)
        await audit(tx, null, facts.actor, 'connector.secrets_rotated', {
          name: row.name,
          secrets: facts.secretsChanged,
          key_id: row.keyId,
        });
      return { row: toRow(written), created };
    });
  }

  async delete(name: string, actor: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await sql<Row>`DELETE FROM connectors WHERE name = ${name} RETURNING *`.execute(tx);
      const gone = r.rows[0];
      if (!gone) return false;
      await audit(tx, null, actor, 'connector.deleted', { name, kind: gone.kind, version: gone.version });
      return true;
    });
  }
}
