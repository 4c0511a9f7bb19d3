import { sql } from 'kysely';
import type { SqlDatabase } from './database.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

/** Arbitrary constant key for the transaction-scoped migration lock (safe through PgBouncer). */
const MIGRATION_LOCK_KEY = 727_211_001;

/**
 * Applies pending migrations, each in its own transaction under a transaction-scoped advisory lock,
 * so concurrent `migrate` runs (several pods starting at once) apply each migration exactly once.
 * Returns the ids applied now. Running it again is harmless.
 */
export async function migrate(
  database: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  // Under the same lock: concurrent CREATE TABLE IF NOT EXISTS on a fresh database can both pass
  // the existence check and one then fails on pg_type's unique index.
  await database.exec(`BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});
CREATE TABLE IF NOT EXISTS tw_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
COMMIT;`);
  const applied: string[] = [];
  for (const m of migrations) {
    const script = `
BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});
DO $tw$ BEGIN
  IF EXISTS (SELECT 1 FROM tw_migrations WHERE id = '${m.id}') THEN
    RAISE EXCEPTION USING ERRCODE = 'TW001', MESSAGE = 'already applied';
  END IF;
END $tw$;
${m.sql}
INSERT INTO tw_migrations (id) VALUES ('${m.id}');
COMMIT;`;
    const done = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM tw_migrations WHERE id = ${m.id}`.execute(database.primary);
    if (done.rows[0]!.n > 0) continue;
    try {
      await database.exec(script);
      applied.push(m.id);
    } catch (err) {
      if ((err as { code?: string }).code === 'TW001') continue; // another process won the race
      throw err;
    }
  }
  return applied;
}
