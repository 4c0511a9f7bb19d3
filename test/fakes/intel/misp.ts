import { startFakeServer } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';

/** An attribute as `attributes/restSearch` returns it (strings where MISP sends strings). */
export function mispAttribute(
  id: number,
  value: string,
  type: string,
  toIds: boolean,
  event: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    id: String(id),
    event_id: String(event['id']),
    object_id: '0',
    object_relation: null,
    category: 'Network activity',
    type,
    to_ids: toIds,
    uuid: `5f6a7b8c-0000-4000-8000-${String(id).padStart(12, '0')}`,
    timestamp: '1714550400',
    distribution: '5',
    sharing_group_id: '0',
    comment: '',
    deleted: false,
    disable_correlation: false,
    first_seen: null,
    last_seen: null,
    value,
    Event: {
      org_id: '1',
      distribution: '1',
      id: String(event['id']),
      info: event['info'],
      orgc_id: '1',
      uuid: `ev-${String(event['id'])}`,
      ...('threat_level_id' in event ? { threat_level_id: event['threat_level_id'] } : {}),
    },
    ...extra,
  };
}

/**
 * MISP REST API on loopback: `POST /attributes/restSearch` with `Authorization: <key>` (403
 * `{ name, message, url }` otherwise), `Accept: application/json` (an HTML page otherwise, as
 * MISP renders for browsers), body `{ returnFormat, value, limit, page }`; answers
 * `{ "response": { "Attribute": [...] } }` paginated by `page`/`limit` (pages start at 1).
 */
export function startMispFake(apiKey: string, attributes: Record<string, unknown>[]): Promise<FakeServer> {
  return startFakeServer(
    (req) => {
      if (req.headers['authorization'] !== apiKey) {
        const msg =
          'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';
        return { status: 403, json: { name: msg, message: msg, url: '/attributes/restSearch' } };
      }
      if (req.headers['accept'] !== 'application/json') return { status: 200, text: '<html>MISP</html>' };
      if (req.method !== 'POST' || req.url !== '/attributes/restSearch')
        return { status: 404, json: { name: 'Not Found', message: 'Not Found', url: req.url } };
      let q: Record<string, unknown>;
      try {
        q = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        return { status: 400, json: { name: 'Invalid JSON', message: 'Invalid JSON', url: req.url } };
      }
      if (q['returnFormat'] !== 'json') return { status: 200, text: 'csv,not,asked' };
      if (q['value'] === 'malformed.example')
        return { status: 200, json: { response: { Attribute: 'oops' } } };
      const limit = Number(q['limit'] ?? 0);
      const page = Number(q['page'] ?? 1);
      let hits = attributes.filter((a) => a['value'] === q['value']);
      if (limit > 0) hits = hits.slice((page - 1) * limit, page * limit);
      return { status: 200, json: { response: { Attribute: hits } } };
    },
    (retryAfter) => ({
      status: 429,
      headers: { 'retry-after': retryAfter },
      json: { name: 'Too Many Requests', message: 'Rate limit exceeded.', url: '/attributes/restSearch' },
    }),
  );
}
