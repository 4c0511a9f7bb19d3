import { sql, type Kysely, type SqlBool } from 'kysely';
import type { IncidentListQuery, IncidentRecord } from '../../ports/index.ts';
import { applyFilters, listValues } from './incident-list.ts';
import { searchValues } from './incident-list.search.ts';
import { TIMESTAMP_TEXT } from './incident-list.cursor.ts';
import { INCIDENT_RECORD_COLUMNS, toIncident } from './rows.ts';
import type { DB } from './schema.ts';

/**
 * One page of the export walk: the list's filters, newest first on (created_at, id), resuming after
 * the previous page's last key (microsecond text, as the list cursor keeps it). Walks the
 * incidents_created_at_idx btree, so memory stays one page whatever the table holds.
 */
export async function exportPage(
  db: Kysely<DB>,
  filters: IncidentListQuery,
  after: { created_at: string; id: string } | null,
  size: number,
): Promise<{ rows: IncidentRecord[]; last: { created_at: string; id: string } | null }> {
  const search = filters.q ? await searchValues(db, filters.q) : undefined;
  const v = listValues({ ...filters, per_page: size }, 0, search ? { search } : {});
  let query = applyFilters(db.selectFrom('incidents'), v);
  if (after) {
    query = query.where(
      sql<SqlBool>`(created_at, id) < (${after.created_at}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const rows = (await query
    .select(INCIDENT_RECORD_COLUMNS)
    .select(sql<string>`to_char(created_at AT TIME ZONE 'UTC', ${sql.raw(TIMESTAMP_TEXT)})`.as('_key'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(size)
    .execute()) as Record<string, unknown>[];
  const tail = rows[rows.length - 1];
  return {
    rows: rows.map(toIncident),
    last: tail && rows.length === size ? { created_at: tail._key as string, id: tail.id as string } : null,
  };
}
