import { sql } from 'kysely';
import type { IncidentListQuery, IncidentRecord, Page } from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import { toIncident } from './rows.ts';

const SORT_COLUMNS = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  last_seen: 'last_seen',
  severity: 'severity_rank',
  occurrence_count: 'occurrence_count',
} as const;

/** The incident list: filters, sort and pagination, read from a replica when one is configured. */
export async function listIncidents(
  database: SqlDatabase,
  q: IncidentListQuery,
): Promise<Page<IncidentRecord>> {
  return database.read(async (db) => {
    let query = db.selectFrom('incidents');
    if (q.status?.length) query = query.where('status', 'in', q.status);
    if (q.severity?.length) query = query.where('severity', 'in', q.severity);
    if (q.incident_type?.length) query = query.where('incident_type', 'in', q.incident_type);
    if (q.source?.length) query = query.where('source', 'in', q.source);
    if (q.since) query = query.where('created_at', '>=', q.since);
    if (q.until) query = query.where('created_at', '<', q.until);
    if (q.q) query = query.where(sql<boolean>`search @@ plainto_tsquery('simple', ${q.q})`);
    const column = SORT_COLUMNS[q.sort];
    const [rows, count] = await Promise.all([
      query
        .selectAll()
        .orderBy(column, q.order)
        .orderBy('id', q.order)
        .limit(q.per_page)
        .offset((q.page - 1) * q.per_page)
        .execute(),
      query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
    ]);
    const total = Number(count.n);
    return {
      data: rows.map(toIncident),
      pagination: {
        page: q.page,
        per_page: q.per_page,
        total_items: total,
        total_pages: Math.ceil(total / q.per_page),
      },
    };
  });
}
