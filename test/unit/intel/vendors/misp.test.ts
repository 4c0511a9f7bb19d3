import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntelProtocolError } from '../../../../src/extensions/intel/http/vendor-protocol.ts';
import { mispProtocol } from '../../../../src/extensions/intel/vendors/index.ts';
import type { MispConfig } from '../../../../src/extensions/intel/vendors/index.ts';
import type { FakeServer } from '../../../fakes/intel/fake-server.ts';
import { mispAttribute, startMispFake } from '../../../fakes/intel/misp.ts';
import type { FakeRateLimited } from '../../../helpers/run-vendor-protocol.ts';
import { runVendorProtocol } from '../../../helpers/run-vendor-protocol.ts';

const KEY = 'misp-auth-key-0123456789abcdef0123456789abcdef';
let fake: FakeServer;
let config: MispConfig;

beforeAll(async () => {
  const attrs = [];
  // 7 attributes for one IP across events: pages of 3 → 3 requests.
  for (let i = 1; i <= 7; i++) {
    const event = {
      id: i <= 4 ? 10 : 11,
      info: i <= 4 ? 'Emotet wave' : 'Phishing kit',
      threat_level_id: i <= 4 ? '3' : '1',
    };
    attrs.push(
      mispAttribute(i, '198.51.100.7', 'ip-dst', i === 6, event, {
        timestamp: String(1714550400 + i * 86400),
      }),
    );
  }
  attrs.push(
    mispAttribute(20, 'context.example.org', 'domain', false, { id: 12, info: 'Sighted in OSINT report' }),
  );
  attrs.push(
    mispAttribute(
      21,
      'ids.example.org',
      'domain',
      true,
      { id: 13, info: 'No level shared' },
      { first_seen: '2024-01-02T03:04:05.000000+00:00', last_seen: '2024-02-02T03:04:05.000000+00:00' },
    ),
  );
  fake = await startMispFake(KEY, attrs);
  config = { base_url: fake.url, api_key: KEY, page_size: 3, max_pages: 5 };
});
afterAll(() => fake.close());

describe('MISP protocol against a loopback MISP', () => {
  it('follows page/limit pagination and folds every page into one verdict', async () => {
    const before = fake.requests.length;
    const { result, requests } = await runVendorProtocol(
      mispProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      config,
    );
    expect(requests).toBe(3);
    const bodies = fake.requests.slice(before).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => b['page'])).toEqual([1, 2, 3]);
    expect(bodies[0]).toMatchObject({ returnFormat: 'json', value: '198.51.100.7', limit: 3 });
    expect(fake.requests.at(-1)?.headers).toMatchObject({
      authorization: KEY,
      accept: 'application/json',
      'content-type': 'application/json',
    });
    // The only to_ids attribute (id 6, page 2) belongs to a high-threat event.
    expect(result).toMatchObject({
      verdict: 'malicious',
      score: 0.95,
      first_seen: '2024-05-02T08:00:00.000Z',
      last_seen: '2024-05-08T08:00:00.000Z',
    });
    expect(result?.details).toMatchObject({
      attribute_count: 7,
      to_ids_count: 1,
      events: [
        { id: '10', info: 'Emotet wave', threat_level_id: 3 },
        { id: '11', info: 'Phishing kit', threat_level_id: 1 },
      ],
    });
  });

  it('stops at max_pages and says the answer is truncated', async () => {
    const { result, requests } = await runVendorProtocol(
      mispProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      { ...config, max_pages: 2 },
    );
    expect(requests).toBe(2);
    expect(result?.details).toMatchObject({ attribute_count: 6, truncated: true });
  });

  it('no to_ids is suspicious; to_ids without a level is 0.8 with attribute first/last seen; nothing is unknown', async () => {
    expect(
      (await runVendorProtocol(mispProtocol, { type: 'domain', value: 'context.example.org' }, config))
        .result,
    ).toMatchObject({ verdict: 'suspicious', score: 0.5 });
    expect(
      (await runVendorProtocol(mispProtocol, { type: 'domain', value: 'ids.example.org' }, config)).result,
    ).toMatchObject({
      verdict: 'malicious',
      score: 0.8,
      first_seen: '2024-01-02T03:04:05.000Z',
      last_seen: '2024-02-02T03:04:05.000Z',
    });
    const none = await runVendorProtocol(mispProtocol, { type: 'sha256', value: 'c'.repeat(64) }, config);
    expect(none).toMatchObject({ requests: 1, result: { verdict: 'unknown', score: null } });
  });

  it('bad key → IntelProtocolError without the key; malformed → IntelProtocolError; 429 has Retry-After', async () => {
    const bad = runVendorProtocol(
      mispProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      { ...config, api_key: 'leaky-secret' },
    );
    await expect(bad).rejects.toThrow(/misp: API key rejected \(HTTP 403\)/);
    await expect(bad).rejects.not.toThrow(/leaky-secret/);
    await expect(
      runVendorProtocol(mispProtocol, { type: 'domain', value: 'malformed.example' }, config),
    ).rejects.toBeInstanceOf(IntelProtocolError);
    // An HTML page (what MISP answers without Accept: application/json) is malformed too.
    expect(() =>
      mispProtocol.parse(
        { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' },
        { type: 'ipv4', value: '198.51.100.7' },
        config,
      ),
    ).toThrow(IntelProtocolError);
    fake.rateLimitNext('12');
    const limited = (await runVendorProtocol(
      mispProtocol,
      { type: 'ipv4', value: '198.51.100.7' },
      config,
    ).catch((e: unknown) => e)) as FakeRateLimited;
    expect(limited.retryAfter).toBe('12');
  });
});
