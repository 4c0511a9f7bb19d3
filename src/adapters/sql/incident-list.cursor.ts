import { sql, type Expression, type SqlBool } from 'kysely';
import { AppError } from '../../contracts/index.ts';
import type { IncidentListQuery, IncidentSortField } from '../../ports/index.ts';

/**
 * The list's keyset cursor: the total order behind each sort, the opaque cursor that carries a
 * position in it (checked field by field before any SQL), and the row comparison that resumes there.
 */
export type KeyColumn =
  'created_at' | 'updated_at' | 'last_seen' | 'severity_rank' | 'occurrence_count' | 'id';
export type KeyKind = 'timestamp' | 'smallint' | 'integer' | 'uuid';

export const KEY_KIND: Record<KeyColumn, KeyKind> = {
  created_at: 'timestamp',
  updated_at: 'timestamp',
  last_seen: 'timestamp',
  severity_rank: 'smallint',
  occurrence_count: 'integer',
  id: 'uuid',
};

/**
 * The total order behind each sort: ties on a coarse value (severity, occurrence count) fall back to
 * the newest first, and `id` makes every key unique, so a keyset cursor never skips nor repeats a row.
 * The 0002 indexes are laid out in these orders.
 */
export const SORT_KEYS: Record<IncidentSortField, readonly KeyColumn[]> = {
  created_at: ['created_at', 'id'],
  updated_at: ['updated_at', 'id'],
  last_seen: ['last_seen', 'id'],
  severity: ['severity_rank', 'created_at', 'id'],
  occurrence_count: ['occurrence_count', 'created_at', 'id'],
};

const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 512;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The exact form `to_char` gives a timestamptz (microseconds, UTC): JS Dates only hold milliseconds. */
const TIMESTAMP = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const TIMESTAMP_TEXT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

interface CursorBody {
  v: number;
  s: IncidentSortField;
  o: 'asc' | 'desc';
  /** The page number this cursor opens (reported back as `pagination.page`). */
  p: number;
  /** The last row's sort key, in SORT_KEYS order. */
  k: (string | number)[];
}

function badCursor(reason: string): AppError {
  return new AppError('INVALID_CURSOR', `invalid cursor: ${reason}`, {
    hint: 'pass next_cursor exactly as returned, with the same sort and order',
  });
}

function validKeyValue(kind: KeyKind, v: unknown): boolean {
  switch (kind) {
    case 'timestamp': {
      if (typeof v !== 'string') return false;
      const m = TIMESTAMP.exec(v);
      if (!m || Number(m[1]) < 1) return false;
      const ms = Date.parse(v.slice(0, 23) + 'Z');
      return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 23) === v.slice(0, 23);
    }
    case 'smallint':
      return Number.isInteger(v) && (v as number) >= -32_768 && (v as number) <= 32_767;
    case 'integer':
      return Number.isInteger(v) && (v as number) >= -2_147_483_648 && (v as number) <= 2_147_483_647;
    case 'uuid':
      return typeof v === 'string' && UUID.test(v);
  }
}

/** Opaque to clients: base64url of a small JSON document. Checked field by field, so no bad value reaches SQL. */
export function decodeCursor(cursor: string, q: Pick<IncidentListQuery, 'sort' | 'order'>): CursorBody {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor('not base64url');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not readable');
  }
  const c = body as Partial<CursorBody> | null;
  if (typeof c !== 'object' || c === null || c.v !== CURSOR_VERSION) throw badCursor('unknown format');
  if (c.s !== q.sort || c.o !== q.order) {
    throw badCursor(`it was issued for sort=${String(c.s)} order=${String(c.o)}`);
  }
  const keys = SORT_KEYS[q.sort];
  if (!Number.isInteger(c.p) || (c.p as number) < 2 || (c.p as number) > 1_000_000_000) {
    throw badCursor('bad page number');
  }
  if (
    !Array.isArray(c.k) ||
    c.k.length !== keys.length ||
    !keys.every((col, i) => validKeyValue(KEY_KIND[col], c.k![i]))
  ) {
    throw badCursor('bad position');
  }
  return c as CursorBody;
}

export function encodeCursor(
  q: Pick<IncidentListQuery, 'sort' | 'order'>,
  page: number,
  key: (string | number)[],
): string {
  const body: CursorBody = { v: CURSOR_VERSION, s: q.sort, o: q.order, p: page, k: key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

const CAST: Record<KeyKind, string> = {
  timestamp: 'timestamptz',
  smallint: 'smallint',
  integer: 'integer',
  uuid: 'uuid',
};

/** `(k1, k2, id) < ($1, $2, $3)`: one row comparison, which a btree on the same columns walks directly. */
export function after(
  keys: readonly KeyColumn[],
  values: readonly unknown[],
  order: 'asc' | 'desc',
): Expression<SqlBool> {
  const columns = sql.join(keys.map((k) => sql.ref(k)));
  const params = sql.join(keys.map((k, i) => sql`${values[i]}::${sql.raw(CAST[KEY_KIND[k]])}`));
  return sql<SqlBool>`(${columns}) ${sql.raw(order === 'desc' ? '<' : '>')} (${params})`;
}
