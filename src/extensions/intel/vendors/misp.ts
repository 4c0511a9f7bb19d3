import type { IndicatorType } from '../../../contracts/index.ts';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { IntelHttpRequest, IntelResult, VendorConfig, VendorProtocol } from '../http/vendor-protocol.ts';
import {
  isNonPublicIp,
  isRecord,
  isoTime,
  jsonObject,
  num,
  pickTime,
  str,
  throwForStatus,
  unknown,
} from './vendor-common.ts';
import type { Json } from './vendor-common.ts';

/** MISP options. */
export interface MispConfig extends VendorConfig {
  /** The MISP instance, e.g. `https://misp.example.org` (no default). `api_key` is the user's auth key. */
  base_url: string;
  /** Attributes per page (`limit`). Default 100. */
  page_size?: number;
  /** Pages read per lookup at most; the rest is reported as `truncated`. Default 5. */
  max_pages?: number;
}

export const MISP_DEFAULTS: Readonly<Omit<MispConfig, 'base_url'>> = { page_size: 100, max_pages: 5 };

const SUPPORTED = new Set<IndicatorType>([
  'ipv4',
  'ipv6',
  'domain',
  'hostname',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
]);
/** Event `threat_level_id` (1 high, 2 medium, 3 low, 4 undefined) → score of a to_ids hit. */
const LEVEL_SCORE: Readonly<Record<number, number>> = { 1: 0.95, 2: 0.85, 3: 0.7, 4: 0.8 };

/** What earlier pages of one lookup found, carried to the next page (see IntelHttpRequest.carry). */
interface MispFold {
  page: number;
  attributes: number;
  toIds: number;
  bestLevel: number | null;
  first: string | null;
  last: string | null;
  events: { id: string; info?: string; threat_level_id?: number }[];
  categories: string[];
  types: string[];
}

/**
 * MISP REST API — https://www.misp-project.org/openapi/#tag/Attributes/operation/restSearchAttributes
 *
 * `POST {base}/attributes/restSearch` with headers `Authorization: <auth key>`,
 * `Accept: application/json`, `Content-Type: application/json` and body
 * `{"returnFormat":"json","value":…,"limit":…,"page":…,"includeEventTags":false}`.
 * The answer is `{"response":{"Attribute":[…]}}`; each attribute has `to_ids`, `category`,
 * `type`, `timestamp` (unix seconds, as a string), optional `first_seen`/`last_seen`, and an
 * `Event` stub (`id`, `info`, and `threat_level_id` when the instance includes it). A full page
 * (`limit` attributes) means there may be more: the next page is requested (`{ next }`), up to
 * `max_pages`. A bad key is HTTP 403 (`{"name":"Authentication failed…"}`).
 *
 * Normalisation:
 * - any attribute with `to_ids: true` (marked by its analysts as an indicator to detect) →
 *   `malicious`; score by the highest event threat level: high 0.95, medium 0.85, low 0.7,
 *   undefined/absent 0.8.
 * - attributes found, none `to_ids` → `suspicious` 0.5 (context in shared events, not an IOC).
 * - no attribute → `unknown`.
 * - first_seen / last_seen: attribute `first_seen`/`last_seen` when set, else its `timestamp`.
 */
export const mispProtocol: VendorProtocol<MispConfig> = {
  vendor: 'misp',
  supports: (type) => SUPPORTED.has(type),
  request(indicator, config) {
    if (!SUPPORTED.has(indicator.type) || isNonPublicIp(indicator.value)) return null;
    return pageRequest(indicator.value, config, emptyFold());
  },
  parse(response, indicator, config) {
    if (response.status < 200 || response.status > 299) {
      throwForStatus('misp', response, isRecord(response.body) ? str(response.body['name']) : undefined);
    }
    const body = jsonObject('misp', response);
    const attributes = attributesOf(body);
    // A copy: parse stays pure even though the carry object came back from the runner.
    const fold = isFold(response.carry) ? structuredClone(response.carry) : emptyFold();
    for (const a of attributes) add(fold, a);
    const pageSize = config.page_size ?? MISP_DEFAULTS.page_size ?? 100;
    const maxPages = config.max_pages ?? MISP_DEFAULTS.max_pages ?? 5;
    if (attributes.length >= pageSize && fold.page < maxPages) {
      return { next: pageRequest(indicator.value, config, { ...fold, page: fold.page + 1 }) };
    }
    return resultOf(fold, attributes.length >= pageSize);
  },
};

function pageRequest(value: string, config: MispConfig, fold: MispFold): IntelHttpRequest {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  if (config.api_key) headers['authorization'] = config.api_key;
  const body = {
    returnFormat: 'json',
    value,
    limit: config.page_size ?? MISP_DEFAULTS.page_size,
    page: fold.page,
    includeEventTags: false,
  };
  return {
    method: 'POST',
    url: `${config.base_url}/attributes/restSearch`,
    headers,
    body: JSON.stringify(body),
    carry: fold,
  };
}

function attributesOf(body: Json): Json[] {
  const inner = body['response'];
  // An empty search answers `{"response":[]}` on some MISP versions.
  if (Array.isArray(inner) && inner.length === 0) return [];
  if (!isRecord(inner)) throw new IntelProtocolError('misp: malformed answer (no response object)');
  const list = inner['Attribute'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new IntelProtocolError('misp: malformed answer (Attribute is not a list)');
  return list.filter(isRecord);
}

function add(fold: MispFold, a: Json): void {
  fold.attributes += 1;
  const event = isRecord(a['Event']) ? a['Event'] : undefined;
  const level = event ? num(event['threat_level_id']) : undefined;
  if (a['to_ids'] === true || a['to_ids'] === '1' || a['to_ids'] === 1) {
    fold.toIds += 1;
    if (level !== undefined && LEVEL_SCORE[level] !== undefined) {
      fold.bestLevel = fold.bestLevel === null ? level : Math.min(fold.bestLevel, level);
    }
  }
  const stamp = isoTime(a['timestamp']);
  fold.first = pickTime(fold.first, isoTime(a['first_seen']) ?? stamp, 'min');
  fold.last = pickTime(fold.last, isoTime(a['last_seen']) ?? stamp, 'max');
  const id = event ? (str(event['id'], 20) ?? String(num(event['id']) ?? '')) : '';
  if (id && fold.events.length < 10 && !fold.events.some((e) => e.id === id)) {
    const info = str(event?.['info'], 150);
    fold.events.push({
      id,
      ...(info ? { info } : {}),
      ...(level !== undefined ? { threat_level_id: level } : {}),
    });
  }
  const category = str(a['category'], 60);
  if (category && !fold.categories.includes(category) && fold.categories.length < 10)
    fold.categories.push(category);
  const type = str(a['type'], 60);
  if (type && !fold.types.includes(type) && fold.types.length < 10) fold.types.push(type);
}

function resultOf(fold: MispFold, truncated: boolean): IntelResult {
  const details = {
    attribute_count: fold.attributes,
    to_ids_count: fold.toIds,
    events: fold.events,
    categories: fold.categories,
    types: fold.types,
    ...(truncated ? { truncated: true } : {}),
  };
  if (fold.attributes === 0) return unknown(details);
  const base = { first_seen: fold.first, last_seen: fold.last, details };
  if (fold.toIds === 0) return { ...base, verdict: 'suspicious', score: 0.5 };
  return { ...base, verdict: 'malicious', score: LEVEL_SCORE[fold.bestLevel ?? 4] ?? 0.8 };
}

function emptyFold(): MispFold {
  return {
    page: 1,
    attributes: 0,
    toIds: 0,
    bestLevel: null,
    first: null,
    last: null,
    events: [],
    categories: [],
    types: [],
  };
}

function isFold(value: unknown): value is MispFold {
  return isRecord(value) && typeof value['page'] === 'number' && Array.isArray(value['events']);
}
