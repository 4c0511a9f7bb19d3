import { sql, type Kysely } from 'kysely';
import type { KillSwitchState, KillSwitchStore } from '../../ports/kill-switch.port.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import type { DB } from './schema.ts';

const KEY = 'kill_switch';
const OFF: KillSwitchState = { active: false, reason: null, changedBy: null, changedAt: null };

interface Stored {
  active: boolean;
  reason: string | null;
}

function toState(
  row: { value: unknown; updated_at: Date; updated_by: string | null } | undefined,
): KillSwitchState {
  if (!row) return OFF;
  const v = row.value as Stored;
  return {
    active: v.active === true,
    reason: v.reason ?? null,
    changedBy: row.updated_by,
    changedAt: new Date(row.updated_at),
  };
}

/** The kill switch as the `settings` row `kill_switch`, always on the primary. */
export class SqlKillSwitchStore implements KillSwitchStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async get(): Promise<KillSwitchState> {
    const row = await this.db
      .selectFrom('settings')
      .select(['value', 'updated_at', 'updated_by'])
      .where('key', '=', KEY)
      .executeTakeFirst();
    return toState(row);
  }

  async set(
    active: boolean,
    reason: string,
    actor: string,
  ): Promise<{ state: KillSwitchState; changed: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const value = JSON.stringify({ active, reason } satisfies Stored);
      // updated_at is the time of the write itself (clock_timestamp, after the row lock), so later
      // changes always carry later times: processes keep the newest state they read.
      // Only a flip writes (the row lock serialises concurrent changes); never set means inactive, so
      // deactivating it then writes nothing.
      const r = active
        ? await sql<{ value: unknown; updated_at: Date; updated_by: string | null }>`
            INSERT INTO settings (key, value, updated_at, updated_by)
            VALUES (${KEY}, ${value}::jsonb, clock_timestamp(), ${actor})
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = clock_timestamp(),
              updated_by = EXCLUDED.updated_by
            WHERE (settings.value->>'active')::boolean IS DISTINCT FROM true
            RETURNING value, updated_at, updated_by`.execute(tx)
        : await sql<{ value: unknown; updated_at: Date; updated_by: string | null }>`
            UPDATE settings SET value = ${value}::jsonb, updated_at = clock_timestamp(), updated_by = ${actor}
            WHERE key = ${KEY} AND (value->>'active')::boolean IS DISTINCT FROM false
            RETURNING value, updated_at, updated_by`.execute(tx);
      const row = r.rows[0];
      if (!row) {
        const current = await tx
          .selectFrom('settings')
          .select(['value', 'updated_at', 'updated_by'])
          .where('key', '=', KEY)
          .executeTakeFirst();
        return { state: toState(current), changed: false };
      }
      await audit(tx, null, actor, active ? 'kill_switch.activated' : 'kill_switch.deactivated', { reason });
      return { state: toState(row), changed: true };
    });
  }
}
