import type { IndicatorType } from '../../../contracts/index.ts';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { IntelResult, VendorConfig, VendorProtocol } from '../http/vendor-protocol.ts';
import {
  isNonPublicIp,
  isRecord,
  isoTime,
  jsonObject,
  num,
  pickTime,
  str,
  strings,
  throwForStatus,
  unknown,
} from './vendor-common.ts';
import type { Json } from './vendor-common.ts';

/** abuse.ch URLhaus options. */
export interface UrlhausConfig extends VendorConfig {
  /** Default `https://urlhaus-api.abuse.ch`. `api_key` is the abuse.ch Auth-Key (required by abuse.ch). */
  base_url: string;
}

export const URLHAUS_DEFAULTS: Readonly<UrlhausConfig> = { base_url: 'https://urlhaus-api.abuse.ch' };

type Endpoint = 'url' | 'host' | 'payload';
const ENDPOINTS: Partial<Record<IndicatorType, Endpoint>> = {
  url: 'url',
  domain: 'host',
  hostname: 'host',
  ipv4: 'host',
  md5: 'payload',
  sha256: 'payload',
};

/** `query_status` values that mean "URLhaus could not use what we sent": not a provider failure. */
const INVALID_QUERY = /^(invalid_|illegal_|no_(url|host|md5_hash|sha256_hash)_provided$)/;
const AUTH_FAILURE = /auth/i;

/**
 * abuse.ch URLhaus API v1 — https://urlhaus-api.abuse.ch/
 *
 * Form-encoded POSTs with header `Auth-Key`:
 * - `POST /v1/url/` (`url=`) — a URL;
 * - `POST /v1/host/` (`host=`) — a domain, hostname or IPv4 address;
 * - `POST /v1/payload/` (`md5_hash=` or `sha256_hash=`) — a malware sample URLhaus downloaded.
 *
 * Answers carry `query_status`: `ok`, `no_results`, or `invalid_url` / `invalid_host` /
 * `invalid_md5_hash`…; an unknown or missing Auth-Key is HTTP 401.
 *
 * Normalisation:
 * - url: `url_status` `online` → `malicious` 0.95; `offline` / `unknown` → `malicious` 0.8 (it did
 *   serve malware; URLhaus only lists malware-distribution URLs).
 * - host: any listed URL `online` → `malicious` 0.9; only offline URLs → `suspicious` 0.6 (often a
 *   compromised legitimate site, cleaned since).
 * - payload: any answer → `malicious` 0.9 (a sample URLhaus fetched from a malware URL).
 * - `no_results` and `invalid_*` → `unknown` (absence from URLhaus says nothing about safety).
 * - first_seen: `date_added` / `firstseen`; last_seen: `last_online` / `lastseen` / latest URL.
 */
export const urlhausProtocol: VendorProtocol<UrlhausConfig> = {
  vendor: 'urlhaus',
  supports: (type) => ENDPOINTS[type] !== undefined,
  request(indicator, config) {
    const endpoint = ENDPOINTS[indicator.type];
    if (!endpoint || isNonPublicIp(indicator.value)) return null;
    const field = endpoint === 'payload' ? `${indicator.type}_hash` : endpoint;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (config.api_key) headers['auth-key'] = config.api_key;
    return {
      method: 'POST',
      url: `${config.base_url}/v1/${endpoint}/`,
      headers,
      body: new URLSearchParams({ [field]: indicator.value }).toString(),
    };
  },
  parse(response, indicator) {
    if (response.status < 200 || response.status > 299) {
      throwForStatus(
        'urlhaus',
        response,
        isRecord(response.body) ? str(response.body['query_status']) : undefined,
      );
    }
    const body = jsonObject('urlhaus', response);
    const status = str(body['query_status'], 60);
    if (status === undefined) throw new IntelProtocolError('urlhaus: malformed answer (no query_status)');
    if (AUTH_FAILURE.test(status)) throw new IntelProtocolError('urlhaus: API key rejected');
    if (status === 'no_results') return unknown({ query_status: status });
    if (INVALID_QUERY.test(status)) return unknown({ query_status: status });
    if (status !== 'ok') throw new IntelProtocolError('urlhaus: unexpected query_status');
    const endpoint = ENDPOINTS[indicator.type];
    if (endpoint === 'url') return urlVerdict(body);
    if (endpoint === 'host') return hostVerdict(body);
    return payloadVerdict(body);
  },
};

function urlVerdict(body: Json): IntelResult {
  const online = body['url_status'] === 'online';
  return {
    verdict: 'malicious',
    score: online ? 0.95 : 0.8,
    first_seen: isoTime(body['date_added']),
    last_seen: isoTime(body['last_online']),
    details: {
      url_status: str(body['url_status'], 20) ?? 'unknown',
      threat: str(body['threat'], 60),
      tags: strings(body['tags']),
      blacklists: blacklists(body['blacklists']),
      payload_count: Array.isArray(body['payloads']) ? body['payloads'].length : 0,
      reference: str(body['urlhaus_reference'], 200),
    },
  };
}

function hostVerdict(body: Json): IntelResult {
  const urls = Array.isArray(body['urls']) ? body['urls'].slice(0, 1000).filter(isRecord) : [];
  const online = urls.filter((u) => u['url_status'] === 'online').length;
  let last: string | null = null;
  const threats = new Set<string>();
  const tags = new Set<string>();
  for (const u of urls) {
    last = pickTime(last, isoTime(u['date_added']), 'max');
    const threat = str(u['threat'], 60);
    if (threat) threats.add(threat);
    for (const t of strings(u['tags'])) if (tags.size < 10) tags.add(t);
  }
  return {
    verdict: online > 0 ? 'malicious' : 'suspicious',
    score: online > 0 ? 0.9 : 0.6,
    first_seen: isoTime(body['firstseen']),
    last_seen: last,
    details: {
      url_count: num(body['url_count']) ?? urls.length,
      urls_online: online,
      threats: [...threats],
      tags: [...tags],
      blacklists: blacklists(body['blacklists']),
      reference: str(body['urlhaus_reference'], 200),
    },
  };
}

function payloadVerdict(body: Json): IntelResult {
  return {
    verdict: 'malicious',
    score: 0.9,
    first_seen: isoTime(body['firstseen']),
    last_seen: isoTime(body['lastseen']),
    details: {
      signature: str(body['signature'], 100),
      file_type: str(body['file_type'], 30),
      url_count: num(body['url_count']) ?? 0,
      virustotal: isRecord(body['virustotal']) ? str(body['virustotal']['result'], 30) : undefined,
    },
  };
}

/** `{ spamhaus_dbl: 'not listed', surbl: 'listed' }` → only the lists that list it. */
function blacklists(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [name, v] of Object.entries(value).slice(0, 10)) {
    const s = str(v, 40);
    if (s && s !== 'not listed') out[name.slice(0, 40)] = s;
  }
  return out;
}
