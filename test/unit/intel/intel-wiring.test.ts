import { describe, expect, it } from 'vitest';
import { InProcessCache, InProcessRateLimiter } from '../../../src/adapters/in-process/index.ts';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { NOOP_INTEL_TELEMETRY, SILENT_LOGGER } from '../../../src/ports/index.ts';
import { createIntelProviders } from '../../../src/runtime/intel.wiring.ts';

const deps = () => ({
  cache: new InProcessCache(),
  rateLimiter: new InProcessRateLimiter(),
  telemetry: NOOP_INTEL_TELEMETRY,
  log: SILENT_LOGGER,
});

describe('intel.providers config and wiring', () => {
  it('an API key from TW_INTEL_<NAME>_API_KEY turns a vendor on, beside the implicit local lists', async () => {
    const config = loadConfig({
      env: { TW_INTEL_VIRUSTOTAL_API_KEY: 'vt-secret-1', TW_INTEL_MY_ABUSE_API_KEY: 'ab-secret-2' },
      overrides: {
        data_dir: 'memory://',
        intel: {
          providers: {
            'my-abuse': { kind: 'abuseipdb', timeout: '2s', cache_ttl: '2h', negative_cache_ttl: '5m' },
            off: { kind: 'virustotal', enabled: false },
          },
        },
      },
    });
    expect(config.intel.providers['virustotal']?.api_key).toBe('vt-secret-1');
    expect(config.intel.providers['my-abuse']).toMatchObject({
      api_key: 'ab-secret-2',
      timeout: 2000,
      cache_ttl: 7_200_000,
      negative_cache_ttl: 300_000,
    });
    const providers = await createIntelProviders(config, deps());
    expect(providers.map((p) => p.name)).toEqual(['local-lists', 'my-abuse', 'virustotal']);
    expect(providers[1]?.cacheTtl).toEqual({ default: 7_200_000, negative: 300_000 });
  });

  it('a configured local_lists provider replaces the implicit one', async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        data_dir: 'memory://',
        intel: { providers: { lists: { kind: 'local_lists', demo_list: true } } },
      },
    });
    const providers = await createIntelProviders(config, deps());
    expect(providers.map((p) => p.name)).toEqual(['lists']);
    expect((await providers[0]!.lookup({ type: 'ipv4', value: '185.220.101.47' })).verdict).toBe('malicious');
  });

  it('refuses provider names unfit for labels, and a vendor without its key (without quoting keys)', async () => {
    expect(() =>
      loadConfig({ env: {}, overrides: { intel: { providers: { 'Bad Name!': { kind: 'virustotal' } } } } }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({
        env: {},
        overrides: { intel: { providers: { vt: { kind: 'virustotal', api_url: 'x' } } } },
      }),
    ).toThrow(/unknown key/);
    const config = loadConfig({
      env: {},
      overrides: { data_dir: 'memory://', intel: { providers: { vt: { kind: 'virustotal' } } } },
    });
    await expect(createIntelProviders(config, deps())).rejects.toThrow(
      'intel.providers.vt: virustotal needs an API key (api_key or TW_INTEL_VT_API_KEY)',
    );
  });
});
