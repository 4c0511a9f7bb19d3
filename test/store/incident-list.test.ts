// The incident list's pagination contract on both engines (PGlite = PostgreSQL 18, and PostgreSQL 15):
// keyset cursors visit every row exactly once in order (ties included), the count is capped with a
// flag, and bad cursors or deep offsets are user errors with stable codes, never database errors.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listIncidents, type ListLimits } from '../../src/adapters/sql/incident-list.ts';
import { migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../../src/contracts/index.ts';
import {
  INCIDENT_SORT_FIELDS,
  type IncidentListQuery,
  type IncidentRecord,
  type IncidentSortField,
} from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_list', 4);

/** Microseconds since the epoch: rows differ below the millisecond a JS Date keeps. */
const BASE_US = 1_790_000_000_000_000;
const ROWS = 23;

interface Seed {
  id: string;
  severity: Severity;
  occurrence_count: number;
  created_us: number;
  updated_us: number;
  last_seen_us: number;
}

/** Few distinct values per sort column, so most rows tie and only the tiebreak orders them. */
function seeds(): Seed[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    id: randomUUID(),
    severity: SEVERITIES[i % 3]!,
    occurrence_count: 1 + (i % 2),
    // Three instants 1 µs apart (same millisecond), and a later one.
    created_us: BASE_US + (i % 4 === 3 ? 5_000 : i % 3),
    updated_us: BASE_US + (i % 2) * 1_000_000,
    last_seen_us: BASE_US + (i % 5),
  }));
}

const ts = (us: number) =>
  `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;

/** The order the list promises: see SORT_KEYS in incident-list.cursor.ts. */
function expectedOrder(rows: Seed[], sort: IncidentSortField, order: 'asc' | 'desc'): string[] {
  const key = (r: Seed): (number | string)[] => {
    switch (sort) {
      case 'created_at':
        return [r.created_us, r.id];
      case 'updated_at':
        return [r.updated_us, r.id];
      case 'last_seen':
        return [r.last_seen_us, r.id];
      case 'severity':
        return [SEVERITY_RANK[r.severity], r.created_us, r.id];
      case 'occurrence_count':
        return [r.occurrence_count, r.created_us, r.id];
    }
  };
  const cmp = (a: Seed, b: Seed) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i]! < kb[i]!) return -1;
      if (ka[i]! > kb[i]!) return 1;
    }
    return 0;
  };
  const sorted = [...rows].sort(cmp);
  return (order === 'asc' ? sorted : sorted.reverse()).map((r) => r.id);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${String(err)}`;
  }
  return 'resolved';
}

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(
    `incident list on ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`,
    () => {
      let db: SqlDatabase;
      const source = `list-${randomUUID().slice(0, 8)}`;
      const rows = seeds();
      const base: IncidentListQuery = {
        source: [source],
        sort: 'created_at',
        order: 'desc',
        page: 1,
        per_page: 4,
      };

      beforeAll(async () => {
        db = await backend.open();
        await migrate(db);
        for (const [i, r] of rows.entries()) {
          await sql`INSERT INTO incidents (id, incident_type, source, severity, severity_rank, status, title,
              description, fingerprint, occurrence_count, first_seen, last_seen, created_at, updated_at)
            VALUES (${r.id}, ${i % 2 ? 'phishing' : 'malware'}, ${source}, ${r.severity}, ${SEVERITY_RANK[r.severity]},
              'new', ${`row ${i} ${i % 2 ? 'quokkaphish' : 'quokkabeacon'}`}, null, ${`fp-${r.id}`},
              ${r.occurrence_count}, ${ts(r.last_seen_us)}, ${ts(r.last_seen_us)}, ${ts(r.created_us)},
              ${ts(r.updated_us)})`.execute(db.primary);
        }
      });
      afterAll(async () => {
        await db?.close();
        await backend.cleanup();
      });

      async function walk(q: IncidentListQuery, limits?: ListLimits): Promise<IncidentRecord[]> {
        const seen: IncidentRecord[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await listIncidents(db, { ...q, ...(cursor ? { cursor } : {}) }, limits);
          pages++;
          expect(page.pagination.page).toBe(pages);
          expect(page.data.length).toBeLessThanOrEqual(q.per_page);
          seen.push(...page.data);
          cursor = page.pagination.next_cursor;
          expect(pages).toBeLessThan(100);
        } while (cursor);
        return seen;
      }

      it('a cursor walk returns every row exactly once, in order, for every sort and order (ties included)', async () => {
        for (const sort of INCIDENT_SORT_FIELDS) {
          for (const order of ['asc', 'desc'] as const) {
            const ids = (await walk({ ...base, sort, order })).map((r) => r.id);
            expect(ids, `${sort} ${order}`).toEqual(expectedOrder(rows, sort, order));
            // The same order as one big offset page.
            const whole = await listIncidents(db, { ...base, sort, order, per_page: 200 });
            expect(whole.data.map((r) => r.id)).toEqual(ids);
            expect(whole.pagination.next_cursor).toBeNull();
          }
        }
      });

      it('a cursor walk honours filters and full-text q, and can start from an offset page', async () => {
        const phishing = rows.filter((_, i) => i % 2).map((r) => r.id);
        const walked = await walk({ ...base, q: 'quokkaphish', per_page: 3 });
        expect(walked.map((r) => r.id).sort()).toEqual([...phishing].sort());
        const page2 = await listIncidents(db, { ...base, page: 2 });
        const next = await listIncidents(db, { ...base, cursor: page2.pagination.next_cursor! });
        expect(next.pagination.page).toBe(3);
        const page3 = await listIncidents(db, { ...base, page: 3 });
        expect(next.data.map((r) => r.id)).toEqual(page3.data.map((r) => r.id));
      });

      it('one query shape answers each request with its own values (filters, page size, offset, cap)', async () => {
        // The statement text is compiled once per shape and reused: values must never leak between calls.
        for (let round = 0; round < 2; round++) {
          for (const severity of SEVERITIES.slice(0, 3)) {
            const want = expectedOrder(
              rows.filter((r) => r.severity === severity),
              'created_at',
              'desc',
            );
            for (const [page, per_page, countCap] of [
              [1, 2, 3],
              [2, 3, 1000],
            ] as const) {
              const got = await listIncidents(
                db,
                { ...base, severity: [severity], page, per_page },
                { countCap, maxOffset: 100 },
              );
              expect(got.data.map((r) => r.id)).toEqual(want.slice((page - 1) * per_page, page * per_page));
              expect(got.data.every((r) => r.severity === severity)).toBe(true);
              expect(got.pagination.total_items).toBe(Math.min(want.length, countCap));
            }
          }
        }
        const [a, b] = [rows[0]!, rows[3]!];
        for (const r of [a, b, a]) {
          const since = new Date(Math.floor(r.created_us / 1000));
          const until = new Date(since.getTime() + 1);
          const got = await listIncidents(db, { ...base, since, until, per_page: 50 });
          const want = rows.filter((x) => Math.floor(x.created_us / 1000) === since.getTime());
          expect(got.data.map((x) => x.id).sort()).toEqual(want.map((x) => x.id).sort());
        }
      });

      it('timestamps come back as ISO strings with milliseconds and Z (microseconds truncated)', async () => {
        const page = await listIncidents(db, { ...base, per_page: 50 });
        for (const r of page.data) {
          const seed = rows.find((x) => x.id === r.id)!;
          expect(r.created_at).toBe(new Date(Math.floor(seed.created_us / 1000)).toISOString());
          expect(r.updated_at).toBe(new Date(Math.floor(seed.updated_us / 1000)).toISOString());
          expect(r.last_seen).toBe(new Date(Math.floor(seed.last_seen_us / 1000)).toISOString());
          expect(r.triaged_at).toBeNull();
        }
      });

      it('counts exactly up to the cap, then reports the cap with total_exact false', async () => {
        const limits = { countCap: 10, maxOffset: 100 };
        const capped = await listIncidents(db, base, limits);
        expect(capped.pagination).toMatchObject({
          page: 1,
          per_page: 4,
          total_items: 10,
          total_pages: 3,
          total_exact: false,
        });
        const exactAtCap = await listIncidents(
          db,
          { ...base, severity: ['info', 'low'] },
          { ...limits, countCap: 16 },
        );
        expect(exactAtCap.pagination).toMatchObject({ total_items: 16, total_exact: true });
        const under = await listIncidents(db, { ...base, severity: ['medium'] }, limits);
        expect(under.pagination).toMatchObject({ total_items: 7, total_pages: 2, total_exact: true });
        // A cursor page counts the whole filtered list, not what is left after the cursor.
        const second = await listIncidents(
          db,
          { ...base, severity: ['medium'], cursor: under.pagination.next_cursor! },
          limits,
        );
        expect(second.pagination).toMatchObject({
          page: 2,
          total_items: 7,
          total_exact: true,
          next_cursor: null,
        });
        // A page past the end still says how many rows there are.
        const past = await listIncidents(db, { ...base, page: 20 }, limits);
        expect(past.data).toEqual([]);
        expect(past.pagination).toMatchObject({ total_items: 10, total_exact: false, next_cursor: null });
        const none = await listIncidents(db, { ...base, q: 'nothingmatchesthis' }, limits);
        expect(none.pagination).toMatchObject({
          total_items: 0,
          total_pages: 0,
          total_exact: true,
          next_cursor: null,
        });
      });

      it('offsets past the bound are refused with PAGE_TOO_DEEP; the cursor goes on', async () => {
        const limits = { countCap: 10, maxOffset: 8 };
        expect(await codeOf(listIncidents(db, { ...base, page: 2 }, limits))).toBe('resolved');
        expect(await codeOf(listIncidents(db, { ...base, page: 3 }, limits))).toBe('PAGE_TOO_DEEP');
        expect(await walk(base, limits)).toHaveLength(ROWS);
      });

      it('a malformed, tampered or mismatched cursor is INVALID_CURSOR, never a database error', async () => {
        const good = (await listIncidents(db, base)).pagination.next_cursor!;
        const body = JSON.parse(Buffer.from(good, 'base64url').toString('utf8')) as Record<string, unknown>;
        const forge = (over: Record<string, unknown>) =>
          Buffer.from(JSON.stringify({ ...body, ...over }), 'utf8').toString('base64url');
        const [, id] = body.k as [string, string];
        const bad = [
          'not a cursor!',
          'AAAA',
          Buffer.from('[1,2,3]').toString('base64url'),
          Buffer.from('null').toString('base64url'),
          good.slice(0, -3),
          'x'.repeat(600),
          forge({ v: 2 }),
          forge({ p: 0 }),
          forge({ p: 1.5 }),
          forge({ k: ['2026-02-31T00:00:00.000000Z', id] }),
          forge({ k: ['2026-01-01T00:00:00Z', id] }),
          forge({ k: ["'; DROP TABLE incidents; --", id] }),
          forge({ k: [body.k instanceof Array ? body.k[0] : '', 'not-a-uuid'] }),
          forge({ k: [1, id] }),
          forge({ k: [(body.k as string[])[0]] }),
          forge({ s: 'severity' }),
          forge({ o: 'asc' }),
        ];
        for (const cursor of bad) {
          expect(await codeOf(listIncidents(db, { ...base, cursor })), cursor).toBe('INVALID_CURSOR');
        }
        // The same cursor with another sort or order is refused too.
        expect(await codeOf(listIncidents(db, { ...base, order: 'asc', cursor: good }))).toBe(
          'INVALID_CURSOR',
        );
        expect(await codeOf(listIncidents(db, { ...base, sort: 'updated_at', cursor: good }))).toBe(
          'INVALID_CURSOR',
        );
        // Integer keys out of the column's range are refused before SQL.
        const sev = (await listIncidents(db, { ...base, sort: 'severity' })).pagination.next_cursor!;
        const sevBody = JSON.parse(Buffer.from(sev, 'base64url').toString('utf8')) as { k: unknown[] };
        const huge = Buffer.from(JSON.stringify({ ...sevBody, k: [99_999, ...sevBody.k.slice(1)] })).toString(
          'base64url',
        );
        expect(await codeOf(listIncidents(db, { ...base, sort: 'severity', cursor: huge }))).toBe(
          'INVALID_CURSOR',
        );
        expect(await codeOf(listIncidents(db, { ...base, cursor: good }))).toBe('resolved');
      });
    },
  );
}
