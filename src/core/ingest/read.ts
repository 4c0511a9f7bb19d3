/**
 * Defensive readers for untrusted JSON. Every function here accepts anything and never throws:
 * parsers build on them so that no payload shape can crash ingest.
 */

/** A plain JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

/** Longest string a parser keeps from one field (longer values are cut). */
export const MAX_FIELD_CHARS = 8_192;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Most keys of one object indexed for case-insensitive reads (later keys are found only exactly). */
const MAX_CI_KEYS = 2_000;
const lowerKeys = new WeakMap<object, Map<string, string>>();

/**
 * The object's own keys by lower-cased name (the first spelling wins), built once per object: parsers
 * never mutate a payload, so the index stays true for as long as the payload is read.
 */
function keyIndex(obj: JsonObject): Map<string, string> {
  let index = lowerKeys.get(obj);
  if (index === undefined) {
    index = new Map();
    let seen = 0;
    for (const k in obj) {
      if (++seen > MAX_CI_KEYS) break;
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      const lower = k.toLowerCase();
      if (!index.has(lower)) index.set(lower, k);
    }
    lowerKeys.set(obj, index);
  }
  return index;
}

/**
 * An own property (never an inherited one such as `constructor`), matched exactly first, then
 * ignoring case: exports and SIEM forwarders re-case vendor keys (`eventtype`, `EventType`).
 */
export function own(obj: unknown, key: string): unknown {
  if (!isObject(obj)) return undefined;
  if (Object.prototype.hasOwnProperty.call(obj, key)) return obj[key];
  const actual = keyIndex(obj).get(key.toLowerCase());
  return actual === undefined ? undefined : obj[actual];
}

/**
 * Reads a path that may be stored as nested objects, dotted keys, or any mix of the two
 * (`{"kibana.alert": {"rule": {...}}}`), as ECS/Elastic documents are.
 */
export function getPath(obj: unknown, path: string): unknown {
  return getParts(obj, path.split('.'), 0);
}

function getParts(obj: unknown, parts: string[], depth: number): unknown {
  if (!isObject(obj) || parts.length === 0 || depth > 12) return undefined;
  for (let i = parts.length; i >= 1; i--) {
    const value = own(obj, parts.slice(0, i).join('.'));
    if (value === undefined) continue;
    if (i === parts.length) return value;
    const found = getParts(value, parts.slice(i), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Reads a property ignoring case; the same as {@link own}, kept for the parsers that say so. */
export const ownCI = own;

/** Case-insensitive nested read: `pathCI(finding, 'service', 'action', 'actionType')`. */
export function pathCI(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const key of keys) {
    cur = ownCI(cur, key);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** A trimmed, non-empty string cut to `max` characters; numbers are stringified; else undefined. */
export function str(value: unknown, max = MAX_FIELD_CHARS): string | undefined {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
  else return undefined;
  s = (s.length > max * 2 ? s.slice(0, max * 2) : s).trim();
  if (s.length === 0) return undefined;
  return s.length > max ? s.slice(0, max) : s;
}

/** A finite number from a number or numeric string, else undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.length <= 40 && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A bounded array view: `value` when it is an array (first `max` items), `[value]` when a scalar. */
export function list(value: unknown, max = 100): unknown[] {
  if (Array.isArray(value)) return value.length > max ? value.slice(0, max) : value;
  return value === undefined || value === null ? [] : [value];
}

/** Strings of a string-or-array field (Splunk multivalue fields, ECS arrays). */
export function strings(value: unknown, max = 50): string[] {
  const out: string[] = [];
  for (const item of list(value, max)) {
    const s = str(item);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** The first defined string among several candidates. */
export function firstStr(...values: unknown[]): string | undefined {
  for (const v of values) {
    const s = str(v);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** Alert times outside this range (inclusive) are garbage: the bounds, for messages. */
export const ALERT_TIME_RANGE = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' } as const;
const MIN_TIME = Date.parse(ALERT_TIME_RANGE.from);
const MAX_TIME = Date.parse(ALERT_TIME_RANGE.to);
/** An ISO date-time without `Z` or an offset. */
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/**
 * A date from an ISO string, an epoch number (seconds or milliseconds, guessed by magnitude) or a
 * numeric string such as Splunk's `_time` ("1700000000.123"). Dates outside 2000–2100 are treated
 * as garbage and rejected.
 */
export function toDate(value: unknown): Date | undefined {
  let ms: number | undefined;
  const n = num(value);
  if (n !== undefined) {
    ms = Math.abs(n) >= 1e11 ? n : n * 1000;
  } else if (typeof value === 'string' && value.length <= 64) {
    // Okta's docs sometimes show "2022-03-22 14:21:53.225" (space instead of T, no zone).
    const s = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2');
    // Vendors log UTC; a zone-less time (M365 `CreationTime`) must not be read in the server's zone.
    ms = Date.parse(ZONELESS.test(s) ? `${s}Z` : s);
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < MIN_TIME || ms > MAX_TIME) return undefined;
  return new Date(ms);
}

/** The first candidate that reads as a valid date. */
export function firstDate(...values: unknown[]): Date | undefined {
  for (const v of values) {
    const d = toDate(v);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A number clamped into 0..1 after dividing by `scale`; undefined when not a number. */
export function ratio(value: unknown, scale: number): number | undefined {
  const n = num(value);
  if (n === undefined || n < 0) return undefined;
  return Math.min(1, n / scale);
}
