import pg from 'pg';

/** `timestamptz` (pg_type oid 1184). */
export const TIMESTAMPTZ_OID = 1184;

const defaultParser = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number;

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const isDigit = (c: number) => c >= DIGIT_0 && c <= DIGIT_9;

/**
 * PostgreSQL's text form of a `timestamptz` → the ISO string `Date#toISOString()` gives
 * (`2026-11-30T02:00:05.064Z`: UTC, milliseconds, truncated as a Date truncates microseconds), without
 * building a Date. node-postgres' own parser builds one per value, and the repositories then format it
 * back: a tenth of the API's CPU on a list page.
 *
 * The fast path takes the form a UTC session prints under DateStyle ISO (`2026-11-30 02:00:05.064123+00`,
 * the fraction without trailing zeros, or none). Any other form (another session TimeZone, a year past
 * 9999, BC, another DateStyle) goes through node-postgres' parser and `toISOString()`, so the result is the
 * same string either way. `infinity` and `-infinity` come back as is: no ISO string represents them.
 */
export function timestamptzToIso(text: string): string {
  const n = text.length;
  // YYYY-MM-DD HH:MM:SS[.f{1,6}]+00
  if (
    n >= 22 &&
    n <= 29 &&
    text.charCodeAt(n - 3) === 43 /* + */ &&
    text.charCodeAt(n - 2) === DIGIT_0 &&
    text.charCodeAt(n - 1) === DIGIT_0 &&
    text.charCodeAt(4) === 45 /* - */ &&
    text.charCodeAt(10) === 32 /* space */ &&
    text.charCodeAt(19) === (n === 22 ? 43 : 46) /* + or . */ &&
    isDigit(text.charCodeAt(0))
  ) {
    const head = text.slice(0, 10) + 'T' + text.slice(11, 19);
    if (n === 22) return head + '.000Z';
    const fraction = text.slice(20, n - 3);
    return head + '.' + (fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0')) + 'Z';
  }
  const parsed = defaultParser(text);
  if (typeof parsed === 'number' || parsed === null) return text;
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString();
}

/**
 * The type parsers of our pools: node-postgres' defaults, but `timestamptz` as an ISO string
 * (timestamptzToIso). Per pool, not pg.types.setTypeParser: other pg users in the process keep Dates.
 */
export const POOL_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? timestamptzToIso
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};
