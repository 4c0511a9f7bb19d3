import rateLimit, { normalizeIP, type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import { AppError } from '../../contracts/index.ts';
import type { RateLimiter } from '../../ports/index.ts';
import { ErrorSchema } from '../schemas.ts';
import { counterStore } from './rate-limit.store.ts';
import type { Permission } from './access.ts';

/** Polled by load balancers and Prometheus: never limited. */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/live', '/ready', '/metrics']);

/** Login routes (any prefix) get the tighter `rate_limits.login` bucket. */
const LOGIN_ROUTE = /\/login$/;

/** Most client IPs remembered as blocked for too many 401s (oldest dropped beyond). */
const MAX_BLOCKED_IPS = 10_000;

export interface RateLimitDeps {
  config: Config;
  counters: RateLimiter;
}

/** The client address, IPv6 folded to its /64 (one host usually owns the whole prefix). */
function clientIp(request: FastifyRequest): string {
  return normalizeIP(request.ip);
}

/**
 * Rate limits of the HTTP API (@fastify/rate-limit on the shared {@link RateLimiter} port):
 *
 * - routes that need a credential: per credential (`c:<kind>:<id>`, after authentication, so in
 *   `preHandler`), or per IP when the caller is anonymous;
 * - public routes: per IP, before anything else runs; login routes: `rate_limits.login` per IP;
 * - webhooks: per IP (`rate_limits.webhook_per_ip`); each source has its own limit in its route;
 * - answers of 401 (not webhooks): more than `auth_failures_per_ip` in a window and that IP gets 429 on every
 *   route until the window ends (credential guessing costs a lookup each).
 *
 * `/live`, `/ready` and `/metrics` are exempt. A refusal is 429 RATE_LIMIT_EXCEEDED with
 * `Retry-After` and `RateLimit-Limit/-Remaining/-Reset`. Must be registered before any route.
 */
export async function registerRateLimits(app: FastifyInstance, deps: RateLimitDeps): Promise<void> {
  const limits = deps.config.rate_limits;
  if (!limits.enabled) return;
  const windowMs = limits.window;
  const perIp = (bucket: string, max: number): RateLimitOptions => ({
    hook: 'onRequest',
    max,
    keyGenerator: (request) => `${bucket}:${clientIp(request)}`,
  });

  // Each route gets its bucket before the plugin's own onRoute hook reads `config.rateLimit`.
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { permission?: Permission; rateLimit?: RateLimitOptions | false };
    if (config.rateLimit !== undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let bucket: RateLimitOptions | false | undefined;
    if (UNLIMITED_ROUTES.has(route.url)) bucket = false;
    else if (LOGIN_ROUTE.test(route.url) && methods.includes('POST')) bucket = perIp('login', limits.login);
    else if (config.permission === 'webhooks:ingest') bucket = perIp('wh', limits.webhook_per_ip);
    else if (config.permission === 'public' || route.url.startsWith('/docs'))
      bucket = perIp('ip', limits.per_ip);
    if (bucket !== undefined) route.config = { ...config, rateLimit: bucket };
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (bucket !== false && response && !response[429]) response[429] = ErrorSchema;
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: windowMs,
    store: counterStore(deps.counters, {
      onUnavailable: (err) =>
        app.log.warn(
          { err: err.message },
          'rate limits paused: their backend failed (requests pass meanwhile)',
        ),
    }),
    skipOnError: true,
    enableDraftSpec: true,
    // RateLimit-* headers go with the 429 (and Retry-After), not with every answer: three headers
    // on each hot-path response cost throughput, and the limits are documented.
    addHeadersOnExceeding: {
      'ratelimit-limit': false,
      'ratelimit-remaining': false,
      'ratelimit-reset': false,
    },
    keyGenerator: (request) => {
      const p = request.principal;
      return p && p.kind !== 'anonymous' ? `c:${p.kind}:${p.id}` : `ip:${clientIp(request)}`;
    },
    max: (_request, key) => (key.startsWith('c:') ? limits.per_credential : limits.per_ip),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMIT_EXCEEDED', `rate limit exceeded, retry in ${context.after}`),
  });

  registerAuthFailureLimit(app, deps.counters, limits.auth_failures_per_ip, windowMs);
}

/**
 * Counts 401 answers per client IP in the shared window; once the window is used up, this process
 * refuses that IP (429) until it ends. Each replica learns it on its own next 401 for the IP, so the
 * check costs no backend call on the request path.
 */
function registerAuthFailureLimit(
  app: FastifyInstance,
  counters: RateLimiter,
  max: number,
  windowMs: number,
) {
  const blocked = new Map<string, number>();
  app.addHook('onRequest', (request, reply, done) => {
    if (blocked.size === 0 || UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return done();
    const ip = clientIp(request);
    const until = blocked.get(ip);
    if (until === undefined) return done();
    const left = until - Date.now();
    if (left <= 0) {
      blocked.delete(ip);
      return done();
    }
    refuse(reply, max, left);
    done(new AppError('RATE_LIMIT_EXCEEDED', 'too many requests with invalid credentials from this address'));
  });
  app.addHook('onResponse', (request, reply, done) => {
    done();
    if (reply.statusCode !== 401 || !countsAsAuthFailure(request)) return;
    const ip = clientIp(request);
    counters.consume(`http:authfail:${ip}`, max, windowMs).then(
      (r) => {
        if (r.allowed) return;
        if (blocked.size >= MAX_BLOCKED_IPS) blocked.delete(blocked.keys().next().value!);
        blocked.set(ip, Date.now() + r.resetMs);
      },
      () => undefined, // the backend is down: counting resumes with it
    );
  });
}

/**
 * A 401 from a credential check. Not the health routes (a scraper with a stale token must not lock
 * its address out), nor webhooks (a bad HMAC is not a guess at a credential; each source has its
 * own limit, and a misconfigured sender behind a shared NAT must not lock analysts out).
 */
function countsAsAuthFailure(request: FastifyRequest): boolean {
  if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return false;
  return request.routeOptions.config.permission !== 'webhooks:ingest';
}

function refuse(reply: FastifyReply, max: number, leftMs: number): void {
  const seconds = Math.max(1, Math.ceil(leftMs / 1000));
  void reply.headers({
    'ratelimit-limit': max,
    'ratelimit-remaining': 0,
    'ratelimit-reset': seconds,
    'retry-after': seconds,
  });
}
