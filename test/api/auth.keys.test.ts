import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin, TEST_ADMIN_KEY } from '../helpers/auth.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/** API keys and the central access check on a real runtime (PGlite, in-process transports). */

const INCIDENT = {
  incident_type: 'malware',
  source: 'claimed-by-body',
  severity: 'high',
  title: 'Key test incident',
};

describe('API keys and enforcement', () => {
  let rt: Runtime;
  const bearer = (key: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${key}`,
    ...extra,
  });
  async function createKey(body: Record<string, unknown>, headers = asAdmin()) {
    const res = await rt.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload: body });
    return res;
  }

  beforeAll(async () => {
    rt = await startRuntime(testConfig());
  });
  afterAll(async () => {
    await rt.stop();
  });

  it('refuses a route without a credential: 401 with WWW-Authenticate and security headers', async () => {
    const res = await rt.app.inject({ method: 'GET', url: '/api/v1/incidents' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.json().code).toBe('UNAUTHORIZED');
  });

  it('accepts the configured admin key, and refuses a near miss with the generic message', async () => {
    expect(
      (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: asAdmin() })).statusCode,
    ).toBe(200);
    const wrong = TEST_ADMIN_KEY.slice(0, -1) + (TEST_ADMIN_KEY.endsWith('v') ? 'w' : 'v');
    const res = await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(wrong) });
    expect(res.statusCode).toBe(401);
    const malformed = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: bearer('nope'),
    });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json().message).toBe(res.json().message);
  });

  it('creates a key shown once; the list shows its prefix and never the key or its hash', async () => {
    const res = await createKey({ name: 'ci reader', role: 'viewer', expires_in: '30d' });
    expect(res.statusCode).toBe(201);
    const { key, api_key } = res.json();
    expect(key).toMatch(/^tw_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/);
    expect(key.split('_')[1]).toBe(api_key.prefix);
    expect(new Date(api_key.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const list = await rt.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: asAdmin() });
    const text = list.body;
    expect(text).toContain(api_key.prefix);
    expect(text).not.toContain(key);
    expect(text).not.toContain('key_hash');
    const one = await rt.app.inject({
      method: 'GET',
      url: `/api/v1/api-keys/${api_key.prefix}`,
      headers: asAdmin(),
    });
    expect(one.json().id).toBe(api_key.id);
  });

  it('a viewer key reads but may not write (403); an analyst key writes; role beyond the creator is refused', async () => {
    const viewer = (await createKey({ name: 'viewer', role: 'viewer' })).json().key as string;
    const analyst = (await createKey({ name: 'analyst-bot', role: 'analyst' })).json().key as string;
    expect(
      (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(viewer) })).statusCode,
    ).toBe(200);
    const denied = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: bearer(viewer),
      payload: INCIDENT,
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');
    const created = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: bearer(analyst),
      payload: INCIDENT,
    });
    expect(created.statusCode).toBe(202);
    // The source is the authenticated key, not the body's claim.
    const detail = await rt.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${created.json().incident_id}`,
      headers: bearer(viewer),
    });
    expect(detail.json().source).toBe('api:analyst-bot');
    // Analysts hold no api_keys:manage; an admin-created analyst key cannot mint an admin key.
    expect((await createKey({ name: 'x', role: 'admin' }, bearer(analyst))).statusCode).toBe(403);
  });

  it('scopes narrow a key; scopes beyond its role are refused', async () => {
    const scoped = (await createKey({ name: 'scoped', role: 'analyst', scopes: ['incidents:read'] })).json()
      .key as string;
    expect(
      (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(scoped) })).statusCode,
    ).toBe(200);
    expect(
      (
        await rt.app.inject({
          method: 'POST',
          url: '/api/v1/incidents',
          headers: bearer(scoped),
          payload: INCIDENT,
        })
      ).statusCode,
    ).toBe(403);
    const beyond = await createKey({ name: 'bad', role: 'viewer', scopes: ['incidents:write'] });
    expect(beyond.statusCode).toBe(400);
  });

  it('a revoked key is refused at once; an expired one too; both with the same message as an unknown key', async () => {
    const created = (await createKey({ name: 'soon revoked', role: 'viewer' })).json();
    const key = created.key as string;
    expect(
      (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(key) })).statusCode,
    ).toBe(200);
    const revoked = await rt.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${created.api_key.id}`,
      headers: asAdmin(),
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();
    const after = await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(key) });
    expect(after.statusCode).toBe(401);

    const expiring = (
      await createKey({
        name: 'expiring',
        role: 'viewer',
        expires_at: new Date(Date.now() + 1500).toISOString(),
      })
    ).json().key as string;
    expect(
      (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(expiring) }))
        .statusCode,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: bearer(expiring),
    });
    expect(expired.statusCode).toBe(401);
    const unknown = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: bearer(`tw_abcdefgh_${'x'.repeat(40)}`),
    });
    expect(unknown.statusCode).toBe(401);
    expect(new Set([after.json().message, expired.json().message, unknown.json().message]).size).toBe(1);
  });

  it('records last use at most once a minute, off the request path', async () => {
    const created = (await createKey({ name: 'used', role: 'viewer' })).json();
    expect(created.api_key.last_used_at).toBeNull();
    await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(created.key) });
    let seen: string | null = null;
    for (let i = 0; i < 50 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 20));
      seen = (
        await rt.app.inject({
          method: 'GET',
          url: `/api/v1/api-keys/${created.api_key.id}`,
          headers: asAdmin(),
        })
      ).json().last_used_at;
    }
    expect(seen).not.toBeNull();
  });

  it('bad bodies are 400 with a code, not 500', async () => {
    for (const payload of [
      {},
      { name: 'x', role: 'root' },
      { name: 'x', role: 'viewer', expires_in: '0d' },
      { name: 'x', role: 'viewer', scopes: ['nope'] },
    ]) {
      const res = await createKey(payload);
      expect(res.statusCode).toBe(400);
    }
    const past = await createKey({ name: 'x', role: 'viewer', expires_at: '2001-01-01T00:00:00Z' });
    expect(past.statusCode).toBe(400);
    const missing = await rt.app.inject({
      method: 'DELETE',
      url: '/api/v1/api-keys/zzzzzzzz',
      headers: asAdmin(),
    });
    expect(missing.statusCode).toBe(404);
  });
});
