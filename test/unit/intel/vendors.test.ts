import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../../src/adapters/in-process/index.ts';
import type { Indicator } from '../../../src/contracts/index.ts';
import { defaultIntelRegistry } from '../../../src/extensions/intel/index.ts';
import type { IntelProvider } from '../../../src/ports/index.ts';
import { NOOP_INTEL_TELEMETRY, SILENT_LOGGER } from '../../../src/ports/index.ts';
import { fakeAbuseIpDb } from '../../fakes/intel/abuseipdb.ts';
import type { FakeVendorServer } from '../../fakes/intel/fake-vendor.server.ts';
import { fakeVirusTotal } from '../../fakes/intel/virustotal.ts';

const VT_KEY = 'vt-key-0123456789abcdef';
const ABUSE_KEY = 'abuse-key-0123456789abcdef';
const BAD_URL = 'http://login-micros0ft-secure.com/owa/auth?x=1';
const HASH = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/** Builds a provider the way the runtime does: through the registry, from settings. */
async function provider(
  name: string,
  kind: string,
  settings: Record<string, unknown>,
): Promise<IntelProvider> {
  return defaultIntelRegistry().create({
    name,
    settings: { kind, ...settings },
    rateLimiter: new InProcessRateLimiter(),
    telemetry: NOOP_INTEL_TELEMETRY,
    log: SILENT_LOGGER,
  });
}

describe('VirusTotal v3 against a loopback VirusTotal', () => {
  let vt: FakeVendorServer;
  let p: IntelProvider;
  beforeAll(async () => {
    vt = fakeVirusTotal({
      apiKey: VT_KEY,
      objects: {
        '185.220.101.47': {
          stats: { malicious: 12, suspicious: 1, harmless: 60, undetected: 20 },
          attributes: { last_analysis_date: 1_733_000_000, tags: ['tor'], reputation: -25 },
        },
        'pastebin.com': { stats: { malicious: 1, suspicious: 0, harmless: 70, undetected: 22 } },
        'example.org': { stats: { malicious: 0, suspicious: 0, harmless: 66, undetected: 27 } },
        [BAD_URL]: {
          stats: { malicious: 9, suspicious: 0, harmless: 50, undetected: 30 },
          attributes: { first_submission_date: 1_700_000_000, last_analysis_date: 1_733_000_000 },
        },
        [HASH]: {
          stats: { malicious: 50, suspicious: 0, harmless: 0, undetected: 10 },
          attributes: {
            first_submission_date: 1_600_000_000,
            popular_threat_classification: { suggested_threat_label: 'trojan.dropper/demo' },
          },
        },
      },
    });
    const origin = await vt.start();
    p = await provider('vt', 'virustotal', {
      base_url: `${origin}/api/v3`,
      api_key: VT_KEY,
      rate_limit: 1000,
    });
  });
  afterAll(async () => {
    await vt.close();
  });

  const look = (type: Indicator['type'], value: string) => p.lookup({ type, value });

  it('maps last_analysis_stats to a verdict and a score, with first/last seen', async () => {
    const ip = await look('ipv4', '185.220.101.47');
    expect(ip).toMatchObject({
      verdict: 'malicious',
      first_seen: null,
      last_seen: '2024-11-30T20:53:20.000Z',
    });
    expect(ip.score).toBeCloseTo(12.5 / 93);
    expect(ip.details).toEqual({
      engines: { malicious: 12, suspicious: 1, harmless: 60, undetected: 20 },
      reputation: -25,
      tags: ['tor'],
      link: 'https://www.virustotal.com/gui/ip-address/185.220.101.47',
    });
    expect((await look('domain', 'pastebin.com')).verdict).toBe('suspicious');
    expect(await look('domain', 'example.org')).toMatchObject({ verdict: 'clean', score: 0 });
    const file = await look('sha256', HASH);
    expect(file).toMatchObject({ verdict: 'malicious', first_seen: '2020-09-13T12:26:40.000Z' });
    expect(file.details['threat_label']).toBe('trojan.dropper/demo');
  });

  it('asks for a URL by its unpadded base64url id, with the x-apikey header', async () => {
    vt.requests.length = 0;
    expect((await look('url', BAD_URL)).verdict).toBe('malicious');
    const id = Buffer.from(BAD_URL).toString('base64url');
    expect(id).not.toContain('=');
    expect(vt.requests.map((r) => [r.path, r.headers['x-apikey'], r.headers['accept']])).toEqual([
      [`/api/v3/urls/${id}`, VT_KEY, 'application/json'],
    ]);
  });

  it('answers NotFoundError as unknown, and asks nothing about private addresses or unsupported types', async () => {
    vt.requests.length = 0;
    expect(await look('ipv4', '198.51.100.1')).toEqual({
      verdict: 'unknown',
      score: null,
      first_seen: null,
      last_seen: null,
      details: {},
    });
    expect(vt.requests).toHaveLength(1);
    expect((await look('ipv4', '10.1.2.3')).verdict).toBe('unknown');
    expect(vt.requests).toHaveLength(1);
    expect(p.supports('username')).toBe(false);
    expect(p.supports('sha1')).toBe(true);
  });

  it('a wrong key is a provider error that names the vendor code, not the key', async () => {
    const wrong = await provider('vt-wrong', 'virustotal', {
      base_url: `${vt.origin}/api/v3`,
      api_key: 'nope-nope',
    });
    await expect(wrong.lookup({ type: 'ipv4', value: '185.220.101.47' })).rejects.toMatchObject({
      reason: 'bad_response',
      message: 'vt-wrong: VirusTotal refused the API key (HTTP 401 WrongCredentialsError)',
    });
  });

  it('QuotaExceededError (429) is rate limiting: retried, then an error', async () => {
    const limited = fakeVirusTotal({ apiKey: VT_KEY, objects: {}, perMinute: 0 });
    const origin = await limited.start();
    try {
      const q = await provider('vt-q', 'virustotal', {
        base_url: `${origin}/api/v3`,
        api_key: VT_KEY,
        max_retries: 1,
        rate_limit: 1000,
      });
      await expect(q.lookup({ type: 'domain', value: 'example.org' })).rejects.toMatchObject({
        reason: 'rate_limited',
      });
      expect(limited.requests).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});

describe('AbuseIPDB v2 against a loopback AbuseIPDB', () => {
  let abuse: FakeVendorServer;
  let p: IntelProvider;
  beforeAll(async () => {
    abuse = fakeAbuseIpDb({
      apiKey: ABUSE_KEY,
      dailyLimit: 6,
      records: {
        '185.220.101.47': {
          abuseConfidenceScore: 100,
          totalReports: 812,
          numDistinctUsers: 203,
          lastReportedAt: '2026-12-04T22:10:05+00:00',
          isTor: true,
          countryCode: 'DE',
          usageType: 'Data Center/Web Hosting/Transit',
        },
        '45.155.205.233': { abuseConfidenceScore: 40, totalReports: 3 },
        '8.8.8.8': { abuseConfidenceScore: 0, totalReports: 12, isWhitelisted: true },
        '2001:db8::1': { abuseConfidenceScore: 80, totalReports: 5 },
      },
    });
    const origin = await abuse.start();
    p = await provider('abuse', 'abuseipdb', { base_url: `${origin}/api/v2/`, api_key: ABUSE_KEY });
  });
  afterAll(async () => {
    await abuse.close();
  });

  it('maps abuseConfidenceScore to verdict and score, sending Key, Accept and the query', async () => {
    const r = await p.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(r).toEqual({
      verdict: 'malicious',
      score: 1,
      first_seen: null,
      last_seen: '2026-12-04T22:10:05.000Z',
      details: {
        abuse_confidence: 100,
        total_reports: 812,
        distinct_users: 203,
        country: 'DE',
        usage_type: 'Data Center/Web Hosting/Transit',
        is_tor: true,
        link: 'https://www.abuseipdb.com/check/185.220.101.47',
      },
    });
    const req = abuse.requests[0]!;
    expect([req.path, req.query.get('ipAddress'), req.query.get('maxAgeInDays')]).toEqual([
      '/api/v2/check',
      '185.220.101.47',
      '90',
    ]);
    expect([req.headers['key'], req.headers['accept']]).toEqual([ABUSE_KEY, 'application/json']);
    expect((await p.lookup({ type: 'ipv4', value: '45.155.205.233' })).verdict).toBe('suspicious');
    expect(await p.lookup({ type: 'ipv4', value: '8.8.8.8' })).toMatchObject({ verdict: 'clean', score: 0 });
    expect(await p.lookup({ type: 'ipv4', value: '198.51.100.9' })).toMatchObject({
      verdict: 'unknown',
      score: 0,
    });
    expect((await p.lookup({ type: 'ipv6', value: '2001:db8::1' })).verdict).toBe('malicious');
  });

  it('skips private addresses and non-IP indicators', async () => {
    const before = abuse.requests.length;
    expect((await p.lookup({ type: 'ipv4', value: '192.168.1.10' })).verdict).toBe('unknown');
    expect(abuse.requests.length).toBe(before);
    expect(p.supports('domain')).toBe(false);
  });

  it('the daily limit (429 with Retry-After: 3600) fails at once and pauses further calls', async () => {
    // 5 checks so far; the 6th is the last allowed one.
    await p.lookup({ type: 'ipv4', value: '203.0.113.50' });
    await expect(p.lookup({ type: 'ipv4', value: '203.0.113.51' })).rejects.toMatchObject({
      reason: 'rate_limited',
      message: 'abuse: rate limited by the vendor (HTTP 429)',
    });
    const last = abuse.requests.length;
    await expect(p.lookup({ type: 'ipv4', value: '203.0.113.52' })).rejects.toMatchObject({
      reason: 'rate_limited',
    });
    expect(abuse.requests.length).toBe(last);
  });

  it('a wrong key is refused with a message free of it', async () => {
    const wrong = await provider('abuse-wrong', 'abuseipdb', {
      base_url: `${abuse.origin}/api/v2`,
      api_key: 'wrong-key-1',
    });
    const err = (await wrong
      .lookup({ type: 'ipv4', value: '185.220.101.47' })
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('abuse-wrong: AbuseIPDB refused the API key (HTTP 401)');
  });
});

describe('intel provider registry', () => {
  it('refuses unknown kinds, bad names and vendors without a key, naming the env variable', async () => {
    await expect(provider('x', 'nope', {})).rejects.toThrow(
      'intel.providers.x: unknown kind "nope" (known: abuseipdb, greynoise, local_lists, misp, otx, stix_feed, threatfox, urlhaus, virustotal)',
    );
    await expect(provider('Bad Name', 'virustotal', { api_key: 'k' })).rejects.toThrow(/must match/);
    await expect(provider('my-vt', 'virustotal', {})).rejects.toThrow(
      'intel.providers.my-vt: virustotal needs an API key (api_key or TW_INTEL_MY_VT_API_KEY)',
    );
    expect(() => defaultIntelRegistry().register('virustotal', () => ({}) as IntelProvider)).toThrow(/twice/);
  });
});
