import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  NewWebhookSourceRow,
  ReplayClaim,
  ReplayGuard,
  WebhookSourcePatch,
  WebhookSourceRow,
  WebhookSourceStore,
} from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import { iso } from './rows.ts';
import type { DB, WebhookSourcesTable } from './schema.ts';

/** PGlite gives Dates, the PostgreSQL pools ISO strings (rows.ts `iso`). */
function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(iso(v));
}

function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : date(v);
}

function toRow(r: Selectable<WebhookSourcesTable>): WebhookSourceRow {
  return {
    name: r.name,
    secretSealed: r.secret_sealed,
    secretKeyId: r.secret_key_id,
    previousSecretSealed: r.previous_secret_sealed,
    previousKeyId: r.previous_key_id,
    previousValidUntil: dateOrNull(r.previous_valid_until),
    unsigned: r.unsigned,
    enabled: r.enabled,
    requireTimestamp: r.require_timestamp,
    rateLimit: r.rate_limit,
    rotatedAt: dateOrNull(r.rotated_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

const COLUMNS: Record<keyof WebhookSourcePatch, keyof WebhookSourcesTable> = {
  secretSealed: 'secret_sealed',
  secretKeyId: 'secret_key_id',
  previousSecretSealed: 'previous_secret_sealed',
  previousKeyId: 'previous_key_id',
  previousValidUntil: 'previous_valid_until',
  unsigned: 'unsigned',
  enabled: 'enabled',
  requireTimestamp: 'require_timestamp',
  rateLimit: 'rate_limit',
  rotatedAt: 'rotated_at',
};

/** Managed webhook sources on PostgreSQL or PGlite. Always the primary: a rotation must hold at once. */
export class SqlWebhookSourceStore implements WebhookSourceStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async list(): Promise<WebhookSourceRow[]> {
    const rows = await this.db.selectFrom('webhook_sources').selectAll().orderBy('name').execute();
    return rows.map(toRow);
  }

  async find(names: readonly string[]): Promise<WebhookSourceRow[]> {
    if (names.length === 0) return [];
    const rows = await this.db.selectFrom('webhook_sources').selectAll().where('name', 'in', names).execute();
    return rows.map(toRow);
  }

  async insert(row: NewWebhookSourceRow): Promise<boolean> {
    const inserted = await this.db
      .insertInto('webhook_sources')
      .values({
        name: row.name,
        secret_sealed: row.secretSealed,
        secret_key_id: row.secretKeyId,
        previous_secret_sealed: row.previousSecretSealed,
        previous_key_id: row.previousKeyId,
        previous_valid_until: row.previousValidUntil,
        unsigned: row.unsigned,
        enabled: row.enabled,
        require_timestamp: row.requireTimestamp,
        rate_limit: row.rateLimit,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async update(name: string, patch: WebhookSourcePatch): Promise<WebhookSourceRow | undefined> {
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined) set[COLUMNS[k as keyof WebhookSourcePatch]] = v;
    }
    const row = await this.db
      .updateTable('webhook_sources')
      .set({ ...set, updated_at: sql`now()`, version: sql`version + 1` })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhook_sources').where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/** How often one process sweeps expired replay slots (on a claim, at most this often). */
const PURGE_EVERY_MS = 60_000;

/**
 * The replay guard in the database, the same table for embedded and distributed mode.
 *
 * Why the database and not Redis: the guard must outlive a restart (embedded mode has nothing else
 * that does), one mechanism means one behaviour to test on both modes, and the cost — one
 * autocommitted insert before and one update after an ingest that already writes the incident on
 * the same primary — is small next to that ingest. Expired rows are swept by the process that
 * claims, at most once a minute, so the table holds about one window of signed requests.
 */
export class SqlReplayGuard implements ReplayGuard {
  private lastPurge = 0;

  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async claim(key: string, leaseMs: number): Promise<ReplayClaim> {
    this.purgeSometimes();
    // Two identical concurrent claims: PostgreSQL serialises them on the key; exactly one inserts
    // (or takes over an expired slot), the other finds the row.
    const taken = await sql<{ key: string }>`
      INSERT INTO webhook_replays (key, committed, expires_at)
      VALUES (${key}, false, now() + make_interval(secs => ${leaseMs / 1000}))
      ON CONFLICT (key) DO UPDATE SET committed = false, expires_at = EXCLUDED.expires_at
        WHERE webhook_replays.expires_at <= now()
      RETURNING key`.execute(this.db);
    if (taken.rows.length > 0) return 'claimed';
    const row = await this.db
      .selectFrom('webhook_replays')
      .select('committed')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.committed ? 'replay' : 'in_progress';
  }

  async commit(key: string, ttlMs: number): Promise<void> {
    await sql`
      UPDATE webhook_replays SET committed = true, expires_at = now() + make_interval(secs => ${ttlMs / 1000})
      WHERE key = ${key}`.execute(this.db);
  }

  async release(key: string): Promise<void> {
    await this.db
      .deleteFrom('webhook_replays')
      .where('key', '=', key)
      .where('committed', '=', false)
      .execute();
  }

  private purgeSometimes(): void {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    void this.db
      .deleteFrom('webhook_replays')
      .where('expires_at', '<', sql<Date>`now()`)
      .execute()
      .catch(() => undefined);
  }
}
