import { startFakeServer } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';

/** A pulse as OTX's `general` section lists it (the fields our protocol reads, and a few it ignores). */
export function otxPulse(
  name: string,
  created: string,
  modified: string,
  extra: Record<string, unknown> = {},
) {
  return {
    id: `pulse-${name.replace(/\W/g, '').toLowerCase()}`,
    name,
    description: '',
    created,
    modified,
    tags: ['c2'],
    references: [],
    public: 1,
    adversary: '',
    targeted_countries: [],
    malware_families: [{ id: 'Emotet', display_name: 'Emotet', target: null }],
    attack_ids: [],
    industries: [],
    TLP: 'white',
    author: { username: 'analyst', is_subscribed: false },
    ...extra,
  };
}

/** The body of `GET /api/v1/indicators/{section}/{value}/general`. */
export function otxGeneral(
  section: string,
  value: string,
  pulses: unknown[],
  extra: Record<string, unknown> = {},
) {
  return {
    sections: ['general', 'geo', 'reputation', 'url_list', 'passive_dns', 'malware'],
    indicator: value,
    type: section,
    type_title: section,
    base_indicator: {
      id: 1,
      indicator: value,
      type: section,
      description: '',
      content: '',
      access_type: 'public',
    },
    reputation: 0,
    pulse_info: {
      count: pulses.length,
      pulses,
      references: [],
      related: {
        alienvault: { adversary: [], malware_families: [], industries: [] },
        other: { adversary: [], malware_families: [], industries: [] },
      },
    },
    false_positive: [],
    validation: [],
    ...extra,
  };
}

/**
 * AlienVault OTX DirectConnect v1 on loopback: `GET /api/v1/indicators/{section}/{value}/general`,
 * `X-OTX-API-KEY` checked (403 `{"detail":…}` otherwise), 404 `{"detail":"Not found."}` for an
 * indicator it does not hold, and the value `malformed.example` answers an HTML error page.
 */
export function startOtxFake(apiKey: string, indicators: Record<string, unknown>): Promise<FakeServer> {
  return startFakeServer(
    (req) => {
      if (req.headers['x-otx-api-key'] !== apiKey) {
        return { status: 403, json: { detail: 'Authentication credentials were not provided.' } };
      }
      const m = /^\/api\/v1\/indicators\/(IPv4|IPv6|domain|hostname|url|file)\/([^/]+)\/general$/.exec(
        req.url,
      );
      if (req.method !== 'GET' || !m?.[1] || !m[2]) return { status: 404, json: { detail: 'Not found.' } };
      const key = `${m[1]}/${decodeURIComponent(m[2])}`;
      if (key.endsWith('/malformed.example')) return { status: 200, text: '<html>maintenance</html>' };
      const body = indicators[key];
      return body === undefined
        ? { status: 404, json: { detail: 'Not found.' } }
        : { status: 200, json: body };
    },
    (retryAfter) => ({
      status: 429,
      headers: { 'retry-after': retryAfter },
      json: { detail: 'Request was throttled.' },
    }),
  );
}
