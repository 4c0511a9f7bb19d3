import { isIP } from 'node:net';
import { FakeVendorServer, type FakeAnswer, type SeenRequest } from './fake-vendor.server.ts';

/** What the fake knows about one address (fields of AbuseIPDB's `data`). */
export interface AbuseRecord {
  abuseConfidenceScore: number;
  totalReports?: number;
  numDistinctUsers?: number;
  lastReportedAt?: string | null;
  isWhitelisted?: boolean;
  isTor?: boolean;
  countryCode?: string;
  isp?: string;
  usageType?: string;
}

/** AbuseIPDB's error envelope: `{"errors": [{"detail", "status"}]}`. */
export function abuseError(status: number, detail: string, headers: Record<string, string> = {}): FakeAnswer {
  return { status, headers, body: { errors: [{ detail, status }] } };
}

/**
 * A loopback AbuseIPDB API v2: `GET /api/v2/check?ipAddress=&maxAgeInDays=` with the `Key` and
 * `Accept: application/json` headers, answering `{"data": {...}}` with X-RateLimit-Limit /
 * X-RateLimit-Remaining on every answer; past `dailyLimit` checks, 429 with Retry-After and
 * X-RateLimit-Reset, as the vendor does. 401 for a wrong key, 422 for a bad address.
 */
export function fakeAbuseIpDb(options: {
  apiKey: string;
  records: Record<string, AbuseRecord>;
  dailyLimit?: number;
}) {
  const limit = options.dailyLimit ?? 1000;
  let used = 0;
  return new FakeVendorServer((req: SeenRequest) => {
    if (req.method !== 'GET' || req.path !== '/api/v2/check') return abuseError(404, 'Not found.');
    if (req.headers['key'] !== options.apiKey)
      return abuseError(
        401,
        'Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.',
      );
    const ip = req.query.get('ipAddress') ?? '';
    const maxAge = Number(req.query.get('maxAgeInDays') ?? '30');
    if (!isIP(ip))
      return abuseError(
        422,
        'The ip address must be a valid IPv4 or IPv6 address (e.g. 8.8.8.8 or 2001:4860:4860::8888).',
      );
    if (!(maxAge >= 1 && maxAge <= 365))
      return abuseError(422, 'The max age in days must be between 1 and 365.');
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    if (used >= limit)
      return abuseError(
        429,
        `Daily rate limit of ${limit} requests exceeded for this endpoint. See headers for additional details.`,
        {
          'Retry-After': '3600',
          'X-RateLimit-Limit': String(limit),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': reset,
        },
      );
    used += 1;
    const r = options.records[ip];
    return {
      status: 200,
      headers: { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': String(limit - used) },
      body: {
        data: {
          ipAddress: ip,
          isPublic: true,
          ipVersion: isIP(ip),
          isWhitelisted: r?.isWhitelisted ?? false,
          abuseConfidenceScore: r?.abuseConfidenceScore ?? 0,
          countryCode: r?.countryCode ?? null,
          usageType: r?.usageType ?? null,
          isp: r?.isp ?? null,
          domain: null,
          hostnames: [],
          isTor: r?.isTor ?? false,
          totalReports: r?.totalReports ?? 0,
          numDistinctUsers: r?.numDistinctUsers ?? 0,
          lastReportedAt: r?.lastReportedAt ?? null,
        },
      },
    };
  });
}
