import { AppError } from '../contracts/index.ts';

/** 0001-01-01T00:00:00Z: PostgreSQL has no year 0 (ISO 0000 is 1 BC), JavaScript has. */
const MIN_MS = Date.parse('0001-01-01T00:00:00Z');
/** 10000-01-01T00:00:00Z (exclusive): a 4-digit year with a negative offset can step past 9999. */
const MAX_MS = Date.parse('+010000-01-01T00:00:00Z');
/** The seconds field of an RFC 3339 time: `60` is a leap second. */
const LEAP_SECOND = /^(.*T\d{2}:\d{2}:)60(\.\d+)?(.*)$/i;

/**
 * The instant of an RFC 3339 date-time already checked by the schema's `date-time` format, as a
 * Date PostgreSQL can hold. A leap second (`23:59:60Z`, which JavaScript cannot parse) reads as the
 * first instant of the next second; a year outside 0001–9999 (after the offset) is a
 * VALIDATION_ERROR naming the parameter and the range, never a database error.
 */
export function parseInstant(value: string, name: string): Date {
  let ms = Date.parse(value);
  const leap = Number.isNaN(ms) ? LEAP_SECOND.exec(value) : null;
  if (leap) ms = Date.parse(`${leap[1]}59${leap[3]}`) + 1000;
  if (!Number.isFinite(ms) || ms < MIN_MS || ms >= MAX_MS) {
    throw new AppError(
      'VALIDATION_ERROR',
      `${name} must be an RFC 3339 date-time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z`,
      { path: `/querystring/${name}` },
    );
  }
  return new Date(ms);
}
