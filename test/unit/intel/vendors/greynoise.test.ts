import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntelProtocolError } from '../../../../src/extensions/intel/http/vendor-protocol.ts';
import { GREYNOISE_DEFAULTS, greyNoiseProtocol } from '../../../../src/extensions/intel/vendors/index.ts';
import type { GreyNoiseConfig } from '../../../../src/extensions/intel/vendors/index.ts';
import type { FakeServer } from '../../../fakes/intel/fake-server.ts';
import { startGreyNoiseFake } from '../../../fakes/intel/greynoise.ts';
import type { FakeRateLimited } from '../../../helpers/run-vendor-protocol.ts';
import { runVendorProtocol } from '../../../helpers/run-vendor-protocol.ts';

const KEY = 'gn-key-77aa';
let fake: FakeServer;
let config: GreyNoiseConfig;
const lookup = (ip: string, c: GreyNoiseConfig = config) =>
  runVendorProtocol(greyNoiseProtocol, { type: 'ipv4', value: ip }, c);

beforeAll(async () => {
  fake = await startGreyNoiseFake(KEY, {
    '198.51.100.7': {
      noise: true,
      riot: false,
      classification: 'malicious',
      name: 'unknown',
      last_seen: '2024-05-01',
    },
    '198.51.100.8': {
      noise: true,
      riot: false,
      classification: 'benign',
      name: 'Shodan.io',
      last_seen: '2024-05-02',
    },
    '198.51.100.9': {
      noise: true,
      riot: false,
      classification: 'unknown',
      name: 'unknown',
      last_seen: '2024-05-03',
    },
    '192.0.2.53': {
      noise: false,
      riot: true,
      classification: 'benign',
      name: 'Cloudflare',
      last_seen: '2024-05-04',
    },
  });
  config = { ...GREYNOISE_DEFAULTS, base_url: fake.url, api_key: KEY };
});
afterAll(() => fake.close());

describe('GreyNoise community protocol against a loopback GreyNoise', () => {
  it('classification, noise and riot map to verdicts; last_seen is read', async () => {
    expect((await lookup('198.51.100.7')).result).toMatchObject({
      verdict: 'malicious',
      score: 0.8,
      last_seen: '2024-05-01T00:00:00.000Z',
    });
    expect((await lookup('198.51.100.8')).result).toMatchObject({
      verdict: 'clean',
      score: 0.05,
      details: { name: 'Shodan.io' },
    });
    expect((await lookup('198.51.100.9')).result).toMatchObject({ verdict: 'suspicious', score: 0.4 });
    expect((await lookup('192.0.2.53')).result).toMatchObject({
      verdict: 'clean',
      score: 0,
      details: { riot: true, link: 'https://viz.greynoise.io/riot/192.0.2.53' },
    });
    expect(fake.requests.at(-1)).toMatchObject({ url: '/v3/community/192.0.2.53', headers: { key: KEY } });
  });

  it('404 (not observed) is unknown; the community tier works without a key; private IPs are not sent', async () => {
    expect((await lookup('203.0.113.200')).result).toMatchObject({
      verdict: 'unknown',
      score: null,
      details: { observed: false },
    });
    const { result } = await lookup('198.51.100.7', { base_url: fake.url });
    expect(result?.verdict).toBe('malicious');
    expect(fake.requests.at(-1)?.headers['key']).toBeUndefined();
    expect((await lookup('192.168.1.1')).result).toBeNull();
    expect(greyNoiseProtocol.supports('ipv6')).toBe(false);
  });

  it('bad key → IntelProtocolError without the key; malformed → IntelProtocolError; 429 keeps its message', async () => {
    const bad = lookup('198.51.100.7', { ...config, api_key: 'leaky-secret' });
    await expect(bad).rejects.toThrow(/greynoise: API key rejected \(HTTP 401\)/);
    await expect(bad).rejects.not.toThrow(/leaky-secret/);
    await expect(lookup('203.0.113.99')).rejects.toBeInstanceOf(IntelProtocolError);
    fake.rateLimitNext('3600');
    const limited = (await lookup('198.51.100.7').catch((e: unknown) => e)) as FakeRateLimited;
    expect(limited.retryAfter).toBe('3600');
    // Should the runner hand a 429 to parse anyway, the vendor's explanation survives, bounded.
    expect(() =>
      greyNoiseProtocol.parse(
        { status: 429, headers: {}, body: limited.body },
        { type: 'ipv4', value: '198.51.100.7' },
        config,
      ),
    ).toThrow(/rate limited \(HTTP 429\): You have hit your daily rate limit/);
  });
});
