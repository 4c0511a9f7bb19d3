import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../../../src/adapters/in-process/index.ts';
import { defaultIntelRegistry } from '../../../../src/extensions/intel/index.ts';
import type { IntelProvider } from '../../../../src/ports/index.ts';
import { NOOP_INTEL_TELEMETRY, SILENT_LOGGER } from '../../../../src/ports/index.ts';
import type { FakeServer } from '../../../fakes/intel/fake-server.ts';
import { mispAttribute, startMispFake } from '../../../fakes/intel/misp.ts';
import { otxGeneral, otxPulse, startOtxFake } from '../../../fakes/intel/otx.ts';

/**
 * The vendor protocols registered as provider kinds and run by the real HTTP runner (the protocol
 * tests drive them with a minimal test runner): settings → registry → HttpIntelProvider → vendor.
 */
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function build(name: string, settings: Record<string, unknown>): Promise<IntelProvider> {
  const p = await defaultIntelRegistry().create({
    name,
    settings: settings as never,
    rateLimiter: new InProcessRateLimiter(),
    telemetry: NOOP_INTEL_TELEMETRY,
    log: SILENT_LOGGER,
  });
  closers.push(async () => p.close?.());
  return p;
}

describe('vendor kinds through the registry and the HTTP runner', () => {
  it('lists every vendor kind', () => {
    expect(defaultIntelRegistry().kinds()).toEqual([
      'abuseipdb',
      'greynoise',
      'local_lists',
      'misp',
      'otx',
      'stix_feed',
      'threatfox',
      'urlhaus',
      'virustotal',
    ]);
  });

  it('otx: a pulse-rich IP is malicious, a missing key refuses to build', async () => {
    const key = 'otx-key-0123456789';
    const pulses = [1, 2, 3].map((i) => otxPulse(`Pulse ${i}`, '2024-05-01T00:00:00', '2024-06-01T00:00:00'));
    const fake: FakeServer = await startOtxFake(key, {
      'IPv4/198.51.100.7': otxGeneral('IPv4', '198.51.100.7', pulses),
    });
    closers.push(() => fake.close());
    const otx = await build('otx', { kind: 'otx', base_url: fake.url, api_key: key });
    const v = await otx.lookup({ type: 'ipv4', value: '198.51.100.7' });
    expect(v.verdict).toBe('malicious');
    expect((await otx.lookup({ type: 'ipv4', value: '203.0.113.9' })).verdict).toBe('unknown');
    await expect(build('otx2', { kind: 'otx', base_url: fake.url })).rejects.toThrow(/needs an API key/);
  });

  it('misp: pages are followed by the runner and their state carried to the last page', async () => {
    const key = 'misp-key-0123456789abcdef';
    const attrs = [1, 2, 3, 4, 5].map((i) =>
      // Only the first page's attribute is to_ids: a runner that drops `carry` loses it.
      mispAttribute(i, '198.51.100.7', 'ip-dst', i === 1, {
        id: 10,
        info: 'Emotet wave',
        threat_level_id: '1',
      }),
    );
    const fake: FakeServer = await startMispFake(key, attrs);
    closers.push(() => fake.close());
    await expect(build('misp-nourl', { kind: 'misp', api_key: key })).rejects.toThrow(/needs base_url/);
    const misp = await build('misp', {
      kind: 'misp',
      base_url: fake.url,
      api_key: key,
      options: { page_size: 2, max_pages: 5 },
    });
    const before = fake.requests.length;
    const v = await misp.lookup({ type: 'ipv4', value: '198.51.100.7' });
    expect(fake.requests.length - before).toBe(3);
    expect(v.verdict).toBe('malicious');
  });

  it('stix_feed: a bundle file is loaded and answers lookups from memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-stix-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'bundle.json');
    await writeFile(
      path,
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
            created: '2024-05-01T00:00:00.000Z',
            modified: '2024-05-01T00:00:00.000Z',
            indicator_types: ['malicious-activity'],
            pattern: "[ipv4-addr:value = '198.51.100.99']",
            pattern_type: 'stix',
            valid_from: '2024-05-01T00:00:00Z',
            confidence: 90,
          },
        ],
      }),
    );
    const feed = await build('feed', { kind: 'stix_feed', options: { source: 'bundle_file', path } });
    await expect
      .poll(async () => (await feed.lookup({ type: 'ipv4', value: '198.51.100.99' })).verdict, {
        timeout: 5000,
      })
      .toBe('malicious');
    expect((await feed.lookup({ type: 'ipv4', value: '198.51.100.1' })).verdict).toBe('unknown');
    await expect(build('feed2', { kind: 'stix_feed', options: { source: 'bundle_file' } })).rejects.toThrow(
      /options.path/,
    );
  });
});
