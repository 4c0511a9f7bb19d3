import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../../src/adapters/in-process/index.ts';
import { OPEN_ACCESS, registerAccess } from '../../../src/api/plugins/access.ts';
import { registerErrorHandling } from '../../../src/api/plugins/errors.ts';
import { registerRateLimits } from '../../../src/api/plugins/rate-limit.ts';
import { ErrorSchema } from '../../../src/api/schemas.ts';
import { testConfig } from '../../helpers/runtime.ts';

/** Which bucket a route lands in, on a bare app with the edge plugins (no database). */
let app: FastifyInstance | undefined;
let routes: RouteOptions[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  routes = [];
});

async function edgeApp(rate_limits: Record<string, unknown>): Promise<FastifyInstance> {
  const a = Fastify();
  registerErrorHandling(a);
  await registerRateLimits(a, { config: testConfig({ rate_limits }), counters: new InProcessRateLimiter() });
  registerAccess(a, OPEN_ACCESS);
  a.addHook('onRoute', (route) => void routes.push(route));
  a.addSchema(ErrorSchema);
  a.post('/api/v1/auth/login', { config: { permission: 'public' } }, async () => ({ ok: true }));
  a.get(
    '/api/v1/things',
    { config: { permission: 'public' }, schema: { response: { 200: ErrorSchema } } },
    async () => ({
      code: 'OK',
      message: 'ok',
      request_id: 'x',
    }),
  );
  a.get(
    '/live',
    { config: { permission: 'public' }, schema: { response: { 200: ErrorSchema } } },
    async () => ({ code: 'OK', message: 'ok', request_id: 'x' }),
  );
  await a.ready();
  return a;
}

describe('rate-limit buckets', () => {
  it('login routes have their own, tighter per-IP budget', async () => {
    app = await edgeApp({ login: 2, per_ip: 100 });
    const login = () => app!.inject({ method: 'POST', url: '/api/v1/auth/login' }).then((r) => r.statusCode);
    expect([await login(), await login(), await login()]).toEqual([200, 200, 429]);
    // The general per-IP budget is separate.
    expect((await app.inject('/api/v1/things')).statusCode).toBe(200);
  });

  it('a limited route documents its 429; an exempt one does not', async () => {
    app = await edgeApp({});
    const responses = (url: string) =>
      routes.find((r) => r.url === url && r.method === 'GET')?.schema?.response as Record<string, unknown>;
    expect(responses('/api/v1/things')[429]).toBe(ErrorSchema);
    expect(responses('/live')[429]).toBeUndefined();
    // RateLimit-* headers come with a 429 only.
    expect((await app.inject('/api/v1/things')).headers['ratelimit-limit']).toBeUndefined();
    expect((await app.inject('/live')).headers['ratelimit-limit']).toBeUndefined();
  });
});
