import { describe, expect, it } from 'vitest';
import { loadConfig, webhookSourceOrigin } from '../../../src/config/index.ts';

describe('webhook source configuration', () => {
  it('per-source require_timestamp and rate_limit; env sources are told apart for the start log', () => {
    const config = loadConfig({
      env: {
        TW_WEBHOOK_SECRET_ACME_EDR: 'acme-edr-secret-0123456789',
        TW_WEBHOOK_REQUIRE_TIMESTAMP_ACME_EDR: 'true',
        TW_WEBHOOKS__PREVIOUS_ENCRYPTION_KEYS: `${'a'.repeat(64)}, ${'b'.repeat(64)}`,
      },
      overrides: {
        webhooks: { sources: { splunk: { secret: 'splunk-secret-0123456789', rate_limit: 60 } } },
      },
    });
    expect(config.webhooks.sources['acme-edr']).toEqual({
      secret: 'acme-edr-secret-0123456789',
      require_timestamp: true,
    });
    expect(config.webhooks.sources.splunk?.rate_limit).toBe(60);
    expect(webhookSourceOrigin(config, 'acme-edr')).toBe('env');
    expect(webhookSourceOrigin(config, 'splunk')).toBe('config');
    expect(config.webhooks.rotation_grace).toBe(24 * 3_600_000);
    expect(config.webhooks.previous_encryption_keys).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
  });

  it('refuses a rate_limit below 1 naming the key', () => {
    expect(() =>
      loadConfig({ env: {}, overrides: { webhooks: { sources: { splunk: { rate_limit: 0 } } } } }),
    ).toThrow(/webhooks\.sources\.splunk\.rate_limit/);
  });
});
