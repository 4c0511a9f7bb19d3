import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../src/api/routes/dashboard.routes.ts';
import { DASHBOARD_CSP } from '../../src/api/security-headers.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/**
 * The dashboard's static files at / (src/api/routes/dashboard.routes.ts): its CSP, page paths that
 * answer index.html, hashed assets cached for good, and the API's own answers left as they were.
 */
describe('dashboard routes', () => {
  let root: string;
  let app: FastifyInstance;
  let missing: FastifyInstance;
  let rt: Runtime;
  const warnings: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tw-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>TW</title><div id="root"></div>');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(tmpdir(), 'tw-web-secret.txt'), 'outside');
    app = Fastify();
    await app.register(dashboardRoutes({ root: `${root}/` }));
    missing = Fastify();
    await missing.register(dashboardRoutes({ root: join(root, 'nowhere/'), warn: (m) => warnings.push(m) }));
    rt = await startRuntime(testConfig());
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await missing?.close();
    await rt?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('page paths answer index.html under the strict CSP, never cached', async () => {
    for (const url of [
      '/',
      '/incidents',
      '/incidents/7f0c1c9e-0000-4000-8000-000000000000',
      '/kill-switch',
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
    expect(DASHBOARD_CSP).toMatch(/script-src 'self';/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('hashed assets are immutable; unknown or escaping paths are 404', async () => {
    const js = await app.inject('/assets/index-abc123.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect((await app.inject('/assets/nope.js')).statusCode).toBe(404);
    const escape = await app.inject('/assets/..%2F..%2Ftw-web-secret.txt');
    expect([403, 404]).toContain(escape.statusCode);
    expect(escape.body).not.toContain('outside');
    expect((await app.inject('/not-a-page')).statusCode).toBe(404);
  });

  it('without a build: a plain 503 saying how to build, and one warning at start', async () => {
    const res = await missing.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
    expect(warnings).toHaveLength(1);
  });

  it('in the runtime, the API keeps its own answers: JSON 404s, no CSP on JSON, /live and /docs', async () => {
    const inject = (method: 'GET' | 'POST', url: string) =>
      rt.app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
    const api404 = await inject('GET', '/api/v1/no-such-route');
    expect(api404.statusCode).toBe(404);
    expect(api404.json().code).toBe('NOT_FOUND');
    // A catch-all page route would turn this into a 405; unknown API paths stay 404.
    expect((await inject('POST', '/api/v1/no-such-route/x/approve')).statusCode).toBe(404);
    expect((await inject('POST', '/incidents')).statusCode).toBe(405);
    const live = await inject('GET', '/live');
    expect(live.statusCode).toBe(200);
    expect(live.headers['content-security-policy']).toBeUndefined();
    expect((await inject('GET', '/docs')).statusCode).not.toBe(404);
    const page = await inject('GET', '/incidents');
    expect([200, 503]).toContain(page.statusCode);
  });
});
