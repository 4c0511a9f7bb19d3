import { describe, expect, it } from 'vitest';
import { openState, sealState, stateCookieKey } from '../../../src/api/routes/oidc-state.cookie.ts';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';

const CHECKS = {
  state: 'st-123',
  nonce: 'no-456',
  codeVerifier: 'verifier-789-abcdefghijklmnopqrstuvwxyz0123',
};
const KEY = stateCookieKey('a-client-secret-shared-by-every-replica');
const NOW = 1_800_000_000_000;

describe('login-state cookie', () => {
  it('round-trips under the same key (another replica derives the same key)', () => {
    const value = sealState(KEY, CHECKS, NOW + 60_000);
    expect(openState(stateCookieKey('a-client-secret-shared-by-every-replica'), value, NOW)).toEqual(CHECKS);
  });

  it('hides its content and differs on every login', () => {
    const a = sealState(KEY, CHECKS, NOW + 60_000);
    const b = sealState(KEY, CHECKS, NOW + 60_000);
    expect(a).not.toBe(b);
    const decoded = Buffer.from(a, 'base64url').toString('latin1');
    for (const secret of Object.values(CHECKS)) expect(decoded).not.toContain(secret);
  });

  it('refuses a tampered value, another key, an expired cookie and garbage', () => {
    const value = sealState(KEY, CHECKS, NOW + 60_000);
    for (let i = 0; i < value.length; i += 7) {
      const flipped = `${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`;
      expect(openState(KEY, flipped, NOW)).toBeNull();
    }
    expect(openState(stateCookieKey('another-secret'), value, NOW)).toBeNull();
    expect(openState(KEY, value, NOW + 60_000)).toBeNull();
    for (const junk of ['', 'AAAA', '***', 'x'.repeat(5000), value.slice(0, 20)]) {
      expect(openState(KEY, junk, NOW)).toBeNull();
    }
  });
});

describe('auth.oidc configuration', () => {
  const base = {
    enabled: true,
    issuer_url: 'https://idp.example.com',
    client_id: 'tw',
    client_secret: 'a-secret',
    redirect_url: 'https://tw.example.com/api/v1/auth/oidc/callback',
  };
  const load = (oidc: Record<string, unknown>) => loadConfig({ env: {}, overrides: { auth: { oidc } } });

  it('is off by default with documented defaults', () => {
    const cfg = loadConfig({ env: {} }).auth.oidc;
    expect(cfg).toMatchObject({
      enabled: false,
      scopes: 'openid email profile groups',
      groups_claim: 'groups',
      default_role: 'viewer',
      post_login_path: '/',
      state_ttl: 600_000,
    });
  });

  it('accepts a complete setup and reads the secret from TW_OIDC_CLIENT_SECRET', () => {
    const { client_secret: _omit, ...rest } = base;
    const cfg = loadConfig({
      env: { TW_OIDC_CLIENT_SECRET: 'from-env' },
      overrides: { auth: { oidc: rest } },
    });
    expect(cfg.auth.oidc.client_secret).toBe('from-env');
  });

  it('names the missing or unsafe key', () => {
    expect(() => load({ ...base, issuer_url: undefined })).toThrow(/auth\.oidc\.issuer_url/);
    expect(() => load({ ...base, redirect_url: undefined })).toThrow(/auth\.oidc\.redirect_url/);
    expect(() => load({ ...base, client_secret: undefined })).toThrow(/auth\.oidc\.client_secret/);
    expect(() => load({ ...base, issuer_url: 'http://idp.example.com' })).toThrow(/must be https/);
    expect(() => load({ ...base, role_mapping: { g: 'root' } })).toThrow(ConfigError);
    expect(() => load({ ...base, default_role: 'admin' })).toThrow(ConfigError);
    for (const path of ['//evil.example', 'https://evil.example', '/\\evil.example', 'dashboard']) {
      expect(() => load({ ...base, post_login_path: path }), path).toThrow(/post_login_path/);
    }
    expect(load({ ...base, issuer_url: 'http://127.0.0.1:9000' }).auth.oidc.enabled).toBe(true);
  });
});
