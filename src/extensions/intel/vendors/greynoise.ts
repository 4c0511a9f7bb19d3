import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { VendorConfig, VendorProtocol } from '../http/vendor-protocol.ts';
import {
  isNonPublicIp,
  isRecord,
  isoTime,
  jsonObject,
  str,
  throwForStatus,
  unknown,
} from './vendor-common.ts';

/** GreyNoise Community API options. */
export interface GreyNoiseConfig extends VendorConfig {
  /** Default `https://api.greynoise.io`. `api_key` is optional (sent as `key`; without one the daily quota is lower). */
  base_url: string;
}

export const GREYNOISE_DEFAULTS: Readonly<GreyNoiseConfig> = { base_url: 'https://api.greynoise.io' };

/**
 * GreyNoise Community API v3 — https://docs.greynoise.io/reference/getcommunityip
 *
 * One call per IPv4 address: `GET /v3/community/{ip}` with header `key` (optional). The answer:
 * `{ ip, noise, riot, classification: benign|malicious|unknown, name, link, last_seen, message }`.
 * 404 means GreyNoise has not seen the address scanning the internet and it is not in RIOT
 * (its list of common business services); 400 is an address it does not accept; 401 a bad key;
 * 429 `{ plan, rate-limit, message }` the community quota.
 *
 * GreyNoise says what an address does to *everyone* (internet background noise), not whether it
 * targets us, so its strongest verdict stays below a targeted-threat source's:
 * - `riot: true` and not malicious → `clean` 0 (a known business service: CDN, SaaS, DNS…).
 * - `classification: malicious` → `malicious` 0.8.
 * - `classification: benign` → `clean` 0.05 (a known benign scanner such as a search engine).
 * - `noise: true`, classification `unknown` → `suspicious` 0.4 (mass-scanning, intent unknown).
 * - 404 or nothing of the above → `unknown`.
 * - last_seen: `last_seen` (a date); GreyNoise community gives no first_seen.
 */
export const greyNoiseProtocol: VendorProtocol<GreyNoiseConfig> = {
  vendor: 'greynoise',
  supports: (type) => type === 'ipv4',
  request(indicator, config) {
    if (indicator.type !== 'ipv4' || isNonPublicIp(indicator.value)) return null;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (config.api_key) headers['key'] = config.api_key;
    return {
      method: 'GET',
      url: `${config.base_url}/v3/community/${encodeURIComponent(indicator.value)}`,
      headers,
    };
  },
  parse(response) {
    const message = isRecord(response.body) ? str(response.body['message']) : undefined;
    if (response.status === 404) return unknown({ observed: false });
    if (response.status === 400) return unknown({ observed: false, rejected: true });
    if (response.status < 200 || response.status > 299) throwForStatus('greynoise', response, message);
    const body = jsonObject('greynoise', response);
    if (typeof body['noise'] !== 'boolean' && typeof body['riot'] !== 'boolean') {
      throw new IntelProtocolError('greynoise: malformed answer (no noise/riot flags)');
    }
    const classification = str(body['classification'], 20) ?? 'unknown';
    const noise = body['noise'] === true;
    const riot = body['riot'] === true;
    const details = {
      observed: true,
      noise,
      riot,
      classification,
      name: str(body['name'], 100),
      link: str(body['link'], 200),
    };
    const lastSeen = isoTime(body['last_seen']);
    const base = { first_seen: null, last_seen: lastSeen, details };
    if (classification === 'malicious') return { ...base, verdict: 'malicious', score: 0.8 };
    if (riot) return { ...base, verdict: 'clean', score: 0 };
    if (classification === 'benign') return { ...base, verdict: 'clean', score: 0.05 };
    if (noise) return { ...base, verdict: 'suspicious', score: 0.4 };
    return { ...unknown(details), last_seen: lastSeen };
  },
};
