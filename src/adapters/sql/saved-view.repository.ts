import { sql, type Kysely } from 'kysely';
import type { SavedView } from '../../contracts/casework.ts';
import type { SavedViewStore } from '../../ports/index.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { iso } from './rows.ts';
import type { DB } from './schema.ts';

type Row = Record<string, unknown>;

const isUniqueViolation = (err: unknown) => (err as { code?: unknown }).code === '23505';

/** Saved list views, each owned by one principal (`user:alice`); every query names the owner. */
export class SqlSavedViewStore implements SavedViewStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async list(owner: string): Promise<SavedView[]> {
    const r = await sql<Row>`SELECT * FROM saved_views WHERE owner = ${owner} ORDER BY name, id`.execute(
      this.db,
    );
    return r.rows.map(toView);
  }

  async create(
    owner: string,
    view: { id: string; name: string; query: Record<string, string> },
    limit: number,
  ): Promise<SavedView | 'duplicate' | 'full'> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        // Serialises one owner's creations, so the limit holds under concurrent requests.
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`saved_views:${owner}`}))`.execute(tx);
        const n = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM saved_views WHERE owner = ${owner}`.execute(tx);
        if (n.rows[0]!.n >= limit) return 'full' as const;
        const r = await sql<Row>`
          INSERT INTO saved_views (id, owner, name, query)
          VALUES (${view.id}, ${owner}, ${view.name}, ${JSON.stringify(view.query)}::jsonb)
          RETURNING *`.execute(tx);
        await audit(tx, null, owner, 'view.created', { view_id: view.id, name: view.name });
        return toView(r.rows[0]!);
      });
    } catch (err) {
      if (isUniqueViolation(err)) return 'duplicate';
      throw err;
    }
  }

  async update(
    owner: string,
    id: string,
    change: { name?: string; query?: Record<string, string> },
  ): Promise<SavedView | null | 'duplicate'> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const r = await sql<Row>`
          UPDATE saved_views SET
            name = COALESCE(${change.name ?? null}::text, name),
            query = COALESCE(${change.query === undefined ? null : JSON.stringify(change.query)}::jsonb, query),
            updated_at = now()
          WHERE id = ${id} AND owner = ${owner} RETURNING *`.execute(tx);
        if (!r.rows[0]) return null;
        await audit(tx, null, owner, 'view.updated', { view_id: id, fields: Object.keys(change) });
        return toView(r.rows[0]);
      });
    } catch (err) {
      if (isUniqueViolation(err)) return 'duplicate';
      throw err;
    }
  }

  async remove(owner: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await sql`DELETE FROM saved_views WHERE id = ${id} AND owner = ${owner} RETURNING id`.execute(
        tx,
      );
      if (r.rows.length === 0) return false;
      await audit(tx, null, owner, 'view.deleted', { view_id: id });
      return true;
    });
  }
}

function toView(r: Row): SavedView {
  return {
    id: r.id as string,
    name: r.name as string,
    query: (r.query as Record<string, string> | null) ?? {},
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}
