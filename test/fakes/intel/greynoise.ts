import { isIPv4 } from 'node:net';
import { startFakeServer } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';

/** A community record: `{ noise, riot, classification, name, last_seen }`. */
export type GreyNoiseRecord = {
  noise: boolean;
  riot: boolean;
  classification: string;
  name: string;
  last_seen: string;
};

/**
 * GreyNoise Community API v3 on loopback: `GET /v3/community/{ip}`, header `key` (optional; a
 * wrong one is 401). 200 `{ ip, noise, riot, classification, name, link, last_seen, message }`,
 * 404 not observed, 400 not a routable address, 429 `{ plan, rate-limit, plan_url, message }`.
 */
export function startGreyNoiseFake(
  apiKey: string,
  records: Record<string, GreyNoiseRecord>,
): Promise<FakeServer> {
  return startFakeServer(
    (req) => {
      const key = req.headers['key'];
      if (key !== undefined && key !== apiKey)
        return { status: 401, json: { message: 'Authentication required' } };
      const m = /^\/v3\/community\/([^/?]+)$/.exec(req.url);
      if (req.method !== 'GET' || !m?.[1]) return { status: 404, json: { message: 'Not found' } };
      const ip = decodeURIComponent(m[1]);
      if (!isIPv4(ip))
        return { status: 400, json: { message: 'Request is not a valid routable IPv4 address' } };
      if (ip === '203.0.113.99') return { status: 200, json: { ip, message: 'Success' } };
      const rec = records[ip];
      if (!rec) {
        return {
          status: 404,
          json: {
            ip,
            noise: false,
            riot: false,
            message: 'IP not observed scanning the internet or contained in RIOT data set.',
          },
        };
      }
      const link = `https://viz.greynoise.io/${rec.riot ? 'riot' : 'ip'}/${ip}`;
      return { status: 200, json: { ip, ...rec, link, message: 'Success' } };
    },
    (retryAfter) => ({
      status: 429,
      headers: { 'retry-after': retryAfter },
      json: {
        plan: 'unauthenticated',
        'rate-limit': '100-lookups/day',
        plan_url: 'https://greynoise.io/pricing',
        message:
          'You have hit your daily rate limit of 100 requests per day. Please create a free account or upgrade your plan.',
      },
    }),
  );
}
