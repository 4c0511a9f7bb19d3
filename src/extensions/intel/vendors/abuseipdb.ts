import type { Indicator } from '../../../contracts/index.ts';
import { isPrivateIp } from '../../../core/ingest/indicators.ts';
import type {
  IntelHttpRequest,
  IntelHttpResponse,
  IntelResult,
  VendorConfig,
  VendorProtocol,
} from '../http/vendor-protocol.ts';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import { compact, isoDate, num, obj, str } from './vendor-json.ts';

/** The public API root; `base_url` overrides it (a loopback fake in tests). */
export const ABUSEIPDB_BASE_URL = 'https://api.abuseipdb.com/api/v2';

/** Reports older than this are ignored by the vendor's score (its `maxAgeInDays`, 1..365). */
export const ABUSEIPDB_MAX_AGE_DAYS = 90;

/**
 * AbuseIPDB API v2: `GET /check?ipAddress=&maxAgeInDays=` with the `Key` and `Accept:
 * application/json` headers. `data.abuseConfidenceScore` (0..100) is the score: ≥ 75 malicious,
 * ≥ 25 suspicious; an allowlisted address (`isWhitelisted`) is clean; anything else (no or few
 * reports) unknown. Private addresses are not asked about. Errors (`{"errors":[{"detail","status"}]}`)
 * are protocol errors; 429 (with Retry-After and X-RateLimit-*) is the runner's.
 */
export const abuseIpDbProtocol: VendorProtocol = {
  vendor: 'abuseipdb',

  supports(type) {
    return type === 'ipv4' || type === 'ipv6';
  },

  request(indicator: Indicator, config: VendorConfig): IntelHttpRequest | null {
    if ((indicator.type !== 'ipv4' && indicator.type !== 'ipv6') || isPrivateIp(indicator.value)) return null;
    const query = new URLSearchParams({
      ipAddress: indicator.value,
      maxAgeInDays: String(ABUSEIPDB_MAX_AGE_DAYS),
    });
    return {
      method: 'GET',
      url: `${config.base_url}/check?${query.toString()}`,
      headers: { Key: config.api_key ?? '', Accept: 'application/json' },
    };
  },

  parse(response: IntelHttpResponse, indicator: Indicator): IntelResult {
    const body = obj(response.body);
    if (response.status !== 200) {
      const why =
        response.status === 401 || response.status === 403 ? 'refused the API key' : 'refused the request';
      throw new IntelProtocolError(`AbuseIPDB ${why} (HTTP ${response.status})`);
    }
    const data = obj(body?.['data']);
    const confidence = num(data?.['abuseConfidenceScore']);
    if (!data || confidence === undefined || confidence < 0 || confidence > 100)
      throw new IntelProtocolError('AbuseIPDB answer has no abuseConfidenceScore');
    const reports = Math.max(0, Math.trunc(num(data['totalReports']) ?? 0));
    const verdict: IntelResult['verdict'] =
      confidence >= 75
        ? 'malicious'
        : confidence >= 25
          ? 'suspicious'
          : data['isWhitelisted'] === true
            ? 'clean'
            : 'unknown';
    return {
      verdict,
      score: confidence / 100,
      first_seen: null,
      last_seen: isoDate(data['lastReportedAt']),
      details: compact({
        abuse_confidence: confidence,
        total_reports: reports,
        distinct_users: num(data['numDistinctUsers']),
        country: str(data['countryCode'], 8),
        isp: str(data['isp']),
        usage_type: str(data['usageType']),
        is_tor: typeof data['isTor'] === 'boolean' ? data['isTor'] : undefined,
        allowlisted: data['isWhitelisted'] === true ? true : undefined,
        link: `https://www.abuseipdb.com/check/${encodeURIComponent(indicator.value)}`,
      }),
    };
  },
};
