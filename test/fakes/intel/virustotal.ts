import { FakeVendorServer, type FakeAnswer, type SeenRequest } from './fake-vendor.server.ts';

/** `last_analysis_stats` of a VirusTotal object (the engines' answers). */
export interface VtStats {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
  timeout?: number;
}

/** What the fake knows about one object: its analysis stats and a few attributes. */
export interface VtObject {
  stats: VtStats;
  attributes?: Record<string, unknown>;
}

const TYPE: Record<string, string> = {
  ip_addresses: 'ip_address',
  domains: 'domain',
  urls: 'url',
  files: 'file',
};

/** VirusTotal's error envelope: `{"error": {"code", "message"}}`. */
export function vtError(status: number, code: string, message: string): FakeAnswer {
  return { status, body: { error: { code, message } } };
}

/**
 * A loopback VirusTotal API v3: `GET /api/v3/{ip_addresses|domains|urls|files}/{id}` with the
 * `x-apikey` header, answering `{"data": {"id", "type", "links", "attributes": {...,
 * "last_analysis_stats"}}}`; `NotFoundError` (404) for unknown objects, `WrongCredentialsError` (401)
 * for a wrong key, `QuotaExceededError` (429) past `perMinute` requests. URL ids are the unpadded
 * base64url of the URL, as VirusTotal computes them.
 */
export function fakeVirusTotal(options: {
  apiKey: string;
  objects: Record<string, VtObject>;
  perMinute?: number;
}) {
  let windowStart = Date.now();
  let inWindow = 0;
  const server = new FakeVendorServer((req: SeenRequest) => {
    const m = /^\/api\/v3\/(ip_addresses|domains|urls|files)\/([^/]+)$/.exec(req.path);
    if (req.method !== 'GET' || !m?.[1] || !m[2]) return vtError(404, 'NotFoundError', 'Resource not found');
    if (req.headers['x-apikey'] === undefined)
      return vtError(401, 'AuthenticationRequiredError', 'X-Apikey header is missing');
    if (req.headers['x-apikey'] !== options.apiKey)
      return vtError(401, 'WrongCredentialsError', 'Wrong API key');
    if (options.perMinute !== undefined) {
      if (Date.now() - windowStart >= 60_000) {
        windowStart = Date.now();
        inWindow = 0;
      }
      if (++inWindow > options.perMinute) return vtError(429, 'QuotaExceededError', 'Quota exceeded');
    }
    const [collection, id] = [m[1], m[2]];
    const key = collection === 'urls' ? Buffer.from(id, 'base64url').toString('utf8') : id;
    const found = options.objects[key];
    if (!found) {
      const what = { ip_addresses: 'IP address', domains: 'Domain', urls: 'URL', files: 'File' }[
        collection as 'files'
      ];
      return vtError(404, 'NotFoundError', `${what} "${id}" not found`);
    }
    return {
      status: 200,
      body: {
        data: {
          id,
          type: TYPE[collection],
          links: { self: `https://www.virustotal.com/api/v3/${collection}/${id}` },
          attributes: {
            last_analysis_stats: { timeout: 0, ...found.stats },
            last_analysis_results: {},
            reputation: 0,
            tags: [],
            total_votes: { harmless: 0, malicious: 0 },
            ...found.attributes,
          },
        },
      },
    };
  });
  return server;
}
