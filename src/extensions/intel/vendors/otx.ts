import type { IndicatorType } from '../../../contracts/index.ts';
import type { IntelResult, VendorConfig, VendorProtocol } from '../http/vendor-protocol.ts';
import {
  clampScore,
  isNonPublicIp,
  isRecord,
  isoTime,
  jsonObject,
  pickTime,
  str,
  strings,
  throwForStatus,
  unknown,
} from './vendor-common.ts';

/** AlienVault OTX options. */
export interface OtxConfig extends VendorConfig {
  /** Default `https://otx.alienvault.com`. Sent as `X-OTX-API-KEY`. */
  base_url: string;
  /** Pulses at or above which an indicator is malicious (fewer, but at least one: suspicious). Default 3. */
  malicious_pulses?: number;
}

export const OTX_DEFAULTS: Readonly<OtxConfig> = {
  base_url: 'https://otx.alienvault.com',
  malicious_pulses: 3,
};

/** Our indicator types → OTX's `{section}` path segment. */
const OTX_TYPES: Partial<Record<IndicatorType, string>> = {
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  domain: 'domain',
  hostname: 'hostname',
  url: 'url',
  md5: 'file',
  sha1: 'file',
  sha256: 'file',
};

/**
 * AlienVault OTX (Open Threat Exchange), DirectConnect API v1 — https://otx.alienvault.com/api
 *
 * One call per indicator: `GET /api/v1/indicators/{IPv4|IPv6|domain|hostname|url|file}/{value}/general`
 * with header `X-OTX-API-KEY`. The answer's `pulse_info.count` / `pulse_info.pulses` are the
 * community reports ("pulses") naming the indicator; `validation` / `false_positive` list
 * allowlist sources (Alexa, Majestic, known CDNs…).
 *
 * Normalisation:
 * - `validation` or `false_positive` entries → `clean`, score 0 (OTX itself marks it whitelisted).
 * - `pulse_info.count ≥ malicious_pulses` (3) → `malicious`; 1..2 pulses → `suspicious`.
 * - no pulse, or 404 (OTX has never seen it) → `unknown`, score null.
 * - score = count / (count + 2): 1 pulse 0.33, 3 pulses 0.6, 10 pulses 0.83 (more independent
 *   reports, more certainty, never 1).
 * - first_seen / last_seen: earliest pulse `created`, latest pulse `modified`.
 * - 401/403 → IntelProtocolError; non-public IPs are not sent.
 */
export const otxProtocol: VendorProtocol<OtxConfig> = {
  vendor: 'otx',
  supports: (type) => OTX_TYPES[type] !== undefined,
  request(indicator, config) {
    const section = OTX_TYPES[indicator.type];
    if (!section || isNonPublicIp(indicator.value)) return null;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (config.api_key) headers['x-otx-api-key'] = config.api_key;
    return {
      method: 'GET',
      url: `${config.base_url}/api/v1/indicators/${section}/${encodeURIComponent(indicator.value)}/general`,
      headers,
    };
  },
  parse(response, indicator, config) {
    if (response.status === 404) return unknown({ pulse_count: 0 });
    if (response.status < 200 || response.status > 299) {
      throwForStatus('otx', response, isRecord(response.body) ? str(response.body['detail']) : undefined);
    }
    const body = jsonObject('otx', response);
    const info = body['pulse_info'];
    if (!isRecord(info)) return unknown({ pulse_count: 0 });
    return verdictOf(body, info, indicator.type, indicator.value, config);
  },
};

function verdictOf(
  body: Record<string, unknown>,
  info: Record<string, unknown>,
  type: IndicatorType,
  value: string,
  config: OtxConfig,
): IntelResult {
  // OTX lists a bounded number of pulses; cap anyway, the body is untrusted.
  const pulses = Array.isArray(info['pulses']) ? info['pulses'].slice(0, 200).filter(isRecord) : [];
  const count =
    typeof info['count'] === 'number' && info['count'] >= 0 ? Math.floor(info['count']) : pulses.length;
  let first: string | null = null;
  let last: string | null = null;
  const tags = new Set<string>();
  const families = new Set<string>();
  const adversaries = new Set<string>();
  for (const p of pulses) {
    first = pickTime(first, isoTime(p['created']), 'min');
    last = pickTime(last, isoTime(p['modified']) ?? isoTime(p['created']), 'max');
    for (const t of strings(p['tags'])) if (tags.size < 15) tags.add(t);
    const adversary = str(p['adversary'], 100);
    if (adversary) adversaries.add(adversary);
    for (const f of Array.isArray(p['malware_families']) ? p['malware_families'] : []) {
      // Families are `{ id, display_name }` in general answers, plain strings in some pulse exports.
      const name = isRecord(f) ? str(f['display_name'], 100) : str(f, 100);
      if (name && families.size < 10) families.add(name);
    }
  }
  const allowlisted = [body['validation'], body['false_positive']].some(
    (v) => Array.isArray(v) && v.length > 0,
  );
  const section = OTX_TYPES[type] ?? type;
  const details: Record<string, unknown> = {
    pulse_count: count,
    pulses: pulses
      .slice(0, 5)
      .map((p) => str(p['name'], 120))
      .filter(Boolean),
    tags: [...tags],
    malware_families: [...families],
    adversaries: [...adversaries].slice(0, 5),
    link: `https://otx.alienvault.com/indicator/${section}/${encodeURIComponent(value)}`,
  };
  if (allowlisted) {
    details['allowlisted'] = true;
    return { verdict: 'clean', score: 0, first_seen: first, last_seen: last, details };
  }
  if (count === 0) return { ...unknown(details), first_seen: first, last_seen: last };
  const threshold = config.malicious_pulses ?? OTX_DEFAULTS.malicious_pulses ?? 3;
  return {
    verdict: count >= threshold ? 'malicious' : 'suspicious',
    score: clampScore(count / (count + 2)),
    first_seen: first,
    last_seen: last,
    details,
  };
}
