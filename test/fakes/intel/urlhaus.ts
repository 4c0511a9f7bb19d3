import { startFakeServer } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';

/** What the fake URLhaus holds, keyed by the value sent. */
export interface UrlhausData {
  urls: Record<string, Record<string, unknown>>;
  hosts: Record<string, Record<string, unknown>>;
  /** Keyed by MD5 and by SHA-256. */
  payloads: Record<string, Record<string, unknown>>;
}

/** A URL record as `/v1/url/` and the `urls` list of `/v1/host/` give it. */
export function urlhausUrl(url: string, status: 'online' | 'offline', extra: Record<string, unknown> = {}) {
  return {
    id: '2871033',
    urlhaus_reference: 'https://urlhaus.abuse.ch/url/2871033/',
    url,
    url_status: status,
    host: new URL(url).hostname,
    date_added: '2024-05-02 10:11:12 UTC',
    last_online: status === 'online' ? '2024-05-03 08:00:00 UTC' : '2024-05-02 20:00:00 UTC',
    threat: 'malware_download',
    blacklists: { spamhaus_dbl: 'not listed', surbl: 'listed' },
    reporter: 'abuse_ch',
    larted: 'true',
    takedown_time_seconds: null,
    tags: ['elf', 'mirai'],
    payloads: [],
    ...extra,
  };
}

/**
 * abuse.ch URLhaus API v1 on loopback: form POSTs to `/v1/url/`, `/v1/host/`, `/v1/payload/` with
 * header `Auth-Key` (HTTP 401 `{"query_status":"unknown_auth_key"}` otherwise); `query_status`
 * `ok`, `no_results`, `invalid_url` / `invalid_host` / `invalid_md5_hash`…
 */
export function startUrlhausFake(apiKey: string, data: UrlhausData): Promise<FakeServer> {
  return startFakeServer(
    (req) => {
      if (req.headers['auth-key'] !== apiKey)
        return { status: 401, json: { query_status: 'unknown_auth_key' } };
      if (
        req.method !== 'POST' ||
        !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
      ) {
        return { status: 405, json: { query_status: 'http_post_expected' } };
      }
      const form = new URLSearchParams(req.body);
      if (req.url === '/v1/url/') {
        const url = form.get('url');
        if (!url) return { status: 200, json: { query_status: 'no_url_provided' } };
        if (!/^https?:\/\//.test(url)) return { status: 200, json: { query_status: 'invalid_url' } };
        const rec = data.urls[url];
        return { status: 200, json: rec ? { query_status: 'ok', ...rec } : { query_status: 'no_results' } };
      }
      if (req.url === '/v1/host/') {
        const host = form.get('host');
        if (!host) return { status: 200, json: { query_status: 'no_host_provided' } };
        if (host === 'malformed.example') return { status: 200, text: '<html>oops</html>' };
        const rec = data.hosts[host];
        return {
          status: 200,
          json: rec ? { query_status: 'ok', host, ...rec } : { query_status: 'no_results' },
        };
      }
      if (req.url === '/v1/payload/') {
        const md5 = form.get('md5_hash');
        const sha256 = form.get('sha256_hash');
        if (md5 !== null && !/^[0-9a-f]{32}$/.test(md5))
          return { status: 200, json: { query_status: 'invalid_md5_hash' } };
        if (sha256 !== null && !/^[0-9a-f]{64}$/.test(sha256))
          return { status: 200, json: { query_status: 'invalid_sha256_hash' } };
        const rec = data.payloads[md5 ?? sha256 ?? ''];
        return { status: 200, json: rec ? { query_status: 'ok', ...rec } : { query_status: 'no_results' } };
      }
      return { status: 404, json: { query_status: 'unknown_endpoint' } };
    },
    (retryAfter) => ({
      status: 429,
      headers: { 'retry-after': retryAfter },
      json: { query_status: 'rate_limited' },
    }),
  );
}
