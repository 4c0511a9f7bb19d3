import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntelProtocolError } from '../../../../src/extensions/intel/http/vendor-protocol.ts';
import {
  THREATFOX_DEFAULTS,
  threatFoxProtocol,
  URLHAUS_DEFAULTS,
  urlhausProtocol,
} from '../../../../src/extensions/intel/vendors/index.ts';
import type { ThreatFoxConfig, UrlhausConfig } from '../../../../src/extensions/intel/vendors/index.ts';
import type { FakeServer } from '../../../fakes/intel/fake-server.ts';
import { startThreatFoxFake, threatFoxIoc } from '../../../fakes/intel/threatfox.ts';
import { startUrlhausFake, urlhausUrl } from '../../../fakes/intel/urlhaus.ts';
import type { FakeRateLimited } from '../../../helpers/run-vendor-protocol.ts';
import { runVendorProtocol } from '../../../helpers/run-vendor-protocol.ts';

const KEY = 'abusech-auth-key-9a8b7c';
const SHA = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);

describe('abuse.ch URLhaus protocol against a loopback URLhaus', () => {
  let fake: FakeServer;
  let config: UrlhausConfig;
  beforeAll(async () => {
    fake = await startUrlhausFake(KEY, {
      urls: {
        'http://198.51.100.7/bins/mozi.m': urlhausUrl('http://198.51.100.7/bins/mozi.m', 'online'),
        'http://old.example.org/x.exe': urlhausUrl('http://old.example.org/x.exe', 'offline', {
          last_online: null,
        }),
      },
      hosts: {
        'live.example.org': {
          urlhaus_reference: 'https://urlhaus.abuse.ch/host/live.example.org/',
          firstseen: '2024-03-01 08:00:00 UTC',
          url_count: '2',
          blacklists: { spamhaus_dbl: 'abused_legit_malware', surbl: 'not listed' },
          urls: [
            urlhausUrl('http://live.example.org/a', 'online'),
            urlhausUrl('http://live.example.org/b', 'offline'),
          ],
        },
        'cleaned.example.org': {
          firstseen: '2023-01-01 00:00:00 UTC',
          url_count: '1',
          blacklists: {},
          urls: [urlhausUrl('http://cleaned.example.org/a', 'offline')],
        },
      },
      payloads: {
        [SHA]: {
          md5_hash: MD5,
          sha256_hash: SHA,
          file_type: 'exe',
          file_size: '4096',
          signature: 'AgentTesla',
          firstseen: '2024-02-01 10:00:00',
          lastseen: '2024-02-03 11:00:00',
          url_count: '3',
          virustotal: { result: '52 / 70', percent: '74.29', link: 'https://www.virustotal.com/' },
          urls: [],
        },
      },
    });
    config = { ...URLHAUS_DEFAULTS, base_url: fake.url, api_key: KEY };
  });
  afterAll(() => fake.close());

  it('url: online is malicious 0.95, offline malicious 0.8, with form body and Auth-Key', async () => {
    const online = await runVendorProtocol(
      urlhausProtocol,
      { type: 'url', value: 'http://198.51.100.7/bins/mozi.m' },
      config,
    );
    expect(online.result).toMatchObject({
      verdict: 'malicious',
      score: 0.95,
      first_seen: '2024-05-02T10:11:12.000Z',
      last_seen: '2024-05-03T08:00:00.000Z',
    });
    expect(online.result?.details).toMatchObject({
      url_status: 'online',
      threat: 'malware_download',
      tags: ['elf', 'mirai'],
      blacklists: { surbl: 'listed' },
    });
    const sent = fake.requests.at(-1);
    expect(sent).toMatchObject({ method: 'POST', url: '/v1/url/' });
    expect(new URLSearchParams(sent?.body).get('url')).toBe('http://198.51.100.7/bins/mozi.m');
    const offline = await runVendorProtocol(
      urlhausProtocol,
      { type: 'url', value: 'http://old.example.org/x.exe' },
      config,
    );
    expect(offline.result).toMatchObject({ verdict: 'malicious', score: 0.8, last_seen: null });
  });

  it('host: online URLs are malicious, only offline ones suspicious; payloads are malicious', async () => {
    const live = await runVendorProtocol(
      urlhausProtocol,
      { type: 'domain', value: 'live.example.org' },
      config,
    );
    expect(live.result).toMatchObject({
      verdict: 'malicious',
      score: 0.9,
      first_seen: '2024-03-01T08:00:00.000Z',
    });
    expect(live.result?.details).toMatchObject({
      url_count: 2,
      urls_online: 1,
      blacklists: { spamhaus_dbl: 'abused_legit_malware' },
    });
    const cleaned = await runVendorProtocol(
      urlhausProtocol,
      { type: 'hostname', value: 'cleaned.example.org' },
      config,
    );
    expect(cleaned.result).toMatchObject({ verdict: 'suspicious', score: 0.6 });
    const sample = await runVendorProtocol(urlhausProtocol, { type: 'sha256', value: SHA }, config);
    expect(sample.result).toMatchObject({
      verdict: 'malicious',
      score: 0.9,
      details: { signature: 'AgentTesla', url_count: 3 },
    });
    expect(new URLSearchParams(fake.requests.at(-1)?.body).get('sha256_hash')).toBe(SHA);
  });

  it('no_results and invalid_* are unknown', async () => {
    expect(
      (await runVendorProtocol(urlhausProtocol, { type: 'url', value: 'https://nothing.example/' }, config))
        .result,
    ).toMatchObject({ verdict: 'unknown', details: { query_status: 'no_results' } });
    expect(
      (await runVendorProtocol(urlhausProtocol, { type: 'url', value: 'ftp://odd.example/' }, config)).result,
    ).toMatchObject({ verdict: 'unknown', details: { query_status: 'invalid_url' } });
    expect(
      (await runVendorProtocol(urlhausProtocol, { type: 'md5', value: MD5 }, config)).result?.verdict,
    ).toBe('unknown');
  });

  it('bad key → IntelProtocolError without the key; malformed → IntelProtocolError; 429 has Retry-After', async () => {
    const bad = runVendorProtocol(
      urlhausProtocol,
      { type: 'domain', value: 'live.example.org' },
      { ...config, api_key: 'leaky-secret' },
    );
    await expect(bad).rejects.toBeInstanceOf(IntelProtocolError);
    await expect(bad).rejects.not.toThrow(/leaky-secret/);
    await expect(
      runVendorProtocol(urlhausProtocol, { type: 'domain', value: 'malformed.example' }, config),
    ).rejects.toThrow(/urlhaus: malformed/);
    fake.rateLimitNext('60');
    const limited = await runVendorProtocol(
      urlhausProtocol,
      { type: 'domain', value: 'live.example.org' },
      config,
    ).catch((e: unknown) => e);
    expect((limited as FakeRateLimited).retryAfter).toBe('60');
  });
});

describe('abuse.ch ThreatFox protocol against a loopback ThreatFox', () => {
  let fake: FakeServer;
  let config: ThreatFoxConfig;
  beforeAll(async () => {
    fake = await startThreatFoxFake(
      KEY,
      [
        threatFoxIoc('198.51.100.7:443', 'ip:port', 100, { last_seen: '2024-04-20 12:00:00 UTC' }),
        threatFoxIoc('198.51.100.70:8080', 'ip:port', 100),
        threatFoxIoc('lowconf.example.net', 'domain', 25, {
          malware_printable: 'Unknown malware',
          threat_type: 'payload_delivery',
        }),
        threatFoxIoc('https://c2.example.net/submit.php', 'url', 75),
      ],
      { [SHA]: [threatFoxIoc('203.0.113.9:80', 'ip:port', 90, { malware_printable: 'AsyncRAT' })] },
    );
    config = { ...THREATFOX_DEFAULTS, base_url: fake.url, api_key: KEY };
  });
  afterAll(() => fake.close());

  it('search_ioc: an IP matches its ip:port records only (not a longer IP), confidence → score', async () => {
    const { result } = await runVendorProtocol(
      threatFoxProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      config,
    );
    expect(result).toMatchObject({
      verdict: 'malicious',
      score: 1,
      first_seen: '2024-04-01T09:00:00.000Z',
      last_seen: '2024-04-20T12:00:00.000Z',
    });
    expect(result?.details).toMatchObject({
      ioc_count: 1,
      malware: ['Cobalt Strike'],
      threat_types: ['botnet_cc'],
    });
    expect(JSON.parse(fake.requests.at(-1)?.body ?? '{}')).toEqual({
      query: 'search_ioc',
      search_term: '198.51.100.7',
    });
    expect(fake.requests.at(-1)?.headers['auth-key']).toBe(KEY);
  });

  it('low confidence is suspicious; a URL host matches a domain lookup; hashes use search_hash', async () => {
    expect(
      (await runVendorProtocol(threatFoxProtocol, { type: 'domain', value: 'lowconf.example.net' }, config))
        .result,
    ).toMatchObject({ verdict: 'suspicious', score: 0.25 });
    expect(
      (await runVendorProtocol(threatFoxProtocol, { type: 'domain', value: 'c2.example.net' }, config))
        .result,
    ).toMatchObject({ verdict: 'malicious', score: 0.75 });
    const hash = await runVendorProtocol(threatFoxProtocol, { type: 'sha256', value: SHA }, config);
    expect(hash.result).toMatchObject({
      verdict: 'malicious',
      score: 0.9,
      details: { malware: ['AsyncRAT'] },
    });
    expect(JSON.parse(fake.requests.at(-1)?.body ?? '{}')).toEqual({ query: 'search_hash', hash: SHA });
  });

  it('no_result, illegal terms and substring-only hits are unknown', async () => {
    expect(
      (await runVendorProtocol(threatFoxProtocol, { type: 'domain', value: 'nothing.example' }, config))
        .result,
    ).toMatchObject({ verdict: 'unknown', details: { query_status: 'no_result' } });
    expect(
      (await runVendorProtocol(threatFoxProtocol, { type: 'md5', value: MD5 }, config)).result?.verdict,
    ).toBe('unknown');
    // `example.net` is a substring of the records' IOCs but none of them is that domain.
    expect(
      (await runVendorProtocol(threatFoxProtocol, { type: 'domain', value: 'example.net' }, config)).result,
    ).toMatchObject({ verdict: 'unknown', details: { records: 2 } });
  });

  it('bad key → IntelProtocolError without the key; malformed data → IntelProtocolError; 429 has Retry-After', async () => {
    const bad = runVendorProtocol(
      threatFoxProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      { ...config, api_key: 'leaky-secret' },
    );
    await expect(bad).rejects.toThrow(/threatfox: API key rejected \(HTTP 401\)/);
    await expect(bad).rejects.not.toThrow(/leaky-secret/);
    await expect(
      runVendorProtocol(threatFoxProtocol, { type: 'domain', value: 'malformed.example' }, config),
    ).rejects.toBeInstanceOf(IntelProtocolError);
    fake.rateLimitNext('5');
    const limited = await runVendorProtocol(
      threatFoxProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      config,
    ).catch((e: unknown) => e);
    expect((limited as FakeRateLimited).retryAfter).toBe('5');
  });
});
