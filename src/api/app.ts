import { randomUUID } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AppError } from '../contracts/index.ts';
import type { ApiDeps } from './deps.ts';
import { watchDetailCache } from './detail-cache.ts';
import { jsonDeeperThan } from './json-depth.ts';
import { registerAccess } from './plugins/access.ts';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './plugins/errors.ts';
import { registerRouting } from './plugins/routing.ts';
import { docsExposure, requireCredential } from './plugins/docs-access.ts';
import { registerRateLimits } from './plugins/rate-limit.ts';
import { registerWebSocketGuard } from './plugins/websocket-guard.ts';
import { edgeServerOptions } from './server-options.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { apiKeyRoutes } from './routes/api-keys.routes.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { readinessRoutes } from './routes/readiness.routes.ts';
import { clusterRoutes } from './routes/cluster.routes.ts';
import { incidentRoutes } from './routes/incidents.routes.ts';
import { caseworkRoutes } from './routes/casework.routes.ts';
import { viewRoutes } from './routes/views.routes.ts';
import { oidcDisabledRoutes, oidcRoutes } from './routes/oidc.routes.ts';
import { playbookRoutes } from './routes/playbooks.routes.ts';
import { triageRetryRoutes } from './routes/triage-retry.routes.ts';
import { killSwitchRoutes } from './routes/kill-switch.routes.ts';
import { connectorRoutes } from './routes/connectors.routes.ts';
import { policyRoutes } from './routes/policies.routes.ts';
import { auditRoutes } from './routes/audit.routes.ts';
import { actionRoutes } from './routes/actions.routes.ts';
import { approvalRoutes } from './routes/approvals.routes.ts';
import { emailRoutes } from './routes/email.routes.ts';
import { llmTranscriptRoutes } from './routes/llm-transcripts.routes.ts';
import { statsRoutes } from './routes/stats.routes.ts';
import { StreamHub, streamRoutes } from './routes/stream.routes.ts';
import { userRoutes } from './routes/users.routes.ts';
import { webhookRoutes } from './routes/webhooks.routes.ts';
import { webhookSourceRoutes } from './routes/webhook-sources.routes.ts';
import { ErrorSchema, IncidentSchema } from './schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for webhook signatures. */
    rawBody?: Buffer;
  }
}

export interface BuiltApp {
  app: FastifyInstance;
  hub: StreamHub;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Deeper documents are refused: nothing legitimate nests this far, and recursion on them can overflow. */
const MAX_JSON_DEPTH = 64;

/**
 * PostgreSQL text and jsonb hold neither U+0000 nor lone UTF-16 surrogates (JSON allows both as
 * escapes). Every string of a request body, keys included, is cleaned once here so that no write
 * path (ingest, decisions, later ones) can turn such input into a database error.
 */
function storable(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = cleanString(k);
    if (key !== '__proto__') out[key] = storable(v, depth + 1);
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function cleanString(s: string): string {
  const noNul = s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
  return noNul.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Builds the HTTP app without listening (tests use `inject()`; src/runtime listens). Routes live
 * under /api/v1; /api/... is an alias; /live, /ready and /metrics sit at the root.
 */
export async function buildApp(
  deps: ApiDeps,
  logger: FastifyBaseLogger,
  options: { surface?: 'full' | 'health' } = {},
): Promise<BuiltApp> {
  // Proxies, timeouts and TLS (server.tls) come from config; see server-options.ts.
  const edge = edgeServerOptions(deps.config);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: deps.config.server.body_limit,
    // With server.tls the raw server is an https.Server; routes and hooks do not depend on which.
    ...edge,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url.startsWith('/api/') && !url.startsWith('/api/v1/') ? `/api/v1/${url.slice(5)}` : url;
    },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
    // Our onResponse hook logs requests (once, with the route template); fastify's own lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
    // Query values get the same cleaning as bodies (a NUL in ?q= would otherwise reach SQL and fail).
    routerOptions: { querystringParser: (query) => storable(parseQuery(query)) as Record<string, unknown> },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const hub = new StreamHub();
  deps.metrics.bind({ webSocketConnections: () => hub.size });

  const routes = registerRouting(app);
  registerErrorHandling(app, routes);
  // Before access: a refused IP is refused before its credential is looked up.
  await registerRateLimits(app, deps);
  registerWebSocketGuard(app, {
    allowedOrigins: deps.config.server.allowed_origins,
    maxConnections: deps.config.server.max_websocket_connections,
    maxPerCredential: deps.config.server.max_websockets_per_credential,
  });
  // Cookies are parsed only by the access check, and only when no bearer key is sent (hot path).
  await app.register(cookie, { hook: false });

  // JSON bodies are kept raw too, for HMAC. Parsing drops __proto__ keys (prototype poisoning).
  // Only JSON is accepted: fastify's default text/plain parser would turn a plain-text body into a
  // string that fails validation (400) instead of the documented 415.
  app.removeAllContentTypeParsers();
  const parseJson = (
    request: { rawBody?: Buffer },
    body: Buffer,
    done: (err: Error | null, body?: unknown) => void,
  ) => {
    request.rawBody = body;
    // A UTF-8 byte-order mark (RFC 8259 §8.1: may be ignored) is dropped; rawBody keeps it for HMAC.
    const text = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
    if (text.length === 0) return done(new AppError('BAD_REQUEST', 'empty JSON body'), undefined);
    // Before parsing: the reviver recurses, and a deep enough document overflows the stack.
    if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
      return done(new AppError('BAD_REQUEST', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.toString('utf8'), (k, v) => (k === '__proto__' ? undefined : v));
    } catch (err) {
      return done(new AppError('BAD_REQUEST', `malformed JSON: ${(err as Error).message}`), undefined);
    }
    done(null, storable(parsed));
  };
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) =>
    parseJson(req, body as Buffer, done),
  );
  app.addContentTypeParser(/^application\/[a-z0-9.+-]*\+json$/, { parseAs: 'buffer' }, (req, body, done) =>
    parseJson(req, body as Buffer, done),
  );

  // Callback hooks, not async ones: these run on every request and a promise each adds up.
  // Serving TLS ourselves: browsers are told to keep to https (behind a proxy, the proxy says so).
  const hsts = edge.https ? 'max-age=31536000' : undefined;
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    if (hsts) reply.header('strict-transport-security', hsts);
    reply.header('x-request-id', request.id);
    // In flight until the response is done or its connection gone ('close' comes either way);
    // WebSocket upgrades are counted as clients instead (tw_websocket_connections).
    if (request.headers.upgrade === undefined) reply.raw.once('close', deps.metrics.httpRequestStarted());
    done();
  });
  const debug = logger.level === 'debug' || logger.level === 'trace';
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.recordRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) request.log.warn({ status: reply.statusCode, route }, 'request failed');
    else if (debug) request.log.debug({ status: reply.statusCode, route, ms: reply.elapsedTime }, 'request');
    done();
  });

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // After the security headers (401/403 answers carry them) and after @fastify/websocket's own
  // onRequest hook: a refused upgrade must still be marked as one, so that its socket is destroyed.
  registerAccess(app, deps.access);
  app.addSchema(ErrorSchema);
  app.addSchema(IncidentSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Triage Warden API',
        version: '1',
        description:
          'Ingest security alerts, follow their triage, decide on incidents. Errors: {code, message, details?, request_id}.',
      },
      tags: [
        { name: 'incidents' },
        { name: 'webhooks' },
        { name: 'stream' },
        { name: 'health' },
        { name: 'auth' },
        { name: 'users' },
        { name: 'api-keys' },
        { name: 'webhook-sources' },
        { name: 'playbooks' },
        { name: 'response' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key tw_<prefix>_<secret>' },
          session: { type: 'apiKey', in: 'cookie', name: 'tw_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  const docs = docsExposure(deps.config);
  if (docs !== 'off')
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      ...(docs === 'authenticated' ? { uiHooks: { onRequest: requireCredential(deps.access) } } : {}),
    });

  await app.register(healthRoutes(deps));
  // Orchestrators serve only /live, /ready and /metrics on their own port.
  if (options.surface === 'health') return { app, hub };
  await app.register(
    async (api) => {
      const cache = watchDetailCache(app, deps.bus, {
        ttlMs: deps.config.server.detail_cache_ttl,
        maxEntries: deps.config.server.detail_cache_entries,
      });
      await api.register(incidentRoutes(deps, cache));
      if (deps.casework) await api.register(caseworkRoutes(deps.casework, cache));
      if (deps.savedViews) await api.register(viewRoutes(deps.savedViews));
      await api.register(webhookRoutes(deps, cache));
      await api.register(streamRoutes(deps, hub));
      // --- single sign-on (issue 9 part 5): login/callback exist only when auth.oidc.enabled ---
      if (deps.config.auth.oidc.enabled) {
        if (!deps.oidc || !deps.sso) throw new Error('auth.oidc.enabled needs deps.oidc and deps.sso');
        await api.register(oidcRoutes({ config: deps.config.auth.oidc, oidc: deps.oidc, ...deps.sso }));
      } else {
        await api.register(oidcDisabledRoutes);
      }
      await api.register(readinessRoutes(deps));
      if (deps.cluster) await api.register(clusterRoutes(deps.cluster));
      if (deps.triageRetry) await api.register(triageRetryRoutes(deps.triageRetry, cache));
      if (deps.killSwitch) await api.register(killSwitchRoutes(deps.killSwitch));
      if (deps.connectors) await api.register(connectorRoutes(deps.connectors));
      if (deps.policies) await api.register(policyRoutes(deps.policies));
      if (deps.audit) await api.register(auditRoutes(deps.audit));
      if (deps.actions) {
        await api.register(actionRoutes({ ...deps.actions, incidents: deps.store }));
        await api.register(approvalRoutes(deps.actions));
      }
      if (deps.email) await api.register(emailRoutes(deps.email, cache, deps.config.email.max_bytes));
      if (deps.llmTranscripts) await api.register(llmTranscriptRoutes(deps.store, deps.llmTranscripts));
      if (deps.identity) {
        await api.register(authRoutes(deps, deps.identity));
        await api.register(userRoutes(deps.identity));
        await api.register(apiKeyRoutes(deps.identity));
      }
      await api.register(webhookSourceRoutes(deps));
      if (deps.playbooks) await api.register(playbookRoutes(deps.playbooks));
      if (deps.stats) await api.register(statsRoutes(deps.stats));
      api.get('/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
    },
    { prefix: '/api/v1' },
  );
  return { app, hub };
}
