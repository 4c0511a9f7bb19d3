import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { IntelHttpRequest, IntelHttpResponse } from '../http/vendor-protocol.ts';
import { isRecord, str, throwForStatus } from './vendor-common.ts';

/** Media type of TAXII 2.1 requests and answers. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

/** A TAXII 2.1 collection to read indicators from. */
export interface TaxiiConfig {
  /** The API root, e.g. `https://taxii.example.org/api1` (no trailing slash). */
  api_root: string;
  /** The collection id (a UUID for most servers). */
  collection_id: string;
  /** HTTP basic auth, when the server uses it. */
  username?: string;
  password?: string;
  /** An API key, sent verbatim in `api_key_header` (e.g. `Bearer abc`), when the server uses one. */
  api_key?: string;
  /** Header carrying `api_key`. Default `Authorization`. */
  api_key_header?: string;
  /** Objects per page (`limit`). Default 500. */
  page_size?: number;
}

/** Where a poll resumes: the server's last `date_added`, and a `next` token within one poll. */
export interface TaxiiCursor {
  added_after?: string;
  next?: string;
}

/** One page of a collection's objects. */
export interface TaxiiPage {
  objects: unknown[];
  more: boolean;
  next?: string;
  /** `X-TAXII-Date-Added-Last`: the `date_added` of the newest object on this page. */
  date_added_last?: string;
}

/**
 * TAXII 2.1 "Get Objects" — https://docs.oasis-open.org/cti/taxii/v2.1/os/taxii-v2.1-os.html#_Toc31107541
 *
 * `GET {api_root}/collections/{id}/objects/?added_after=…&limit=…&next=…&match[type]=indicator`
 * with `Accept: application/taxii+json;version=2.1` and basic auth or an API key header. The
 * answer is an envelope `{ more, next, objects }` and the `X-TAXII-Date-Added-First/Last`
 * headers; `added_after` on the next poll is the last page's `X-TAXII-Date-Added-Last`.
 */
export function taxiiObjectsRequest(config: TaxiiConfig, cursor: TaxiiCursor): IntelHttpRequest {
  const url = new URL(`${config.api_root}/collections/${encodeURIComponent(config.collection_id)}/objects/`);
  if (cursor.added_after) url.searchParams.set('added_after', cursor.added_after);
  url.searchParams.set('limit', String(config.page_size ?? 500));
  if (cursor.next) url.searchParams.set('next', cursor.next);
  url.searchParams.set('match[type]', 'indicator');
  return { method: 'GET', url: url.href, headers: { accept: TAXII_MEDIA_TYPE, ...taxiiAuthHeaders(config) } };
}

export function taxiiAuthHeaders(config: TaxiiConfig): Record<string, string> {
  if (config.api_key) return { [(config.api_key_header ?? 'authorization').toLowerCase()]: config.api_key };
  if (config.username !== undefined) {
    const token = Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64');
    return { authorization: `Basic ${token}` };
  }
  return {};
}

/**
 * Reads one "Get Objects" answer. A 404 (unknown collection, or no object yet on some servers
 * that answer 404 for an empty result) and every other error throw IntelProtocolError with the
 * status and the TAXII error `title`; 429 is handled by the poller before this is called.
 */
export function parseTaxiiPage(response: IntelHttpResponse): TaxiiPage {
  if (response.status < 200 || response.status > 299) {
    throwForStatus('taxii', response, isRecord(response.body) ? str(response.body['title']) : undefined);
  }
  const body = response.body;
  if (!isRecord(body)) throw new IntelProtocolError('taxii: malformed envelope (expected a JSON object)');
  const objects = body['objects'] ?? [];
  if (!Array.isArray(objects))
    throw new IntelProtocolError('taxii: malformed envelope (objects is not a list)');
  const next = str(body['next'], 1000);
  const last = str(response.headers['x-taxii-date-added-last'], 64);
  return {
    objects,
    more: body['more'] === true,
    ...(next ? { next } : {}),
    ...(last && Number.isFinite(Date.parse(last)) ? { date_added_last: last } : {}),
  };
}

/** The objects of a plain STIX 2.1 bundle (`{"type":"bundle","objects":[…]}`), or IntelProtocolError. */
export function parseStixBundle(body: unknown): unknown[] {
  if (!isRecord(body) || body['type'] !== 'bundle') throw new IntelProtocolError('stix: not a STIX bundle');
  const objects = body['objects'] ?? [];
  if (!Array.isArray(objects)) throw new IntelProtocolError('stix: malformed bundle (objects is not a list)');
  return objects;
}
