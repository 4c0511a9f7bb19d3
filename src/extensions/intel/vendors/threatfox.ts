import type { IndicatorType } from '../../../contracts/index.ts';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { VendorConfig, VendorProtocol } from '../http/vendor-protocol.ts';
import { urlHost } from '../indicator-match.ts';
import {
  clampScore,
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

/** abuse.ch ThreatFox options. */
export interface ThreatFoxConfig extends VendorConfig {
  /** Default `https://threatfox-api.abuse.ch`. `api_key` is the abuse.ch Auth-Key. */
  base_url: string;
  /** Highest `confidence_level` (0..100) below which a hit is only suspicious. Default 50. */
  malicious_confidence?: number;
}

export const THREATFOX_DEFAULTS: Readonly<ThreatFoxConfig> = {
  base_url: 'https://threatfox-api.abuse.ch',
  malicious_confidence: 50,
};

const SUPPORTED = new Set<IndicatorType>(['ipv4', 'ipv6', 'domain', 'hostname', 'url', 'md5', 'sha256']);
const HASHES = new Set<IndicatorType>(['md5', 'sha256']);
/** At most this many IOC records are read from one answer. */
const MAX_RECORDS = 200;

/**
 * abuse.ch ThreatFox API v1 — https://threatfox.abuse.ch/api/
 *
 * One JSON `POST /api/v1/` with header `Auth-Key`:
 * - `{"query":"search_ioc","search_term":…}` for IPs, domains, hostnames and URLs;
 * - `{"query":"search_hash","hash":…}` for MD5/SHA-256 of a malware sample: the IOCs (C2s,
 *   payload URLs) ThreatFox links to that sample.
 *
 * `query_status` is `ok` (records in `data`), `no_result`, or `illegal_search_term` /
 * `illegal_hash`; an unknown Auth-Key is HTTP 401.
 *
 * search_ioc matches substrings and stores IPs as `ip:port`, so records are kept only when their
 * `ioc` is the indicator itself, `indicator:port`, or a URL whose host is the indicator.
 *
 * Normalisation (every ThreatFox IOC is a C2, payload or payload-delivery indicator):
 * - highest `confidence_level` ≥ `malicious_confidence` (50) → `malicious`, else `suspicious`;
 *   score = highest confidence / 100.
 * - `no_result`, `illegal_*` or no record left after matching → `unknown`.
 * - first_seen / last_seen: earliest `first_seen`, latest `last_seen` (or `first_seen`).
 */
export const threatFoxProtocol: VendorProtocol<ThreatFoxConfig> = {
  vendor: 'threatfox',
  supports: (type) => SUPPORTED.has(type),
  request(indicator, config) {
    if (!SUPPORTED.has(indicator.type) || isNonPublicIp(indicator.value)) return null;
    const query = HASHES.has(indicator.type)
      ? { query: 'search_hash', hash: indicator.value }
      : { query: 'search_ioc', search_term: indicator.value };
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
    };
    if (config.api_key) headers['auth-key'] = config.api_key;
    return { method: 'POST', url: `${config.base_url}/api/v1/`, headers, body: JSON.stringify(query) };
  },
  parse(response, indicator, config) {
    if (response.status < 200 || response.status > 299) {
      throwForStatus(
        'threatfox',
        response,
        isRecord(response.body) ? str(response.body['query_status']) : undefined,
      );
    }
    const body = jsonObject('threatfox', response);
    const status = str(body['query_status'], 60);
    if (status === undefined) throw new IntelProtocolError('threatfox: malformed answer (no query_status)');
    if (/auth/i.test(status)) throw new IntelProtocolError('threatfox: API key rejected');
    if (status === 'no_result' || status.startsWith('illegal_')) return unknown({ query_status: status });
    if (status !== 'ok') throw new IntelProtocolError('threatfox: unexpected query_status');
    // On `ok`, `data` is the record list; anything else is a body we cannot trust.
    if (!Array.isArray(body['data']))
      throw new IntelProtocolError('threatfox: malformed answer (data is not a list)');
    const records = body['data'].slice(0, MAX_RECORDS).filter(isRecord);
    const hits = HASHES.has(indicator.type) ? records : records.filter((r) => matches(r, indicator.value));
    if (hits.length === 0) return unknown({ query_status: status, records: records.length });
    return verdictOf(hits, config);
  },
};

function matches(record: Json, value: string): boolean {
  const ioc = str(record['ioc'], 2048)?.toLowerCase();
  if (!ioc) return false;
  const v = value.toLowerCase();
  if (ioc === v) return true;
  // ip:port records; IPv6 ones are `[addr]:port`.
  if (ioc.startsWith(`${v}:`) || ioc.startsWith(`[${v}]:`)) return /:\d{1,5}$/.test(ioc);
  return ioc.includes('://') && urlHost(ioc) === v;
}

function verdictOf(hits: Json[], config: ThreatFoxConfig) {
  let confidence = 0;
  let first: string | null = null;
  let last: string | null = null;
  const malware = new Set<string>();
  const threatTypes = new Set<string>();
  const tags = new Set<string>();
  for (const r of hits) {
    confidence = Math.max(confidence, Math.min(100, Math.max(0, num(r['confidence_level']) ?? 0)));
    first = pickTime(first, isoTime(r['first_seen']), 'min');
    last = pickTime(last, isoTime(r['last_seen']) ?? isoTime(r['first_seen']), 'max');
    const family = str(r['malware_printable'], 100) ?? str(r['malware'], 100);
    if (family && malware.size < 10) malware.add(family);
    const threat = str(r['threat_type'], 60);
    if (threat) threatTypes.add(threat);
    for (const t of strings(r['tags'])) if (tags.size < 10) tags.add(t);
  }
  const threshold = config.malicious_confidence ?? THREATFOX_DEFAULTS.malicious_confidence ?? 50;
  return {
    verdict: confidence >= threshold ? ('malicious' as const) : ('suspicious' as const),
    score: clampScore(confidence / 100),
    first_seen: first,
    last_seen: last,
    details: {
      ioc_count: hits.length,
      confidence_level: confidence,
      malware: [...malware],
      threat_types: [...threatTypes],
      tags: [...tags],
    },
  };
}
