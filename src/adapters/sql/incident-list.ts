import { CompiledQuery, sql, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { AppError, SEVERITY_RANK } from '../../contracts/index.ts';
import type { IncidentListQuery, IncidentRecord, Page } from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import {
  after,
  decodeCursor,
  encodeCursor,
  KEY_KIND,
  SORT_KEYS,
  TIMESTAMP_TEXT,
} from './incident-list.cursor.ts';
import { searchPredicate, searchValues, type SearchValues } from './incident-list.search.ts';
import type { DB } from './schema.ts';
import { INCIDENT_RECORD_COLUMNS, toIncident } from './rows.ts';

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

type IncidentQuery<O> = SelectQueryBuilder<DB, 'incidents', O>;

/**
 * The parameters of one list statement. The query builders take them from here only, so the same
 * builders run on real values or on slot markers (see `Template`).
 */
export interface ListValues {
  status?: readonly unknown[];
  severityRank?: readonly unknown[];
  incidentType?: readonly unknown[];
  source?: readonly unknown[];
  since?: unknown;
  until?: unknown;
  q?: SearchValues;
  /** true: unassigned only; a value: assigned to that username. */
  assignee?: unknown;
  tag?: readonly unknown[];
  classification?: readonly unknown[];
  minConfidence?: unknown;
  maxConfidence?: unknown;
  /** The cursor's sort key. */
  after?: readonly unknown[];
  /** limit + offset of the page, and of the capped count's subquery. */
  limit: unknown;
  offset: unknown;
  countLimit: unknown;
}

export function listValues(
  q: IncidentListQuery,
  countCap: number,
  extra: { after?: readonly unknown[]; offset?: number; search?: SearchValues } = {},
): ListValues {
  return {
    ...(q.status?.length ? { status: q.status } : {}),
    ...(q.severity?.length ? { severityRank: q.severity.map((s) => SEVERITY_RANK[s]) } : {}),
    ...(q.incident_type?.length ? { incidentType: q.incident_type } : {}),
    ...(q.source?.length ? { source: q.source } : {}),
    ...(q.since ? { since: q.since } : {}),
    ...(q.until ? { until: q.until } : {}),
    ...(extra.search ? { q: extra.search } : {}),
    ...(q.assignee ? { assignee: q.assignee.kind === 'none' ? true : q.assignee.username } : {}),
    ...(q.tag?.length ? { tag: q.tag } : {}),
    ...(q.classification?.length ? { classification: q.classification } : {}),
    ...(q.min_confidence !== undefined ? { minConfidence: q.min_confidence } : {}),
    ...(q.max_confidence !== undefined ? { maxConfidence: q.max_confidence } : {}),
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
    q: v.q && {
      q: put(v.q.q),
      ids: put(v.q.ids),
    },
    // `true` (unassigned) is part of the shape, not a parameter.
    assignee: v.assignee === true ? true : one(v.assignee),
    tag: list(v.tag),
    classification: list(v.classification),
    minConfidence: one(v.minConfidence),
    maxConfidence: one(v.maxConfidence),
    after: list(v.after),
    limit: put(v.limit),
    offset: put(v.offset),
    countLimit: put(v.countLimit),
  };
  return { flat, marked };
}

export function applyFilters<O>(query: IncidentQuery<O>, v: ListValues): IncidentQuery<O> {
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
  if (v.q !== undefined) query = query.where(searchPredicate(v.q));
  if (v.assignee === true) query = query.where('assignee', 'is', null);
  else if (v.assignee !== undefined) query = query.where('assignee', '=', v.assignee as string);
  if (v.tag) query = query.where(sql<SqlBool>`tags @> ARRAY[${sql.join(v.tag)}]::text[]`);
  if (v.classification) query = query.where('classification', 'in', v.classification as string[]);
  if (v.minConfidence !== undefined)
    query = query.where(sql<SqlBool>`confidence >= ${v.minConfidence}::real`);
  if (v.maxConfidence !== undefined)
    query = query.where(sql<SqlBool>`confidence <= ${v.maxConfidence}::real`);
  return query;
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
export function cappedCount(db: Kysely<DB>, q: IncidentListQuery, cap: number, search?: SearchValues) {
  return countQuery(db, listValues(q, cap, search ? { search } : {}));
}

/** The page, with the capped count as a column (an InitPlan: evaluated once). */
function pageQuery(db: Kysely<DB>, q: Pick<IncidentListQuery, 'sort' | 'order'>, v: ListValues) {
  const keys = SORT_KEYS[q.sort];
  let query = applyFilters(db.selectFrom('incidents'), v);
  if (v.after) query = query.where(after(keys, v.after, q.order));
  for (const k of keys) query = query.orderBy(k, q.order);
  return query
    .select(INCIDENT_RECORD_COLUMNS)
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
  return `${q.sort} ${q.order} ${v.status?.length ?? 0} ${v.severityRank?.length ?? 0} ${v.incidentType?.length ?? 0} ${v.source?.length ?? 0} ${v.since === undefined ? 0 : 1}${v.until === undefined ? 0 : 1}${v.q === undefined ? 0 : 1}${v.after ? 1 : 0} ${v.assignee === true ? 'n' : v.assignee === undefined ? 0 : 1} ${v.tag?.length ?? 0} ${v.classification?.length ?? 0} ${v.minConfidence === undefined ? 0 : 1}${v.maxConfidence === undefined ? 0 : 1}`;
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
  return database.read(async (db) => {
    const search = q.q ? await searchValues(db, q.q) : undefined;
    const values = listValues(q, limits.countCap, {
      offset,
      ...(cursor ? { after: cursor.k } : {}),
      ...(search ? { search } : {}),
    });
    const rows = await fetchPage(db, q, values);
    // An empty page never evaluates the InitPlan: count on its own.
    const counted = rows.length
      ? Number(rows[0]!.total_count)
      : (await cappedCount(db, q, limits.countCap, search).executeTakeFirstOrThrow()).n;
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
