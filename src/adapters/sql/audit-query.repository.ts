import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AuditEntryView } from '../../contracts/index.ts';
import type { AuditFilter, AuditQueryStore } from '../../ports/audit-query.port.ts';
import type { SqlDatabase } from './database.ts';
import { iso } from './rows.ts';
import type { DB } from './schema.ts';

interface Row {
  id: string | number;
  seq: string | number;
  incident_id: string | null;
  actor: string;
  action: string;
  details: unknown;
  created_at: unknown;
  hash: string;
}

function toView(r: Row): AuditEntryView {
  const details = typeof r.details === 'string' ? (JSON.parse(r.details) as unknown) : r.details;
  return {
    id: String(r.id),
    seq: String(r.seq),
    incident_id: r.incident_id,
    actor: r.actor,
    action: r.action,
    details:
      details && typeof details === 'object' && !Array.isArray(details)
        ? (details as Record<string, unknown>)
        : {},
    created_at: iso(r.created_at),
    hash: r.hash,
  };
}

/** `policy.*` → LIKE 'policy.%' (the prefix's own % and _ escaped); anything else is exact. */
function where(f: AuditFilter, beforeSeq?: string, atMostSeq?: string): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.actor !== undefined) parts.push(sql`actor = ${f.actor}`);
  if (f.incident_id !== undefined) parts.push(sql`incident_id = ${f.incident_id}::uuid`);
  if (f.action !== undefined) {
    if (f.action.endsWith('.*')) {
      const prefix = f.action.slice(0, -1).replace(/[\\%_]/g, '\\$&');
      parts.push(sql`action LIKE ${`${prefix}%`}`);
    } else parts.push(sql`action = ${f.action}`);
  }
  if (f.from) parts.push(sql`created_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) parts.push(sql`created_at < ${f.to.toISOString()}::timestamptz`);
  if (beforeSeq !== undefined) parts.push(sql`seq < ${beforeSeq}::bigint`);
  if (atMostSeq !== undefined) parts.push(sql`seq <= ${atMostSeq}::bigint`);
  return sql.join(parts, sql` AND `);
}

const COLUMNS = sql.raw('id, seq, incident_id, actor, action, details, created_at, hash');

/** The audit log read through its filters; replica reads are fine (an audit listing may lag). */
export class SqlAuditQuery implements AuditQueryStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async page(
    filter: AuditFilter,
    at: { offset: number; beforeSeq?: string },
    limit: number,
  ): Promise<{ rows: AuditEntryView[]; total: number }> {
    const [rows, total] = await Promise.all([
      sql<Row>`SELECT ${COLUMNS} FROM audit_log WHERE ${where(filter, at.beforeSeq)}
               ORDER BY seq DESC LIMIT ${limit} OFFSET ${at.beforeSeq !== undefined ? 0 : at.offset}`.execute(
        this.db,
      ),
      sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE ${where(filter)}`.execute(this.db),
    ]);
    return { rows: rows.rows.map(toView), total: Number(total.rows[0]?.n ?? 0) };
  }

  async *scan(filter: AuditFilter, batch: number): AsyncGenerator<AuditEntryView[]> {
    // The head when the export starts: rows written while it runs are not half included.
    const head = await sql<{ seq: string | null }>`SELECT max(seq)::text AS seq FROM audit_log`.execute(
      this.db,
    );
    const top = head.rows[0]?.seq;
    if (top === null || top === undefined) return;
    let before: string | undefined;
    for (;;) {
      const r = await sql<Row>`SELECT ${COLUMNS} FROM audit_log WHERE ${where(filter, before, top)}
                               ORDER BY seq DESC LIMIT ${batch}`.execute(this.db);
      if (!r.rows.length) return;
      const rows = r.rows.map(toView);
      yield rows;
      if (rows.length < batch) return;
      before = rows[rows.length - 1]!.seq;
    }
  }
}
