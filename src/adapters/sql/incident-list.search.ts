import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * How many incidents the non-text arms of `q` (indicators, hosts and users, raw payloads) contribute
 * at most. They are gathered once per statement (an InitPlan) into an id array, so the list stays one
 * BitmapOr of the title/description GIN and the primary key, whatever the table size; a word found in
 * every payload cannot make the statement walk the whole table.
 */
export const Q_EXTRA_MATCH_LIMIT = 10_000;

/** The values `q` is searched with, derived once in JS (each a parameter of its own). */
export interface SearchValues {
  q: unknown;
  /** `lower(q)` with LIKE's wildcards escaped, then `%`: equality and prefix on indicator values. */
  prefix: unknown;
  /** `[{"name": lower(q)}]`: containment in the lowered normalised assets. */
  asset: unknown;
}

export function searchValues(q: string): SearchValues {
  const lower = q.toLowerCase();
  return {
    q,
    prefix: `${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    asset: JSON.stringify([{ name: lower }]),
  };
}

/**
 * `q` over an incident: words of its title and description (the generated `search` column), an
 * indicator value equal to or starting with it in any case (hostname and username indicators
 * included), a host or user asset of that name, or words of one of its alerts' raw payloads (the
 * first 32 KiB of each, as indexed by migration 0015).
 */
export function searchPredicate(v: SearchValues): RawBuilder<SqlBool> {
  return sql<SqlBool>`(search @@ plainto_tsquery('simple', ${v.q}) OR id = ANY(ARRAY(
    SELECT x.incident_id FROM indicators x WHERE lower(x.value) LIKE ${v.prefix}
    UNION ALL
    SELECT a.id FROM incidents a WHERE lower(a.assets::text)::jsonb @> ${v.asset}::jsonb
    UNION ALL
    SELECT r.incident_id FROM alerts r
      WHERE to_tsvector('simple', left(r.raw::text, 32768)) @@ plainto_tsquery('simple', ${v.q})
    LIMIT ${sql.lit(Q_EXTRA_MATCH_LIMIT)})))`;
}
