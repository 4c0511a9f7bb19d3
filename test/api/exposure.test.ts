import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_VIEWER_KEY, edgeRuntime } from '../helpers/edge.ts';
import { testConfig } from '../helpers/runtime.ts';

/**
 * What the operational endpoints show to whom: /ready without driver text (details to system:read
 * only), /metrics behind its token, /docs behind a credential outside a laptop install, and no
 * caller-chosen string as a metric label.
 */
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

describe('operational endpoints', { timeout: 180_000 }, () => {
  it('/ready says not ready without the driver error; the admin route has the detail', async () => {
    rt = await edgeRuntime(testConfig());
    expect((await rt.app.inject('/ready')).json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true } },
    });

    await rt.database.close(); // the database goes away under the running process
    const ready = await rt.app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { database: { ok: false } } });

    const detailed = await rt.app.inject({ url: '/api/v1/system/readiness', headers: asAdmin() });
    expect(detailed.statusCode).toBe(200);
    const body = detailed.json();
    expect(body.ready).toBe(false);
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.database.detail).toMatch(/^database unreachable: ./);

    expect((await rt.app.inject('/api/v1/system/readiness')).statusCode).toBe(401);
    const viewer = await rt.app.inject({
      url: '/api/v1/system/readiness',
      headers: { authorization: `Bearer ${TEST_VIEWER_KEY}` },
    });
    expect(viewer.statusCode).toBe(403);
  });

  it('/metrics needs the bearer token when metrics.token is set (401 otherwise)', async () => {
    const token = 'scrape-token-0123456789abcdef';
    rt = await edgeRuntime(testConfig({ metrics: { token } }));
    const none = await rt.app.inject('/metrics');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED', request_id: none.headers['x-request-id'] });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    for (const authorization of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, 'Bearer ']) {
      expect(
        (await rt.app.inject({ url: '/metrics', headers: { authorization } })).statusCode,
        authorization,
      ).toBe(401);
    }
    const ok = await rt.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/^http_request_duration_seconds_bucket/m);
  });

  it('/metrics stays open without metrics.token', async () => {
    rt = await edgeRuntime(testConfig());
    expect((await rt.app.inject('/metrics')).statusCode).toBe(200);
  });

  it('a source name chosen by the caller is labelled "other"', async () => {
    rt = await edgeRuntime(testConfig());
    const chosen = `zz-${randomUUID().slice(0, 8)}`;
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin(),
      payload: { incident_type: 'malware', source: chosen, severity: 'high', title: 'Label probe' },
    });
    expect(res.statusCode).toBe(202);
    const webhook = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/open-source',
      payload: { title: 'Configured source', severity: 'low' },
    });
    expect(webhook.statusCode).toBe(202);
    const scrape = (await rt.app.inject('/metrics')).body;
    expect(scrape).not.toContain(chosen);
    expect(scrape).toMatch(/^tw_incidents_ingested_total\{source="other",result="created"\} 1$/m);
    expect(scrape).toMatch(/^tw_incidents_ingested_total\{source="open-source",result="created"\} 1$/m);
  });
});

describe('/docs', { timeout: 180_000 }, () => {
  const docs = async (headers: Record<string, string> = {}) =>
    (await rt!.app.inject({ url: '/docs/json', headers })).statusCode;

  it('authenticated: a credential is needed', async () => {
    rt = await edgeRuntime(testConfig({ server: { docs: 'authenticated' } }));
    expect(await docs()).toBe(401);
    expect(await docs({ authorization: 'Bearer tw_nope_000000000000000000000000000000' })).toBe(401);
    expect(await docs(asAdmin())).toBe(200);
    expect(await docs({ authorization: `Bearer ${TEST_VIEWER_KEY}` })).toBe(200);
  });

  it('off: not served', async () => {
    rt = await edgeRuntime(testConfig({ server: { docs: 'off' } }));
    expect(await docs(asAdmin())).toBe(404);
  });

  it('auto: public for an embedded install on loopback, authenticated when listening on all interfaces', async () => {
    rt = await edgeRuntime(testConfig({ server: { host: '127.0.0.1' } }));
    expect(await docs()).toBe(200);
    await rt.stop();
    rt = await edgeRuntime(testConfig({ server: { host: '0.0.0.0' } }));
    expect(await docs()).toBe(401);
  });
});
