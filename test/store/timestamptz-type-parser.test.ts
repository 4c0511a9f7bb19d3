// The timestamptz type parser of the PostgreSQL pools gives exactly the string the old path gave
// (node-postgres' Date, then toISOString), whatever the session time zone, for microseconds, far years,
// BC and infinity; directly on PostgreSQL 15 and through PgBouncer in transaction mode.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_TYPES, timestamptzToIso } from '../../src/adapters/postgres/timestamptz.type-parser.ts';
import { iso } from '../../src/adapters/sql/rows.ts';
import { requireServices } from '../helpers/services.ts';

const legacy = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number;

describe('timestamptzToIso (text forms)', () => {
  it.each([
    ['2026-11-30 02:00:05.064123+00', '2026-11-30T02:00:05.064Z'],
    ['2026-11-30 02:00:05.999999+00', '2026-11-30T02:00:05.999Z'],
    ['2026-11-30 02:00:05.5+00', '2026-11-30T02:00:05.500Z'],
    ['2026-11-30 02:00:05.06+00', '2026-11-30T02:00:05.060Z'],
    ['2026-11-30 02:00:05.0001+00', '2026-11-30T02:00:05.000Z'],
    ['2026-11-30 02:00:05+00', '2026-11-30T02:00:05.000Z'],
    ['2026-11-30 07:30:05.123456+05:30', '2026-11-30T02:00:05.123Z'],
    ['2026-11-29 21:00:05.1-05', '2026-11-30T02:00:05.100Z'],
    ['1900-01-01 00:09:21+00:09:21', '1900-01-01T00:00:00.000Z'],
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
    ['10000-01-01 00:00:00+00', '+010000-01-01T00:00:00.000Z'],
    ['0044-03-15 12:00:00+00 BC', '-000043-03-15T12:00:00.000Z'],
  ])('%s → %s', (text, expected) => {
    expect(timestamptzToIso(text)).toBe(expected);
    expect(timestamptzToIso(text)).toBe((legacy(text) as Date).toISOString());
    expect(iso(timestamptzToIso(text))).toBe(expected);
  });

  it('agrees with the old path on microsecond fractions', () => {
    const mismatches: string[] = [];
    for (let us = 0; us < 1_000_000; us += 7) {
      const fraction = String(us).padStart(6, '0').replace(/0+$/, '');
      const text = `2026-11-30 02:00:05${fraction ? '.' + fraction : ''}+00`;
      if (timestamptzToIso(text) !== (legacy(text) as Date).toISOString()) mismatches.push(text);
    }
    expect(mismatches).toEqual([]);
  });

  it('passes infinity through (no ISO form), which iso() refuses as before', () => {
    expect(timestamptzToIso('infinity')).toBe('infinity');
    expect(timestamptzToIso('-infinity')).toBe('-infinity');
    expect(() => iso(timestamptzToIso('infinity'))).toThrow(RangeError);
  });

  it('iso() still takes Dates (PGlite) and other strings', () => {
    expect(iso(new Date(Date.UTC(2026, 10, 30, 2, 0, 5, 64)))).toBe('2026-11-30T02:00:05.064Z');
    expect(iso('2026-11-30T03:00:05.064+01:00')).toBe('2026-11-30T02:00:05.064Z');
  });
});

const pgSkip = await requireServices(['postgres']);
const bouncerSkip = await requireServices(['pgbouncer']);

/** Values whose text form varies: fractions with trailing zeros, odd offsets (LMT), far years, BC. */
const VALUES_SQL = `SELECT v, to_char(v AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS utc_text
FROM unnest(ARRAY[
  '2026-11-30 02:00:05.064123+00', '2026-11-30 02:00:05.5+00', '2026-11-30 02:00:05+00',
  '2026-03-29 01:30:00.999999+00', '1900-01-01 00:00:00.000001+00', '1883-11-18 12:00:00+00',
  '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00'
]::timestamptz[]) AS v`;

describe.each([
  { name: 'PostgreSQL 15', port: 5432, skip: pgSkip },
  { name: 'PgBouncer (transaction mode)', port: 6432, skip: pgSkip ?? bouncerSkip },
])('the pool types on $name', ({ port, skip }) => {
  let pool: pg.Pool;
  beforeAll(() => {
    if (skip) return;
    pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      max: 1,
      types: POOL_TYPES,
    });
  });
  afterAll(async () => {
    await pool?.end();
  });

  it.skipIf(skip).each(['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Chatham'])(
    'session TimeZone %s: the same ISO string as the database computes in UTC',
    async (zone) => {
      const client = await pool.connect();
      try {
        // In a transaction (SET LOCAL): PgBouncer in transaction mode hands the server on afterwards.
        await client.query('BEGIN');
        await client.query(`SELECT set_config('TimeZone', $1, true)`, [zone]);
        const { rows } = await client.query<{ v: unknown; utc_text: string }>(VALUES_SQL);
        await client.query('COMMIT');
        expect(rows.length).toBe(8);
        for (const r of rows) {
          expect(typeof r.v).toBe('string');
          expect(r.v).toBe(r.utc_text);
        }
      } finally {
        client.release();
      }
    },
  );

  it.skipIf(skip)('BC, year 10000 and infinity as the old parser gave them', async () => {
    const { rows } = await pool.query<{ v: string }>(
      `SELECT v FROM unnest(ARRAY['0044-03-15 12:00:00+00 BC', '10000-01-01 00:00:00+00', 'infinity', '-infinity']::timestamptz[]) AS v`,
    );
    expect(rows.map((r) => r.v)).toEqual([
      '-000043-03-15T12:00:00.000Z',
      '+010000-01-01T00:00:00.000Z',
      'infinity',
      '-infinity',
    ]);
  });

  it.skipIf(skip)(
    'other types keep their parsers (int4 as number, timestamp without zone as Date)',
    async () => {
      const { rows } = await pool.query<{ n: unknown; ts: unknown }>(
        `SELECT 42::int4 AS n, '2026-11-30 02:00:05'::timestamp AS ts`,
      );
      expect(rows[0]!.n).toBe(42);
      expect(rows[0]!.ts).toBeInstanceOf(Date);
    },
  );
});
