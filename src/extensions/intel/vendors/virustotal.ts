import type { Indicator, IndicatorType } from '../../../contracts/index.ts';
import { isPrivateIp } from '../../../core/ingest/indicators.ts';
import type {
  IntelHttpRequest,
  IntelHttpResponse,
  IntelResult,
  VendorConfig,
  VendorProtocol,
} from '../http/vendor-protocol.ts';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import { compact, errorCode, fromEpochSeconds, num, obj, str } from './vendor-json.ts';

/** The public API root; `base_url` overrides it (a loopback fake in tests). */
export const VIRUSTOTAL_BASE_URL = 'https://www.virustotal.com/api/v3';

/** Engines calling it malicious from which the verdict is malicious (fewer: suspicious). */
export const VT_MALICIOUS_ENGINES = 3;

const COLLECTION: Partial<Record<IndicatorType, string>> = {
  ipv4: 'ip_addresses',
  ipv6: 'ip_addresses',
  domain: 'domains',
  url: 'urls',
  md5: 'files',
  sha1: 'files',
  sha256: 'files',
};

/**
 * VirusTotal API v3: `GET /{ip_addresses|domains|urls|files}/{id}` with the `x-apikey` header (a URL's
 * id is its unpadded base64url). `last_analysis_stats` gives the verdict: ≥ {@link VT_MALICIOUS_ENGINES}
 * engines malicious → malicious; any malicious or suspicious → suspicious; engines answered and none
 * flagged → clean; the score is the share of engines flagging it (suspicious counting half).
 * 404 `NotFoundError` → unknown; 401/403 and other errors (`{"error":{"code","message"}}`) → protocol
 * errors; 429 (`QuotaExceededError`) is the runner's.
 */
export const virusTotalProtocol: VendorProtocol = {
  vendor: 'virustotal',

  supports(type) {
    return COLLECTION[type] !== undefined;
  },

  request(indicator: Indicator, config: VendorConfig): IntelHttpRequest | null {
    const collection = COLLECTION[indicator.type];
    if (!collection) return null;
    if ((indicator.type === 'ipv4' || indicator.type === 'ipv6') && isPrivateIp(indicator.value)) return null;
    const id =
      indicator.type === 'url' ? Buffer.from(indicator.value).toString('base64url') : indicator.value;
    return {
      method: 'GET',
      url: `${config.base_url}/${collection}/${encodeURIComponent(id)}`,
      headers: { 'x-apikey': config.api_key ?? '', accept: 'application/json' },
    };
  },

  parse(response: IntelHttpResponse, indicator: Indicator): IntelResult {
    const body = obj(response.body);
    if (response.status === 404) {
      return { verdict: 'unknown', score: null, first_seen: null, last_seen: null, details: {} };
    }
    if (response.status !== 200) {
      const code = errorCode(obj(body?.['error'])?.['code']);
      const why =
        response.status === 401 || response.status === 403 ? 'refused the API key' : 'refused the request';
      throw new IntelProtocolError(`VirusTotal ${why} (HTTP ${response.status} ${code})`);
    }
    const data = obj(body?.['data']);
    const attributes = obj(data?.['attributes']);
    const stats = obj(attributes?.['last_analysis_stats']);
    if (!data || !attributes || !stats)
      throw new IntelProtocolError('VirusTotal answer has no last_analysis_stats');
    const count = (k: string) => Math.max(0, Math.trunc(num(stats[k]) ?? 0));
    const malicious = count('malicious');
    const suspicious = count('suspicious');
    const harmless = count('harmless');
    const undetected = count('undetected');
    const engines = malicious + suspicious + harmless + undetected;
    const verdict: IntelResult['verdict'] =
      malicious >= VT_MALICIOUS_ENGINES
        ? 'malicious'
        : malicious + suspicious > 0
          ? 'suspicious'
          : engines > 0
            ? 'clean'
            : 'unknown';
    const threat = obj(attributes['popular_threat_classification']);
    const tags = Array.isArray(attributes['tags'])
      ? (attributes['tags'] as unknown[])
          .flatMap((t) => (typeof t === 'string' ? [t.slice(0, 60)] : []))
          .slice(0, 10)
      : undefined;
    const gui = { ip_addresses: 'ip-address', domains: 'domain', urls: 'url', files: 'file' }[
      COLLECTION[indicator.type] as 'ip_addresses'
    ];
    const id = str(data['id'], 300);
    return {
      verdict,
      score: engines > 0 ? Math.min(1, (malicious + suspicious / 2) / engines) : null,
      first_seen: fromEpochSeconds(attributes['first_submission_date']),
      last_seen: fromEpochSeconds(attributes['last_analysis_date']),
      details: compact({
        engines: { malicious, suspicious, harmless, undetected },
        reputation: num(attributes['reputation']),
        threat_label: str(threat?.['suggested_threat_label']),
        tags: tags && tags.length > 0 ? tags : undefined,
        link: id ? `https://www.virustotal.com/gui/${gui}/${encodeURIComponent(id)}` : undefined,
      }),
    };
  },
};
