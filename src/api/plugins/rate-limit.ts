import { normalizeIP } from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';
import type { Config } from '../../config/index.ts';
import { AppError } from '../../contracts/index.ts';
import type { RateLimiter } from '../../ports/index.ts';
import { ErrorSchema } from '../schemas.ts';
import { counterStore } from './rate-limit.store.ts';
import type { Permission, Principal } from './access.ts';

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

/** `c:<kind>:<id>` of each principal, made once per principal object (they are cached and reused). */
const credentialKeys = new WeakMap<Principal, string>();
function credentialKey(p: Principal): string {
  let key = credentialKeys.get(p);
  if (key === undefined) credentialKeys.set(p, (key = `c:${p.kind}:${p.id}`));
  return key;
}

const SECOND = 1000;
const UNITS: readonly [number, string][] = [
  [365.25 * 86_400 * SECOND, 'year'],
  [86_400 * SECOND, 'day'],
  [3600 * SECOND, 'hour'],
  [60 * SECOND, 'minute'],
  [SECOND, 'second'],
];
/** "59 seconds", "1 minute", "0 ms": how long until the window ends, as the 429's message says it. */
export function retryIn(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms < size) continue;
    const n = Math.round(ms / size);
    return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return `${ms} ms`;
}

/**
 * Rate limits of the HTTP API, counted on the shared {@link RateLimiter} port (see
 * {@link counterStore}: Redis, shared by every replica, in distributed mode):
 *
 * - routes that need a credential: per credential (`c:<kind>:<id>`), or per IP when the caller is
 *   anonymous; checked right after authentication (a request refused by the access check, 401 or
 *   403, is not counted), before its body is read;
 * - public routes: per IP (`rate_limits.per_ip`); login routes: `rate_limits.login` per IP;
 * - webhooks: per IP (`rate_limits.webhook_per_ip`); each source has its own limit in its route;
 * - answers of 401 (not webhooks): more than `auth_failures_per_ip` in a window and that IP gets 429 on every
 *   route until the window ends (credential guessing costs a lookup each).
 *
 * `/live`, `/ready` and `/metrics` are exempt (and any route whose `config.rateLimit` is `false`).
 * A refusal is 429 RATE_LIMIT_EXCEEDED with `Retry-After` and `RateLimit-Limit/-Remaining/-Reset`;
 * other answers carry none of them (three headers on each hot-path response cost throughput, and
 * the limits are documented). When the backend fails, requests pass (see {@link counterStore}).
 *
 * One route-level onRequest hook per limited route, callback style: far from its limit a request is
 * counted in memory without a promise, an allocation or a backend call. Must be registered before
 * any route.
 */
export async function registerRateLimits(app: FastifyInstance, deps: RateLimitDeps): Promise<void> {
  const limits = deps.config.rate_limits;
  if (!limits.enabled) return;
  const windowMs = limits.window;
  const store = counterStore(deps.counters, {
    onUnavailable: (err) =>
      app.log.warn(
        { err: err.message },
        'rate limits paused: their backend failed (requests pass meanwhile)',
      ),
  });

  /** Counts one request on `key`; refuses it (429) past `max`. A failed backend lets it pass. */
  const take = (key: string, max: number, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (store.admitLocally(key, windowMs, max)) return done();
    store.incr(
      key,
      (err, result) => {
        if (err || !result || result.current <= max) return done();
        const seconds = Math.ceil(result.ttl / 1000);
        void reply.headers({
          'ratelimit-limit': max,
          'ratelimit-remaining': 0,
          'ratelimit-reset': seconds,
          'retry-after': seconds,
        });
        done(new AppError('RATE_LIMIT_EXCEEDED', `rate limit exceeded, retry in ${retryIn(seconds * 1000)}`));
      },
      windowMs,
      max,
    );
  };
  const perIp =
    (bucket: string, max: number): onRequestHookHandler =>
    (request, reply, done) =>
      take(`${bucket}:${clientIp(request)}`, max, reply, done);
  const perCredential: onRequestHookHandler = (request, reply, done) => {
    const p = request.principal;
    if (p && p.kind !== 'anonymous') take(credentialKey(p), limits.per_credential, reply, done);
    else take(`ip:${clientIp(request)}`, limits.per_ip, reply, done);
  };
  const login = perIp('login', limits.login);
  const webhook = perIp('wh', limits.webhook_per_ip);
  const open = perIp('ip', limits.per_ip);

  // Route-level onRequest hooks run after every instance-level one, so after the access check.
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { permission?: Permission; rateLimit?: unknown };
    if (config.rateLimit !== undefined && config.rateLimit !== false)
      throw new Error(`route ${route.url}: config.rateLimit may only be false (the buckets are chosen here)`);
    if (config.rateLimit === false || UNLIMITED_ROUTES.has(route.url)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let hook: onRequestHookHandler;
    if (LOGIN_ROUTE.test(route.url) && methods.includes('POST')) hook = login;
    else if (config.permission === 'webhooks:ingest') hook = webhook;
    else if (config.permission === 'public' || route.url.startsWith('/docs')) hook = open;
    else hook = perCredential;
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (response && !response[429]) response[429] = ErrorSchema;
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
