import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../../src/adapters/in-process/index.ts';
import { Type } from 'typebox';
import {
  OPEN_ACCESS,
  registerAccess,
  type AccessPolicy,
  type Permission,
} from '../../../src/api/plugins/access.ts';
import { registerErrorHandling } from '../../../src/api/plugins/errors.ts';
import { registerRateLimits, retryIn } from '../../../src/api/plugins/rate-limit.ts';
import { AppError } from '../../../src/contracts/index.ts';
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

  it('credential routes: counted after the access check (401 and 403 are not) and before the body is read', async () => {
    const reader: AccessPolicy = {
      async authenticate(request) {
        if (request.headers.authorization !== 'Bearer reader') throw new AppError('UNAUTHORIZED', 'no');
        return { id: 'reader', kind: 'api_key', permissions: new Set<Permission>(['incidents:read']) };
      },
    };
    const a = Fastify();
    app = a;
    registerErrorHandling(a);
    await registerRateLimits(a, {
      config: testConfig({ rate_limits: { per_credential: 2 } }),
      counters: new InProcessRateLimiter(),
    });
    registerAccess(a, reader);
    a.addSchema(ErrorSchema);
    a.get('/things', { config: { permission: 'incidents:read' } }, async () => ({ ok: true }));
    a.post(
      '/things',
      { config: { permission: 'incidents:write' }, schema: { body: Type.Object({ n: Type.Integer() }) } },
      async () => ({ ok: true }),
    );
    a.post(
      '/reads',
      { config: { permission: 'incidents:read' }, schema: { body: Type.Object({ n: Type.Integer() }) } },
      async () => ({ ok: true }),
    );
    a.get('/unlimited', { config: { permission: 'incidents:read', rateLimit: false } }, async () => ({
      ok: true,
    }));
    await a.ready();
    const headers = { authorization: 'Bearer reader' };
    // Refused by the access check: not counted against anyone's budget.
    expect((await a.inject({ url: '/things' })).statusCode).toBe(401);
    for (let i = 0; i < 3; i++)
      expect(
        (await a.inject({ method: 'POST', url: '/things', headers, payload: { n: 1 } })).statusCode,
      ).toBe(403);
    expect((await a.inject({ url: '/things', headers })).statusCode).toBe(200);
    // A bad body is still answered 400 within the budget (the check comes first, then validation)…
    expect((await a.inject({ method: 'POST', url: '/reads', headers, payload: { n: 'x' } })).statusCode).toBe(
      400,
    );
    // …and once the budget is used, 429 comes before the body is read or validated.
    const refused = await a.inject({ method: 'POST', url: '/reads', headers, payload: { n: 'x' } });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      message: 'rate limit exceeded, retry in 1 minute',
    });
    expect(refused.headers['ratelimit-limit']).toBe('2');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['ratelimit-reset']).toBe('60');
    expect(refused.headers['retry-after']).toBe('60');
    // A route that opts out is never limited.
    expect((await a.inject({ url: '/unlimited', headers })).statusCode).toBe(200);
  });

  it('a route may opt out (rateLimit: false) but not bring limits of its own', async () => {
    const a = Fastify();
    app = a;
    await registerRateLimits(a, { config: testConfig({}), counters: new InProcessRateLimiter() });
    registerAccess(a, OPEN_ACCESS);
    expect(() =>
      a.get('/own', { config: { permission: 'public', rateLimit: { max: 5 } } as never }, async () => ({})),
    ).toThrow(/config.rateLimit may only be false/);
  });

  it('the 429 message says the wait as @fastify/rate-limit did', () => {
    expect(retryIn(0)).toBe('0 ms');
    expect(retryIn(1000)).toBe('1 second');
    expect(retryIn(59_000)).toBe('59 seconds');
    expect(retryIn(60_000)).toBe('1 minute');
    expect(retryIn(90_000)).toBe('2 minutes');
    expect(retryIn(3_600_000)).toBe('1 hour');
    expect(retryIn(2 * 86_400_000)).toBe('2 days');
  });
});
