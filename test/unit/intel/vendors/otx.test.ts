import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntelProtocolError } from '../../../../src/extensions/intel/http/vendor-protocol.ts';
import { OTX_DEFAULTS, otxProtocol } from '../../../../src/extensions/intel/vendors/index.ts';
import type { OtxConfig } from '../../../../src/extensions/intel/vendors/index.ts';
import { otxGeneral, otxPulse, startOtxFake } from '../../../fakes/intel/otx.ts';
import type { FakeServer } from '../../../fakes/intel/fake-server.ts';
import { FakeRateLimited, runVendorProtocol } from '../../../helpers/run-vendor-protocol.ts';

const KEY = 'otx-key-1f2e3d';
const URL_IOC = 'http://bad.example.net/gate.php?id=1';
let fake: FakeServer;
let config: OtxConfig;

beforeAll(async () => {
  const pulse = (n: number) =>
    otxPulse(`Campaign ${n}`, `2024-0${n}-01T10:00:00.000000`, `2024-0${n}-15T10:00:00.000000`);
  fake = await startOtxFake(KEY, {
    'IPv4/198.51.100.7': otxGeneral('IPv4', '198.51.100.7', [pulse(1), pulse(2), pulse(3), pulse(4)]),
    'domain/one-pulse.example': otxGeneral('domain', 'one-pulse.example', [pulse(2)]),
    'IPv4/192.0.2.44': otxGeneral('IPv4', '192.0.2.44', []),
    'domain/google.com': otxGeneral('domain', 'google.com', [pulse(1)], {
      validation: [
        { source: 'majestic', message: 'Whitelisted domain google.com', name: 'Whitelisted domain' },
      ],
    }),
    [`url/${URL_IOC}`]: otxGeneral('url', URL_IOC, [pulse(1), pulse(2), pulse(3)]),
    'file/44d88612fea8a8f36de82e1278abb02f': otxGeneral('FileHash-MD5', '44d88612fea8a8f36de82e1278abb02f', [
      pulse(5),
    ]),
  });
  config = { ...OTX_DEFAULTS, base_url: fake.url, api_key: KEY };
});
afterAll(() => fake.close());

describe('AlienVault OTX protocol against a loopback OTX', () => {
  it('maps pulse counts to verdicts and scores, with first/last seen from the pulses', async () => {
    const { result } = await runVendorProtocol(otxProtocol, { type: 'ipv4', value: '198.51.100.7' }, config);
    expect(result).toMatchObject({
      verdict: 'malicious',
      score: 0.667,
      first_seen: '2024-01-01T10:00:00.000Z',
      last_seen: '2024-04-15T10:00:00.000Z',
    });
    expect(result?.details).toMatchObject({ pulse_count: 4, malware_families: ['Emotet'], tags: ['c2'] });
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'GET',
      url: '/api/v1/indicators/IPv4/198.51.100.7/general',
    });

    const one = await runVendorProtocol(otxProtocol, { type: 'domain', value: 'one-pulse.example' }, config);
    expect(one.result).toMatchObject({ verdict: 'suspicious', score: 0.333 });
  });

  it('URLs and hashes use the url and file sections; the URL is one encoded path segment', async () => {
    const url = await runVendorProtocol(otxProtocol, { type: 'url', value: URL_IOC }, config);
    expect(url.result?.verdict).toBe('malicious');
    expect(fake.requests.at(-1)?.url).toBe(`/api/v1/indicators/url/${encodeURIComponent(URL_IOC)}/general`);
    const file = await runVendorProtocol(
      otxProtocol,
      { type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f' },
      config,
    );
    expect(file.result?.verdict).toBe('suspicious');
  });

  it('allowlisted (validation) is clean; zero pulses and 404 are unknown; private IPs are not sent', async () => {
    expect(
      (await runVendorProtocol(otxProtocol, { type: 'domain', value: 'google.com' }, config)).result,
    ).toMatchObject({ verdict: 'clean', score: 0 });
    expect(
      (await runVendorProtocol(otxProtocol, { type: 'ipv4', value: '192.0.2.44' }, config)).result,
    ).toMatchObject({ verdict: 'unknown', score: null });
    expect(
      (await runVendorProtocol(otxProtocol, { type: 'domain', value: 'never-seen.example' }, config)).result,
    ).toMatchObject({ verdict: 'unknown', score: null });
    const before = fake.requests.length;
    expect(await runVendorProtocol(otxProtocol, { type: 'ipv4', value: '10.1.2.3' }, config)).toEqual({
      result: null,
      requests: 0,
    });
    expect(otxProtocol.supports('email')).toBe(false);
    expect(fake.requests.length).toBe(before);
  });

  it('a bad key is an IntelProtocolError that does not contain the key', async () => {
    const bad = runVendorProtocol(
      otxProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      { ...config, api_key: 'wrong-secret-key' },
    );
    await expect(bad).rejects.toBeInstanceOf(IntelProtocolError);
    await expect(bad).rejects.toThrow(/HTTP 403/);
    await expect(bad).rejects.not.toThrow(/wrong-secret-key/);
  });

  it('a malformed body is an IntelProtocolError; 429 carries Retry-After to the runner', async () => {
    await expect(
      runVendorProtocol(otxProtocol, { type: 'domain', value: 'malformed.example' }, config),
    ).rejects.toBeInstanceOf(IntelProtocolError);
    fake.rateLimitNext('30');
    const limited = await runVendorProtocol(
      otxProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      config,
    ).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(FakeRateLimited);
    expect((limited as FakeRateLimited).retryAfter).toBe('30');
  });
});
