import { describe, expect, it } from 'vitest';
import {
  API_KEY_PATTERN,
  apiKeyPrefix,
  csrfTokenOf,
  generateApiKey,
  generateSessionToken,
  safeEqual,
  sha256Hex,
} from '../../../src/core/identity/index.ts';
import { TEST_ADMIN_KEY } from '../../helpers/auth.ts';

describe('API keys and session tokens', () => {
  it('keys are tw_<prefix>_<secret> with a >= 32-char base62 secret, and only their hash is kept', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const k = generateApiKey();
      expect(k.key).toMatch(API_KEY_PATTERN);
      expect(k.key.split('_')[2]!.length).toBeGreaterThanOrEqual(32);
      expect(apiKeyPrefix(k.key)).toBe(k.prefix);
      expect(k.hash).toBe(sha256Hex(k.key));
      expect(k.hash).not.toContain(k.key.split('_')[2]);
      seen.add(k.key);
    }
    expect(seen.size).toBe(200);
  });

  it('the test admin key is well formed (so the config accepts it)', () => {
    expect(TEST_ADMIN_KEY).toMatch(API_KEY_PATTERN);
  });

  it('malformed keys have no prefix', () => {
    for (const bad of [
      '',
      'tw__x',
      'tw_abc_short',
      `xx_abcdefgh_${'a'.repeat(40)}`,
      `tw_abcdefgh_${'a'.repeat(31)}`,
    ]) {
      expect(apiKeyPrefix(bad)).toBeNull();
    }
  });

  it('the CSRF token is derived from the session token, differs per session, and is not its stored hash', () => {
    const a = generateSessionToken();
    const b = generateSessionToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokenOf(a)).toBe(csrfTokenOf(a));
    expect(csrfTokenOf(a)).not.toBe(csrfTokenOf(b));
    expect(csrfTokenOf(a)).not.toBe(sha256Hex(a));
  });

  it('safeEqual compares whole strings', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
