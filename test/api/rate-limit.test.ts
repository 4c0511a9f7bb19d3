import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_VIEWER_KEY, edgeRuntime } from '../helpers/edge.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

/**
 * Rate limits at the HTTP edge (embedded mode: the in-process counters). Each test builds its own
 * runtime with tiny limits; the client address is chosen with inject({ remoteAddress }).
 */
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

const limited = (rate_limits: Record<string, unknown>, server: Record<string, unknown> = {}) =>
  edgeRuntime(testConfig({ rate_limits, server }));

describe('rate limits', { timeout: 180_000 }, () => {
  it('per credential: 429 RATE_LIMIT_EXCEEDED with Retry-After and RateLimit-* once the window is used', async () => {
    rt = await limited({ per_credential: 3 });
    for (let i = 0; i < 3; i++) {
      const res = await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() });
      expect(res.statusCode).toBe(200);
      // RateLimit-* go with the refusal only (not on every hot-path answer).
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }

    const refused = await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() });
    expect(refused.statusCode).toBe(429);
    const body = refused.json();
    expect(body.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(body.request_id).toBe(refused.headers['x-request-id']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);

    // Another credential from the same address has its own budget.
    const other = await rt.app.inject({
      url: '/api/v1/incidents',
      headers: { authorization: `Bearer ${TEST_VIEWER_KEY}` },
    });
    expect(other.statusCode).toBe(200);
  });

  it('/live, /ready and /metrics are exempt', async () => {
    rt = await limited({ per_credential: 1, per_ip: 1 });
    await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() });
    expect((await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() })).statusCode).toBe(429);
    for (let i = 0; i < 5; i++) {
      for (const url of ['/live', '/ready', '/metrics']) {
        const res = await rt.app.inject({ url, headers: asAdmin() });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['ratelimit-limit'], url).toBeUndefined();
      }
    }
  });

  it('per IP on routes that need no credential', async () => {
    rt = await limited({ per_ip: 2 });
    const get = (remoteAddress: string) =>
      rt!.app.inject({ url: '/api/v1/openapi.json', remoteAddress }).then((r) => r.statusCode);
    expect([await get('10.1.0.1'), await get('10.1.0.1'), await get('10.1.0.1')]).toEqual([200, 200, 429]);
    expect(await get('10.1.0.2')).toBe(200);
  });

  it('per IP on webhooks', async () => {
    rt = await limited({ webhook_per_ip: 2 });
    const post = () =>
      rt!.app
        .inject({
          method: 'POST',
          url: '/api/v1/webhooks/open-source',
          remoteAddress: '10.2.0.1',
          payload: { title: 'Port scan', severity: 'low' },
        })
        .then((r) => r.statusCode);
    expect([await post(), await post(), await post()]).toEqual([202, 202, 429]);
  });

  it('X-Forwarded-For counts from a trusted proxy only', async () => {
    rt = await limited({ per_ip: 1 }, { trusted_proxies: ['10.9.0.0/16'] });
    const get = (remoteAddress: string, forwardedFor: string) =>
      rt!.app
        .inject({ url: '/api/v1/openapi.json', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } })
        .then((r) => r.statusCode);
    // Behind the load balancer, each client has its own budget.
    expect(await get('10.9.0.5', '203.0.113.7')).toBe(200);
    expect(await get('10.9.0.5', '203.0.113.7')).toBe(429);
    expect(await get('10.9.0.5', '203.0.113.8')).toBe(200);
    // Anyone else's header is ignored: the peer address counts, whatever it claims.
    expect(await get('192.0.2.1', '203.0.113.20')).toBe(200);
    expect(await get('192.0.2.1', '203.0.113.21')).toBe(429);
  });

  it('too many 401s from one address: that address gets 429 until the window ends', async () => {
    rt = await limited({ auth_failures_per_ip: 2 });
    const get = (remoteAddress: string, authorization: string) =>
      rt!.app
        .inject({ url: '/api/v1/incidents', remoteAddress, headers: { authorization } })
        .then((r) => r.statusCode);
    const wrong = 'Bearer tw_guess_0000000000000000000000000000000000';
    await eventually(async () => (await get('10.3.0.1', wrong)) === 429, 'the guessing address refused');
    const refused = await rt.app.inject({
      url: '/api/v1/incidents',
      remoteAddress: '10.3.0.1',
      headers: asAdmin(),
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await get('10.3.0.2', asAdmin().authorization!)).toBe(200);
  });

  it('rate_limits.enabled: false turns them off', async () => {
    rt = await limited({ enabled: false, per_credential: 1 });
    for (let i = 0; i < 3; i++)
      expect((await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() })).statusCode).toBe(200);
  });
});
