import { startFakeServer } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';

/** An IOC record as ThreatFox's `search_ioc` / `search_hash` return them. */
export function threatFoxIoc(
  ioc: string,
  iocType: string,
  confidence: number,
  extra: Record<string, unknown> = {},
) {
  return {
    id: '1260853',
    ioc,
    threat_type: 'botnet_cc',
    threat_type_desc: 'Indicator that identifies a botnet command&control server (C&C)',
    ioc_type: iocType,
    ioc_type_desc: '',
    malware: 'win.cobalt_strike',
    malware_printable: 'Cobalt Strike',
    malware_alias: 'Agentemis,BEACON,CobaltStrike',
    malware_malpedia: 'https://malpedia.caad.fkie.fraunhofer.de/details/win.cobalt_strike',
    confidence_level: confidence,
    first_seen: '2024-04-01 09:00:00 UTC',
    last_seen: null,
    reference: null,
    reporter: 'abuse_ch',
    tags: ['CobaltStrike', 'c2'],
    ...extra,
  };
}

/**
 * abuse.ch ThreatFox API v1 on loopback: JSON `POST /api/v1/` with header `Auth-Key` (HTTP 401
 * otherwise). `search_ioc` matches substrings of the IOCs held (as the real one does);
 * `search_hash` answers the IOCs linked to a sample; `no_result`, `illegal_search_term`.
 */
export function startThreatFoxFake(
  apiKey: string,
  iocs: Record<string, unknown>[],
  samples: Record<string, Record<string, unknown>[]>,
): Promise<FakeServer> {
  return startFakeServer(
    (req) => {
      if (req.headers['auth-key'] !== apiKey)
        return { status: 401, json: { query_status: 'unknown_auth_key' } };
      if (req.method !== 'POST' || req.url !== '/api/v1/')
        return { status: 404, json: { query_status: 'unknown_endpoint' } };
      let q: Record<string, unknown>;
      try {
        q = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        return { status: 200, json: { query_status: 'invalid_json' } };
      }
      if (q['query'] === 'search_ioc') {
        const term = typeof q['search_term'] === 'string' ? q['search_term'] : '';
        if (term.length < 3)
          return { status: 200, json: { query_status: 'illegal_search_term', data: 'Illegal search term' } };
        if (term === 'malformed.example') return { status: 200, json: { query_status: 'ok', data: 'oops' } };
        const hits = iocs.filter((r) => String(r['ioc']).includes(term));
        return {
          status: 200,
          json: hits.length
            ? { query_status: 'ok', data: hits }
            : { query_status: 'no_result', data: 'Your search did not yield any results' },
        };
      }
      if (q['query'] === 'search_hash') {
        const hash = typeof q['hash'] === 'string' ? q['hash'] : '';
        if (!/^([0-9a-f]{32}|[0-9a-f]{64})$/.test(hash))
          return { status: 200, json: { query_status: 'illegal_hash' } };
        const hits = samples[hash];
        return {
          status: 200,
          json: hits
            ? { query_status: 'ok', data: hits }
            : { query_status: 'no_result', data: 'The hash you provided is not known to ThreatFox' },
        };
      }
      return { status: 200, json: { query_status: 'unknown_query' } };
    },
    (retryAfter) => ({
      status: 429,
      headers: { 'retry-after': retryAfter },
      json: { query_status: 'rate_limited' },
    }),
  );
}
