import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { DB } from './schema.ts';

/**
 * How many incidents the non-text arms of `q` (indicators, hosts and users, raw payloads) contribute
 * at most. A word found in every payload cannot make a list request gather the whole table.
 */
export const Q_EXTRA_MATCH_LIMIT = 10_000;

/**
 * The raw-payload arm's own, smaller bound. A word found in most payloads makes the planner scan the
 * alerts and tokenise each payload (it cannot price to_tsvector); stopping after this many matches
 * keeps that scan short, and a rarer word (estimated below the bound) goes through the GIN index.
 */
export const Q_RAW_MATCH_LIMIT = 1_000;

/** `q` as the list statement takes it: the words, and the incidents its other arms matched. */
export interface SearchValues {
  q: unknown;
  /** Incident ids (uuid text) found by indicator value, asset name or raw payload words. */
  ids: unknown;
}

/**
 * The incidents `q` names through its non-text arms, gathered by one statement before the list's own:
 * an indicator value equal to or starting with it in any case (hostname and username indicators
 * included; btree on lower(value)), a host or user asset of that name in any case (GIN on the lowered
 * assets), or words of one of its alerts' raw payloads (the first 32 KiB of each; GIN, migration 0015).
 * Gathering them first lets the planner see a constant id list: the list is then one BitmapOr of the
 * title/description GIN and the primary key, never a walk of the table testing each row.
 */
export async function searchValues(db: Kysely<DB>, q: string): Promise<SearchValues> {
  const lower = q.toLowerCase();
  const prefix = `${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const asset = JSON.stringify([{ name: lower }]);
  const r = await sql<{ id: string }>`
    SELECT DISTINCT id FROM (
      (SELECT x.incident_id AS id FROM indicators x WHERE lower(x.value) LIKE ${prefix} LIMIT ${sql.lit(Q_EXTRA_MATCH_LIMIT)})
      UNION ALL
      (SELECT a.id FROM incidents a WHERE lower(a.assets::text)::jsonb @> ${asset}::jsonb LIMIT ${sql.lit(Q_EXTRA_MATCH_LIMIT)})
      UNION ALL
      (SELECT r.incident_id FROM alerts r
        WHERE to_tsvector('simple', left(r.raw::text, 32768)) @@ plainto_tsquery('simple', ${q})
        LIMIT ${sql.lit(Q_RAW_MATCH_LIMIT)})
    ) m LIMIT ${sql.lit(Q_EXTRA_MATCH_LIMIT)}`.execute(db);
  return { q, ids: r.rows.map((row) => row.id) };
}

/** `q` over an incident: words of its title and description (the generated `search` column), or one of the ids found. */
export function searchPredicate(v: SearchValues): RawBuilder<SqlBool> {
  return sql<SqlBool>`(search @@ plainto_tsquery('simple', ${v.q}) OR id = ANY(${v.ids}::uuid[]))`;
}
