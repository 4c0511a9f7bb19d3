import { createHash } from 'node:crypto';
import { startFakeServer } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';

const MEDIA = 'application/taxii+json;version=2.1';

/** A STIX 2.1 indicator. */
export function stixIndicator(n: number, pattern: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    created: '2024-05-01T00:00:00.000Z',
    modified: '2024-05-01T00:00:00.000Z',
    name: `indicator ${n}`,
    indicator_types: ['malicious-activity'],
    pattern,
    pattern_type: 'stix',
    valid_from: '2024-05-01T00:00:00Z',
    confidence: 85,
    ...extra,
  };
}

export interface TaxiiFake extends FakeServer {
  /** Adds objects to the collection, stamped with `date_added` (strictly increasing). */
  add(objects: Record<string, unknown>[], dateAdded: string[]): void;
  /** Replaces the plain bundle served at `/feeds/bundle.json`. */
  setBundle(objects: Record<string, unknown>[]): void;
  /** Off: answer `more: true` without `next` (servers that page by `added_after` only). Default on. */
  useNextTokens(on: boolean): void;
  /** Accept `Authorization: <token>` as well as basic auth. */
  acceptToken(token: string): void;
}

/**
 * A TAXII 2.1 server on loopback: `GET /api1/collections/{id}/objects/` with `Accept:
 * application/taxii+json;version=2.1` (406 otherwise), basic auth (401 TAXII error otherwise),
 * `added_after`, `limit` and `next` (opaque token) filters, an envelope `{ more, next, objects }`
 * and `X-TAXII-Date-Added-First/Last` headers. Also serves a plain STIX bundle with an ETag at
 * `/feeds/bundle.json` (304 on `If-None-Match`).
 */
export async function startTaxiiFake(
  collectionId: string,
  user: string,
  password: string,
): Promise<TaxiiFake> {
  const held: { object: Record<string, unknown>; added: string }[] = [];
  let bundle: Record<string, unknown>[] = [];
  let nextTokens = true;
  let token: string | undefined;
  const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const error = (status: number, title: string) => ({
    status,
    headers: { 'content-type': MEDIA },
    json: { title, http_status: String(status) },
  });
  const server = await startFakeServer(
    (req) => {
      const url = new URL(req.url, 'http://fake');
      if (url.pathname === '/feeds/bundle.json') {
        const text = JSON.stringify({
          type: 'bundle',
          id: 'bundle--1b2c3d4e-0000-4000-8000-000000000001',
          objects: bundle,
        });
        const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
        if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
        return { status: 200, headers: { etag }, json: JSON.parse(text) as unknown };
      }
      const auth = req.headers['authorization'];
      if (auth !== basic && (token === undefined || auth !== token)) return error(401, 'Unauthorized');
      if (req.headers['accept'] !== MEDIA) return error(406, 'Not Acceptable');
      if (url.pathname !== `/api1/collections/${collectionId}/objects/`)
        return error(404, 'Collection not found');
      const after = url.searchParams.get('added_after');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 100);
      const type = url.searchParams.get('match[type]');
      const next = url.searchParams.get('next');
      let matching = held.filter((h) => (!after || h.added > after) && (!type || h.object['type'] === type));
      const offset = next ? Number(Buffer.from(next, 'base64url').toString()) : 0;
      matching = matching.slice(offset);
      const page = matching.slice(0, limit);
      const more = matching.length > limit;
      const headers: Record<string, string> = { 'content-type': MEDIA };
      if (page.length > 0) {
        headers['x-taxii-date-added-first'] = page[0]?.added ?? '';
        headers['x-taxii-date-added-last'] = page[page.length - 1]?.added ?? '';
      }
      return {
        status: 200,
        headers,
        json: {
          more,
          ...(more && nextTokens ? { next: Buffer.from(String(offset + limit)).toString('base64url') } : {}),
          ...(page.length ? { objects: page.map((p) => p.object) } : {}),
        },
      };
    },
    (retryAfter) => ({
      ...error(429, 'Too Many Requests'),
      headers: { 'content-type': MEDIA, 'retry-after': retryAfter },
    }),
  );
  return Object.assign(server, {
    add(objects: Record<string, unknown>[], dateAdded: string[]) {
      objects.forEach((object, i) => held.push({ object, added: dateAdded[i] ?? '' }));
    },
    setBundle(objects: Record<string, unknown>[]) {
      bundle = objects;
    },
    useNextTokens(on: boolean) {
      nextTokens = on;
    },
    acceptToken(t: string) {
      token = t;
    },
  });
}
