/**
 * Micro-benchmark of the HTTP edge's per-request cost (issue 9): the hooks that the access check
 * and the rate limits put on an authenticated route, run in one process without sockets or
 * `inject()` (whose own cost, ~40 µs a request, drowns a few µs of hooks in noise on a shared machine).
 *
 * A Fastify app gets error handling, the rate limits (in-process counters, limits far above the
 * load, as the bench configures them) and the access check with IdentityAccessPolicy verifying a
 * real `tw_<prefix>_<secret>` API key (its record served from memory, as if from the database). The
 * hooks of `GET /api/v1/incidents/:id` (the instance's onRequest hooks, then the route's onRequest
 * and preHandler hooks) then run in order on a stub request, as Fastify's hook runner would: callback
 * hooks with `done`, async ones awaited. The figure is CPU ns per request (this process), median of
 * interleaved rounds.
 *
 * With `--baseline <dir>` (the `src/` of another checkout, e.g. `git archive main src | tar -x -C
 * /tmp/main`), that version's hooks run beside this one's, in the same rounds.
 *
 *   node --import tsx bench/micro/edge-auth.ts [--rounds 15] [--requests 50000] [--baseline <src dir>]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { InProcessRateLimiter } from '../../src/adapters/in-process/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ApiKeysService, generateApiKey, type IdentityService } from '../../src/core/identity/index.ts';
import type { IdentityDeps } from '../../src/core/identity/identity.deps.ts';
import type { ApiKeyRecord } from '../../src/ports/index.ts';
import type * as AccessModule from '../../src/api/plugins/access.ts';
import type * as ErrorsModule from '../../src/api/plugins/errors.ts';
import type * as IdentityModule from '../../src/api/plugins/identity-access.ts';
import type * as LimitsModule from '../../src/api/plugins/rate-limit.ts';

type Access = typeof AccessModule;
type Errors = typeof ErrorsModule;
type Identity = typeof IdentityModule;
type Limits = typeof LimitsModule;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    requests: { type: 'string', default: '50000' },
    baseline: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const perRound = Number(values.requests);

const generated = generateApiKey();
const record: ApiKeyRecord = {
  id: 'b1f0c8a4-3c1d-4f0e-9b1a-6d2e8c7f5a30',
  prefix: generated.prefix,
  name: 'bench-reader',
  role: 'viewer',
  scopes: null,
  created_by: 'bench',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
  created_at: new Date(),
};
const keys = new ApiKeysService({
  store: {
    findApiKeyByHash: async (hash: string) => (hash === generated.hash ? { ...record } : undefined),
    touchApiKey: async () => undefined,
  },
  log: { warn: () => undefined },
} as unknown as IdentityDeps);

const config = loadConfig({
  env: {},
  overrides: {
    data_dir: 'memory://',
    server: { port: 0, host: '127.0.0.1', instance_id: 'bench' },
    rate_limits: { per_credential: 1_000_000_000, per_ip: 1_000_000_000, webhook_per_ip: 1_000_000_000 },
  },
});

type Hook = (request: FastifyRequest, reply: FastifyReply, done?: (err?: Error) => void) => unknown;

/** The hooks, in the order Fastify runs them, of an authenticated route under the edge of `root`. */
async function hooksOf(root: string): Promise<{ app: FastifyInstance; chain: Hook[] }> {
  const access = (await import(`${root}/api/plugins/access.ts`)) as Access;
  const errors = (await import(`${root}/api/plugins/errors.ts`)) as Errors;
  const identity = (await import(`${root}/api/plugins/identity-access.ts`)) as Identity;
  const limits = (await import(`${root}/api/plugins/rate-limit.ts`)) as Limits;

  const app = Fastify({ logger: false });
  errors.registerErrorHandling(app);
  await limits.registerRateLimits(app, { config, counters: new InProcessRateLimiter() });
  const policy = new identity.IdentityAccessPolicy({
    identity: { keys } as unknown as IdentityService,
    cacheTtlMs: config.auth.credential_cache_ttl,
    cacheEntries: config.auth.credential_cache_entries,
  });
  access.registerAccess(app, policy);
  let route: { onRequest?: Hook | Hook[]; preHandler?: Hook | Hook[] } = {};
  app.addHook('onRoute', (r) => void (route = r as typeof route));
  app.get('/api/v1/incidents/:id', { config: { permission: 'incidents:read' } }, async () => ({}));
  await app.ready();
  const kHooks = Object.getOwnPropertySymbols(app).find((s) => s.description === 'fastify.hooks')!;
  const instance = (app as unknown as Record<symbol, { onRequest: Hook[] }>)[kHooks]!.onRequest;
  const list = (h: Hook | Hook[] | undefined) => (h === undefined ? [] : Array.isArray(h) ? h : [h]);
  return { app, chain: [...instance, ...list(route.onRequest), ...list(route.preHandler)] };
}

const headers = { authorization: `Bearer ${generated.key}` };
const reply = {
  header: () => reply,
  headers: () => reply,
} as unknown as FastifyReply;
const routeOptions = { url: '/api/v1/incidents/:id', config: { permission: 'incidents:read' } };

/** Calls one hook; resolves (or returns undefined at once) when it is done. */
function call(hook: Hook, request: FastifyRequest): Promise<void> | undefined {
  if (hook.length !== 3) {
    const result = hook(request, reply) as Promise<void> | undefined;
    return result && typeof result.then === 'function' ? result : undefined;
  }
  let finished = false;
  let failure: Error | undefined;
  let wake: ((err?: Error) => void) | undefined;
  hook(request, reply, (err?: Error) => {
    finished = true;
    failure = err;
    wake?.(err);
  });
  if (finished) {
    if (failure) throw failure;
    return undefined;
  }
  return new Promise((res, rej) => (wake = (err) => (err ? rej(err) : res())));
}

/** Runs `chain` on a fresh stub request as Fastify's hook runner does; synchronous while the hooks are. */
function run(chain: Hook[]): Promise<void> | undefined {
  const request = {
    headers,
    ip: '127.0.0.1',
    method: 'GET',
    principal: null,
    routeOptions,
    raw: { headers },
  } as unknown as FastifyRequest;
  for (let i = 0; i < chain.length; i++) {
    const pending = call(chain[i]!, request);
    if (pending === undefined) continue;
    return (async () => {
      await pending;
      for (i++; i < chain.length; i++) await call(chain[i]!, request);
    })();
  }
  return undefined;
}

/** CPU ns per request of `chain`, `n` requests one after the other. */
async function round(chain: Hook[], n: number): Promise<number> {
  const started = process.cpuUsage();
  for (let k = 0; k < n; k++) {
    const pending = run(chain);
    if (pending) await pending;
  }
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const variants = [
  { name: 'this', ...(await hooksOf(resolve(import.meta.dirname, '../../src'))), ns: [] as number[] },
];
if (values.baseline)
  variants.push({ name: 'baseline', ...(await hooksOf(resolve(values.baseline))), ns: [] as number[] });

// The first requests verify the key (the record "from the database"); later ones hit the cache.
for (const v of variants) {
  const first = run(v.chain);
  if (first) await first.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 10));
  await round(v.chain, perRound); // warm-up
}
for (let i = 0; i < rounds; i++) for (const v of variants) v.ns.push(await round(v.chain, perRound));
console.log(
  `edge hooks of GET /api/v1/incidents/:id with a cached API key; ${rounds} interleaved rounds of ${perRound}`,
);
for (const v of variants)
  console.log(`${v.name.padEnd(9)} ${median(v.ns).toFixed(0)} ns/request CPU (${v.chain.length} hooks)`);
for (const v of variants) await v.app.close();
