import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StixFeedIntelProvider } from '../../../../src/extensions/intel/vendors/index.ts';
import type { TaxiiConfig } from '../../../../src/extensions/intel/vendors/index.ts';
import { startTaxiiFake, stixIndicator } from '../../../fakes/intel/taxii.ts';
import type { TaxiiFake } from '../../../fakes/intel/taxii.ts';

const COLLECTION = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';
const SHA = 'e1f2'.repeat(16);
const NOW = Date.parse('2024-06-01T00:00:00Z');
let fake: TaxiiFake;
let taxii: TaxiiConfig;
let dir: string;

const stamp = (n: number) => `2024-05-0${n}T00:00:00.000Z`;

beforeAll(async () => {
  fake = await startTaxiiFake(COLLECTION, 'feed-user', 'feed-pass-s3cret');
  taxii = {
    api_root: `${fake.url}/api1`,
    collection_id: COLLECTION,
    username: 'feed-user',
    password: 'feed-pass-s3cret',
    page_size: 2,
  };
  fake.add(
    [
      stixIndicator(1, "[ipv4-addr:value = '198.51.100.7']"),
      {
        type: 'malware',
        spec_version: '2.1',
        id: 'malware--00000000-0000-4000-8000-000000000001',
        name: 'Emotet',
        is_family: true,
      },
      stixIndicator(2, "[domain-name:value = 'c2.example.net' OR url:value = 'http://c2.example.net/gate']", {
        indicator_types: ['anomalous-activity'],
        confidence: 60,
      }),
      stixIndicator(3, "[ipv4-addr:value = '203.0.113.0/24']"),
      stixIndicator(4, `[file:hashes.'SHA-256' = '${SHA}']`, { valid_until: '2024-05-20T00:00:00Z' }),
      stixIndicator(5, "[ipv4-addr:value = '198.51.100.8'] FOLLOWEDBY [domain-name:value = 'x.example']"),
    ],
    [stamp(1), stamp(1), stamp(2), stamp(3), stamp(4), stamp(5)],
  );
  dir = await mkdtemp(join(tmpdir(), 'tw-stix-'));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('TAXII 2.1 feed provider against a loopback TAXII server', () => {
  const provider = () =>
    new StixFeedIntelProvider({ source: { kind: 'taxii', taxii }, name: 'taxii-test', now: () => NOW });

  it('pages through the collection with basic auth and the TAXII media type, and answers lookups from memory', async () => {
    const feed = provider();
    const before = fake.requests.length;
    const report = await feed.poll();
    // match[type]=indicator: the server leaves the malware object out.
    expect(report).toMatchObject({ outcome: 'ok', pages: 3, objects: 5, added: 4, unsupported: 1 });
    const sent = fake.requests.slice(before);
    expect(sent[0]?.headers).toMatchObject({
      accept: 'application/taxii+json;version=2.1',
      authorization: `Basic ${Buffer.from('feed-user:feed-pass-s3cret').toString('base64')}`,
    });
    expect(new URL(sent[0]?.url ?? '', 'http://x').searchParams.get('match[type]')).toBe('indicator');
    expect(sent.map((r) => new URL(r.url, 'http://x').searchParams.has('next'))).toEqual([false, true, true]);
    expect(feed.stats).toMatchObject({ indicators: 4, added_after: stamp(5), unsupported: 1 });

    const requestsBefore = fake.requests.length;
    expect(feed.match({ type: 'ipv4', value: '198.51.100.7' })).toMatchObject({
      verdict: 'malicious',
      score: 0.85,
      first_seen: '2024-05-01T00:00:00.000Z',
      details: { feed: 'taxii-test', match_count: 1 },
    });
    expect(feed.match({ type: 'ipv4', value: '203.0.113.77' })).toMatchObject({ verdict: 'malicious' });
    expect(feed.match({ type: 'hostname', value: 'C2.example.net' })).toMatchObject({
      verdict: 'suspicious',
      score: 0.6,
    });
    expect(feed.match({ type: 'url', value: 'http://c2.example.net/gate' }).verdict).toBe('suspicious');
    // Expired (valid_until 2024-05-20, clock 2024-06-01) and the FOLLOWEDBY pattern never match.
    expect(feed.match({ type: 'sha256', value: SHA }).verdict).toBe('unknown');
    expect(feed.match({ type: 'ipv4', value: '198.51.100.8' }).verdict).toBe('unknown');
    expect(await feed.lookup({ type: 'ipv4', value: '198.51.100.9' })).toMatchObject({
      verdict: 'unknown',
      score: null,
    });
    expect(fake.requests.length).toBe(requestsBefore);
  });

  it('polls incrementally with added_after: updates replace, revocations remove, new ones are added', async () => {
    const feed = provider();
    await feed.poll();
    fake.add(
      [
        stixIndicator(1, "[ipv4-addr:value = '198.51.100.7']", {
          modified: '2024-05-10T00:00:00.000Z',
          indicator_types: ['benign'],
        }),
        stixIndicator(3, "[ipv4-addr:value = '203.0.113.0/24']", {
          modified: '2024-05-10T00:00:00.000Z',
          revoked: true,
        }),
        stixIndicator(6, "[email-addr:value = 'ceo@phish.example']"),
      ],
      [stamp(6), stamp(7), stamp(8)],
    );
    const before = fake.requests.length;
    const report = await feed.poll();
    expect(new URL(fake.requests[before]?.url ?? '', 'http://x').searchParams.get('added_after')).toBe(
      stamp(5),
    );
    expect(report).toMatchObject({ outcome: 'ok', objects: 3, added: 1, updated: 1, removed: 1 });
    expect(feed.match({ type: 'ipv4', value: '198.51.100.7' })).toMatchObject({ verdict: 'clean', score: 0 });
    expect(await feed.lookup({ type: 'ipv4', value: '198.51.100.7' })).toMatchObject({ verdict: 'clean' });
    expect(feed.match({ type: 'ipv4', value: '203.0.113.77' }).verdict).toBe('unknown');
    expect(feed.match({ type: 'email', value: 'CEO@phish.example' }).verdict).toBe('malicious');
    expect(feed.stats.added_after).toBe(stamp(8));

    // Nothing new: one request, nothing changes.
    expect(await feed.poll()).toMatchObject({ outcome: 'ok', pages: 1, objects: 0 });
  });

  it('a 429 postpones the next poll by Retry-After and the next poll resumes where it stopped', async () => {
    const feed = new StixFeedIntelProvider({
      source: { kind: 'taxii', taxii },
      max_pages_per_poll: 1,
      now: () => NOW,
    });
    expect(await feed.poll()).toMatchObject({ outcome: 'ok', pages: 1, objects: 2 });
    const cursor = feed.stats.added_after;
    expect(cursor).toBe(stamp(2));
    fake.rateLimitNext('120');
    expect(await feed.poll()).toMatchObject({ outcome: 'rate_limited', retry_after_ms: 120_000, pages: 0 });
    expect(feed.stats.added_after).toBe(cursor);
    const before = fake.requests.length;
    expect(await feed.poll()).toMatchObject({ outcome: 'ok', pages: 1 });
    expect(new URL(fake.requests[before]?.url ?? '', 'http://x').searchParams.get('added_after')).toBe(
      cursor,
    );
  });

  it('a bad password is an error report without the secret, and the data held is kept', async () => {
    const feed = new StixFeedIntelProvider({
      source: { kind: 'taxii', taxii: { ...taxii, password: 'wrong-s3cret' } },
    });
    const report = await feed.poll();
    expect(report).toMatchObject({ outcome: 'error', error: 'taxii: API key rejected (HTTP 401)' });
    expect(JSON.stringify(report)).not.toContain('s3cret');
    const unknownCollection = new StixFeedIntelProvider({
      source: { kind: 'taxii', taxii: { ...taxii, collection_id: 'nope' } },
    });
    expect(await unknownCollection.poll()).toMatchObject({
      outcome: 'error',
      error: 'taxii: unexpected answer (HTTP 404): Collection not found',
    });
  });

  it('pages by added_after when the server sends `more` without `next`, and accepts an API key header', async () => {
    fake.useNextTokens(false);
    fake.acceptToken('Token feed-api-key');
    try {
      const { username: _u, password: _p, ...keyed } = taxii;
      const feed = new StixFeedIntelProvider({
        source: { kind: 'taxii', taxii: { ...keyed, api_key: 'Token feed-api-key' } },
        now: () => NOW,
      });
      const before = fake.requests.length;
      const report = await feed.poll();
      const sent = fake.requests.slice(before);
      expect(sent[0]?.headers['authorization']).toBe('Token feed-api-key');
      expect(sent.map((r) => new URL(r.url, 'http://x').searchParams.get('added_after'))).toEqual([
        null,
        stamp(2),
        stamp(4),
        stamp(6),
      ]);
      expect(report).toMatchObject({ outcome: 'ok', pages: 4 });
      expect(feed.match({ type: 'email', value: 'ceo@phish.example' }).verdict).toBe('malicious');
    } finally {
      fake.useNextTokens(true);
    }
  });

  it('after a 429 the poller waits Retry-After, not the (long) interval', async () => {
    const feed = new StixFeedIntelProvider({
      source: { kind: 'taxii', taxii },
      poll_interval_ms: 3_600_000,
      now: () => NOW,
    });
    fake.rateLimitNext('1');
    feed.start();
    try {
      // Only the retry one second after the 429 can bring an ok poll before the hour is up.
      await vi.waitFor(() => expect(feed.stats.last_poll).toBe('ok'), { timeout: 15_000, interval: 100 });
    } finally {
      await feed.stop();
    }
  });

  it('holds at most max_values, evicting the oldest indicators', async () => {
    const feed = new StixFeedIntelProvider({
      source: { kind: 'taxii', taxii },
      max_values: 3,
      now: () => NOW,
    });
    await feed.poll();
    expect(feed.stats).toMatchObject({ values: 3 });
    expect(feed.stats.evicted).toBeGreaterThan(0);
    // The newest (email, added last) is held; the first one was evicted.
    expect(feed.match({ type: 'email', value: 'ceo@phish.example' }).verdict).toBe('malicious');
    expect(feed.match({ type: 'domain', value: 'c2.example.net' }).verdict).toBe('unknown');
  });

  it('start() polls on its own and stop() is idempotent', async () => {
    const feed = new StixFeedIntelProvider({
      source: { kind: 'taxii', taxii },
      poll_interval_ms: 60_000,
      now: () => NOW,
    });
    feed.start();
    feed.start();
    await vi.waitFor(() => expect(feed.stats.last_poll).toBe('ok'), { timeout: 10_000 });
    await feed.stop();
    await feed.stop();
    expect(feed.stats.indicators).toBeGreaterThan(0);
  });
});

describe('plain STIX 2.1 bundle feed', () => {
  it('reads a bundle URL, honours its ETag, and replaces the whole set on change', async () => {
    fake.setBundle([
      stixIndicator(10, "[domain-name:value = 'bundle.example']"),
      stixIndicator(11, "[ipv4-addr:value = '192.0.2.10']"),
    ]);
    const feed = new StixFeedIntelProvider({
      source: { kind: 'bundle-url', url: `${fake.url}/feeds/bundle.json` },
      now: () => NOW,
    });
    expect(await feed.poll()).toMatchObject({ outcome: 'ok', added: 2 });
    expect(await feed.poll()).toMatchObject({ outcome: 'unchanged' });
    expect(fake.requests.at(-1)?.headers['if-none-match']).toMatch(/^"/);
    fake.setBundle([stixIndicator(11, "[ipv4-addr:value = '192.0.2.10']")]);
    expect(await feed.poll()).toMatchObject({ outcome: 'ok', added: 1 });
    expect(feed.match({ type: 'domain', value: 'bundle.example' }).verdict).toBe('unknown');
    expect(feed.match({ type: 'ipv4', value: '192.0.2.10' }).verdict).toBe('malicious');
  });

  it('reads a bundle file; a file that is not a bundle is an error report, not a throw', async () => {
    const file = join(dir, 'feed.json');
    await writeFile(
      file,
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--1',
        objects: [stixIndicator(20, `[file:hashes.MD5 = '${'f1a2'.repeat(8)}']`)],
      }),
    );
    const feed = new StixFeedIntelProvider({ source: { kind: 'bundle-file', path: file }, now: () => NOW });
    expect(await feed.poll()).toMatchObject({ outcome: 'ok', added: 1 });
    expect(feed.match({ type: 'md5', value: 'F1A2'.repeat(8) }).verdict).toBe('malicious');
    await writeFile(file, '{"type":"not-a-bundle"}');
    expect(await feed.poll()).toMatchObject({ outcome: 'error', error: 'stix: not a STIX bundle' });
    expect(feed.stats.indicators).toBe(1);
  });
});
