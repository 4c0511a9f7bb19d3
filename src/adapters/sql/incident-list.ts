import {
  CompiledQuery,
  sql,
  type Expression,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import { AppError, SEVERITY_RANK } from '../../contracts/index.ts';
import type { IncidentListQuery, IncidentRecord, IncidentSortField, Page } from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import type { DB } from './schema.ts';
import { toIncident } from './rows.ts';

/**
 * Bounds of the list. Defaults: `countCap` 1,000 and `maxOffset` 10,000.
 *
 * The cap is 1,000 rather than 10,000 because counting is the one part of a list request whose work
 * grows with the matches: when a filter needs the table (full-text `q` always does) each counted row
 * costs 2-5 µs of heap access, so a 10,001-row count is 20-60 ms on 1M incidents while the page itself
 * takes well under a millisecond. Past 1,000 matches a client learns "1,000+" and narrows the filters
 * or walks with the cursor. Offsets stay cheap further out (an index walk), hence the larger bound.
 */
export interface ListLimits {
  /** `total_items` is exact up to this many rows; beyond it the list reports the cap and `total_exact: false`. */
  countCap: number;
  /** Offset pagination serves rows before this position; deeper pages need the cursor (PAGE_TOO_DEEP). */
  maxOffset: number;
}

export const DEFAULT_LIST_LIMITS: Readonly<ListLimits> = Object.freeze({
  countCap: 1_000,
  maxOffset: 10_000,
});

type KeyColumn = 'created_at' | 'updated_at' | 'last_seen' | 'severity_rank' | 'occurrence_count' | 'id';
type KeyKind = 'timestamp' | 'smallint' | 'integer' | 'uuid';

const KEY_KIND: Record<KeyColumn, KeyKind> = {
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
const SORT_KEYS: Record<IncidentSortField, readonly KeyColumn[]> = {
  created_at: ['created_at', 'id'],
  updated_at: ['updated_at', 'id'],
  last_seen: ['last_seen', 'id'],
  severity: ['severity_rank', 'created_at', 'id'],
  occurrence_count: ['occurrence_count', 'created_at', 'id'],
};

/** Every column of the record; never `search` (a tsvector the response does not carry). */
const LIST_COLUMNS = [
  'id',
  'incident_type',
  'source',
  'severity',
  'status',
  'title',
  'description',
  'fingerprint',
  'occurrence_count',
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
  'version',
  'tags',
  'assets',
  'mitre_techniques',
  'vendor_confidence',
  'classification',
  'confidence',
  'triaged_at',
  'resolution_reason',
] as const;

const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 512;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The exact form `to_char` gives a timestamptz (microseconds, UTC): JS Dates only hold milliseconds. */
const TIMESTAMP = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const TIMESTAMP_TEXT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

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

type IncidentQuery<O> = SelectQueryBuilder<DB, 'incidents', O>;

/**
 * The parameters of one list statement. The query builders take them from here only, so the same
 * builders run on real values or on slot markers (see `Template`).
 */
interface ListValues {
  status?: readonly unknown[];
  severityRank?: readonly unknown[];
  incidentType?: readonly unknown[];
  source?: readonly unknown[];
  since?: unknown;
  until?: unknown;
  q?: unknown;
  /** The cursor's sort key. */
  after?: readonly unknown[];
  /** limit + offset of the page, and of the capped count's subquery. */
  limit: unknown;
  offset: unknown;
  countLimit: unknown;
}

function listValues(
  q: IncidentListQuery,
  countCap: number,
  extra: { after?: readonly unknown[]; offset?: number } = {},
): ListValues {
  return {
    ...(q.status?.length ? { status: q.status } : {}),
    ...(q.severity?.length ? { severityRank: q.severity.map((s) => SEVERITY_RANK[s]) } : {}),
    ...(q.incident_type?.length ? { incidentType: q.incident_type } : {}),
    ...(q.source?.length ? { source: q.source } : {}),
    ...(q.since ? { since: q.since } : {}),
    ...(q.until ? { until: q.until } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(extra.after ? { after: extra.after } : {}),
    limit: q.per_page + 1,
    offset: extra.offset ?? 0,
    countLimit: countCap + 1,
  };
}

/** The values in a fixed order (the slots), or each replaced by `mark(slot)`. */
function slots(v: ListValues, mark?: (slot: number) => unknown): { flat: unknown[]; marked: ListValues } {
  const flat: unknown[] = [];
  const put = (x: unknown) => {
    flat.push(x);
    return mark ? mark(flat.length - 1) : x;
  };
  const list = (xs: readonly unknown[] | undefined) => xs?.map(put);
  const one = (x: unknown) => (x === undefined ? undefined : put(x));
  const marked: ListValues = {
    status: list(v.status),
    severityRank: list(v.severityRank),
    incidentType: list(v.incidentType),
    source: list(v.source),
    since: one(v.since),
    until: one(v.until),
    q: one(v.q),
    after: list(v.after),
    limit: put(v.limit),
    offset: put(v.offset),
    countLimit: put(v.countLimit),
  };
  return { flat, marked };
}

function applyFilters<O>(query: IncidentQuery<O>, v: ListValues): IncidentQuery<O> {
  if (v.status) query = query.where('status', 'in', v.status as string[]);
  // By rank, as the sort and the indexes are. Integer-typed, like the predicate of
  // incidents_search_high_idx: the planner then sees that index's predicate as this very filter and
  // does not AND in a bitmap of the whole severity range.
  if (v.severityRank) {
    const ranks = v.severityRank.map((r) => sql`${r}::int`);
    query = query.where(sql<SqlBool>`severity_rank IN (${sql.join(ranks)})`);
  }
  if (v.incidentType) query = query.where('incident_type', 'in', v.incidentType as string[]);
  if (v.source) query = query.where('source', 'in', v.source as string[]);
  if (v.since !== undefined) query = query.where('created_at', '>=', v.since as Date);
  if (v.until !== undefined) query = query.where('created_at', '<', v.until as Date);
  if (v.q !== undefined) query = query.where(sql<boolean>`search @@ plainto_tsquery('simple', ${v.q})`);
  return query;
}

const CAST: Record<KeyKind, string> = {
  timestamp: 'timestamptz',
  smallint: 'smallint',
  integer: 'integer',
  uuid: 'uuid',
};

/** `(k1, k2, id) < ($1, $2, $3)`: one row comparison, which a btree on the same columns walks directly. */
function after(
  keys: readonly KeyColumn[],
  values: readonly unknown[],
  order: 'asc' | 'desc',
): Expression<SqlBool> {
  const columns = sql.join(keys.map((k) => sql.ref(k)));
  const params = sql.join(keys.map((k, i) => sql`${values[i]}::${sql.raw(CAST[KEY_KIND[k]])}`));
  return sql<SqlBool>`(${columns}) ${sql.raw(order === 'desc' ? '<' : '>')} (${params})`;
}

function countQuery(db: Kysely<DB>, v: ListValues) {
  return db
    .selectFrom(
      applyFilters(db.selectFrom('incidents'), v)
        .select(sql<number>`1`.as('one'))
        .limit(v.countLimit as number)
        .as('capped'),
    )
    .select(sql<number>`count(*)::int`.as('n'));
}

/** `count(*)` of at most cap + 1 matching rows: bounded work however many rows match. Exported for the bench's EXPLAIN. */
export function cappedCount(db: Kysely<DB>, q: IncidentListQuery, cap: number) {
  return countQuery(db, listValues(q, cap));
}

/** The page, with the capped count as a column (an InitPlan: evaluated once). */
function pageQuery(db: Kysely<DB>, q: Pick<IncidentListQuery, 'sort' | 'order'>, v: ListValues) {
  const keys = SORT_KEYS[q.sort];
  let query = applyFilters(db.selectFrom('incidents'), v);
  if (v.after) query = query.where(after(keys, v.after, q.order));
  for (const k of keys) query = query.orderBy(k, q.order);
  return query
    .select(LIST_COLUMNS)
    .select(
      keys.map((k, i) =>
        KEY_KIND[k] === 'timestamp'
          ? sql<string>`to_char(${sql.ref(k)} AT TIME ZONE 'UTC', ${sql.raw(TIMESTAMP_TEXT)})`.as(`key_${i}`)
          : sql<string | number>`${sql.ref(k)}`.as(`key_${i}`),
      ),
    )
    .select(() => countQuery(db, v).as('total_count'))
    .limit(v.limit as number)
    .offset(v.offset as number);
}

/**
 * The SQL text of one query shape (filters present, list lengths, sort, order, cursor or not) and where
 * each of its parameters comes from. Building and compiling the Kysely tree took a tenth of the API's
 * CPU per list request; the text only depends on the shape, so it is compiled once per shape (with
 * markers in place of the values) and reused with each request's values.
 */
interface Template {
  sql: string;
  /** parameter $n+1 is slot paramSlots[n] of `slots().flat`. */
  paramSlots: number[];
}

const MAX_TEMPLATES = 512;
const templateCache = new WeakMap<Kysely<DB>, Map<string, Template | null>>();
const MARKER = '\u0000tw-slot:';

function shapeKey(q: IncidentListQuery, v: ListValues): string {
  return `${q.sort} ${q.order} ${v.status?.length ?? 0} ${v.severityRank?.length ?? 0} ${v.incidentType?.length ?? 0} ${v.source?.length ?? 0} ${v.since === undefined ? 0 : 1}${v.until === undefined ? 0 : 1}${v.q === undefined ? 0 : 1}${v.after ? 1 : 0}`;
}

/** The template of this shape, or null when the compiled statement does not map onto the slots (then: no cache). */
function templateOf(db: Kysely<DB>, q: IncidentListQuery, v: ListValues): Template | null {
  let cache = templateCache.get(db);
  if (!cache) templateCache.set(db, (cache = new Map()));
  const key = shapeKey(q, v);
  let template = cache.get(key);
  if (template !== undefined) return template;
  const { flat, marked } = slots(v, (slot) => `${MARKER}${slot}`);
  const compiled = pageQuery(db, q, marked).compile();
  const paramSlots = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(MARKER) ? Number(p.slice(MARKER.length)) : -1,
  );
  const complete = paramSlots.every((s) => s >= 0 && s < flat.length);
  template = complete && !compiled.sql.includes(MARKER) ? { sql: compiled.sql, paramSlots } : null;
  if (cache.size < MAX_TEMPLATES) cache.set(key, template);
  return template;
}

async function fetchPage(db: Kysely<DB>, q: IncidentListQuery, v: ListValues) {
  const template = templateOf(db, q, v);
  if (!template) return (await pageQuery(db, q, v).execute()) as Record<string, unknown>[];
  const { flat } = slots(v);
  const parameters = template.paramSlots.map((s) => flat[s]);
  const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(template.sql, parameters));
  return result.rows;
}

/**
 * The incident list: filters, sort, offset or keyset (cursor) pagination and a capped count, in one
 * statement (the count is an InitPlan of the page query), read from a replica when one is configured.
 */
export async function listIncidents(
  database: SqlDatabase,
  q: IncidentListQuery,
  limits: Readonly<ListLimits> = DEFAULT_LIST_LIMITS,
): Promise<Page<IncidentRecord>> {
  const keys = SORT_KEYS[q.sort];
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, q);
  const page = cursor ? cursor.p : q.page;
  const offset = cursor ? 0 : (q.page - 1) * q.per_page;
  if (offset >= limits.maxOffset) {
    throw new AppError(
      'PAGE_TOO_DEEP',
      `page ${q.page} starts past row ${limits.maxOffset}: walk deeper with the cursor (pagination.next_cursor)`,
      { max_offset: limits.maxOffset, per_page: q.per_page },
    );
  }
  const values = listValues(q, limits.countCap, { offset, ...(cursor ? { after: cursor.k } : {}) });
  return database.read(async (db) => {
    const rows = await fetchPage(db, q, values);
    // An empty page never evaluates the InitPlan: count on its own.
    const counted = rows.length
      ? Number(rows[0]!.total_count)
      : (await cappedCount(db, q, limits.countCap).executeTakeFirstOrThrow()).n;
    const exact = counted <= limits.countCap;
    const total = exact ? counted : limits.countCap;
    const data = rows.slice(0, q.per_page);
    const last = data[data.length - 1] as Record<string, unknown> | undefined;
    const nextCursor =
      rows.length > q.per_page && last
        ? encodeCursor(
            q,
            page + 1,
            keys.map((_, i) => last[`key_${i}`] as string | number),
          )
        : null;
    return {
      data: data.map((r) => toIncident(r as Record<string, unknown>)),
      pagination: {
        page,
        per_page: q.per_page,
        total_items: total,
        total_pages: Math.ceil(total / q.per_page),
        total_exact: exact,
        next_cursor: nextCursor,
      },
    };
  });
}
