import { AppError } from '../../contracts/index.ts';
import { isObject, own, str } from './read.ts';

/** Most events one request may carry (a JSON array or a vendor's batch envelope). */
export const MAX_BATCH_EVENTS = 500;

/**
 * Keys under which vendors deliver a page or batch of events: Microsoft Graph / Entra ID `value`,
 * Google Reports API `items`, Azure diagnostic settings `records`, CloudTrail `Records`, and
 * `events` (CloudTrail Lake, many forwarders).
 */
const BATCH_KEYS: ReadonlySet<string> = new Set(['value', 'items', 'records', 'events']);

/**
 * Envelope keys that are paging or transport metadata, never event data: OData and other `@` keys
 * (`@odata.context`, `@odata.nextLink`…), Google (`kind`, `etag`, `nextPageToken`), and generic counters and links.
 */
const METADATA_KEYS: ReadonlySet<string> = new Set([
  'kind',
  'etag',
  'nextpagetoken',
  'nextlink',
  'count',
  'total',
  'next',
  'cursor',
]);

/** CloudEvents / Okta event hook envelope keys around `data.events`. */
const HOOK_KEYS: ReadonlySet<string> = new Set([
  'eventtype',
  'eventtypeversion',
  'cloudeventsversion',
  'contenttype',
  'eventid',
  'eventtime',
  'source',
  'data',
  'specversion',
  'id',
  'type',
  'time',
]);

/** How a request body carried its events. */
export interface SplitBody {
  /** The events, each to be parsed on its own; each is kept as its alert's `raw`. */
  events: unknown[];
  /** Where the events were found: `''` for a single event, `'[]'` for a JSON array, else the envelope key. */
  path: string;
}

/** The array of a batch envelope and its key, or undefined when `body` is not an envelope. */
function envelope(body: Record<string, unknown>): { key: string; items: unknown[] } | undefined {
  let found: { key: string; items: unknown[] } | undefined;
  let ambiguous = false;
  let other = false;
  let keys = 0;
  for (const key in body) {
    if (!Object.prototype.hasOwnProperty.call(body, key) || ++keys > 20) return undefined;
    const lower = key.toLowerCase();
    const value = body[key];
    if (BATCH_KEYS.has(lower) && Array.isArray(value)) {
      ambiguous ||= found !== undefined; // two candidate arrays: an event that has such fields
      found = { key, items: value };
    } else if (!METADATA_KEYS.has(lower) && !lower.startsWith('@')) {
      other = true;
    }
  }
  // An array of anything but objects is data of a single event (`{"value": [1, 2]}`), not a batch.
  if (found && !other) return !ambiguous && found.items.every(isObject) ? found : undefined;
  // Okta event hook (CloudEvents): `{ eventType: "com.okta.event_hook", data: { events: [...] } }`.
  const hookEvents = own(own(body, 'data'), 'events');
  if (
    Array.isArray(hookEvents) &&
    hookEvents.every(isObject) &&
    str(own(body, 'eventType'), 64)?.toLowerCase() === 'com.okta.event_hook' &&
    Object.keys(body).every((k) => HOOK_KEYS.has(k.toLowerCase()))
  ) {
    return { key: 'data.events', items: hookEvents };
  }
  return undefined;
}

/**
 * Splits a request body into its events: a JSON array, a vendor batch envelope (`{"value": [...]}`,
 * `{"items": [...]}`, `{"records": [...]}`, `{"Records": [...]}`, `{"events": [...]}`, an Okta event
 * hook) or one event. An object that carries other fields besides the array (a Google Reports
 * activity has `events` beside `actor` and `id`) is one event, not an envelope; so is an envelope-like
 * object whose array holds anything but objects.
 *
 * Throws `VALIDATION_ERROR` for an empty batch or a batch item that is not a JSON object, and
 * `PAYLOAD_TOO_LARGE` for more than {@link MAX_BATCH_EVENTS} events.
 */
export function splitBody(source: string, body: unknown): SplitBody {
  let items: unknown[];
  let path: string;
  if (Array.isArray(body)) {
    items = body;
    path = '[]';
  } else if (isObject(body)) {
    const env = envelope(body);
    if (!env) return { events: [body], path: '' };
    items = env.items;
    path = env.key;
  } else {
    return { events: [body], path: '' };
  }
  const where = path === '[]' ? '' : path;
  if (items.length === 0) {
    throw new AppError('VALIDATION_ERROR', 'the batch holds no events', {
      source,
      field: where || '(body)',
    });
  }
  if (items.length > MAX_BATCH_EVENTS) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `a batch holds at most ${MAX_BATCH_EVENTS} events (got ${items.length}); split it into several requests`,
      { source, field: where || '(body)', limit: MAX_BATCH_EVENTS, count: items.length },
    );
  }
  const bad = items.findIndex((item) => !isObject(item));
  if (bad >= 0) {
    const got = items[bad] === null ? 'null' : Array.isArray(items[bad]) ? 'an array' : typeof items[bad];
    throw new AppError('VALIDATION_ERROR', `every event of a batch must be a JSON object, got ${got}`, {
      source,
      field: `${where}[${bad}]`,
    });
  }
  return { events: items, path };
}
