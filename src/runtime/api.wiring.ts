import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import type { ApiDeps, ReadinessReport } from '../api/deps.ts';
import type { AccessPolicy } from '../api/plugins/access.ts';
import { setSessionCookie } from '../api/plugins/identity-access.ts';
import { dashboardRoutes } from '../api/routes/dashboard.routes.ts';
import type { SsoWiring } from '../api/routes/oidc.routes.ts';
import type { StreamHub } from '../api/routes/stream.routes.ts';
import type { OpenIdClientLogin } from '../adapters/oidc/index.ts';
import { SqlAuditLog, SqlAuditQuery, type SqlDatabase } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';
import type { Logger } from '../ports/index.ts';
import { optionalModule } from '../core/shared/optional-module.ts';
import { createCasework } from './casework.wiring.ts';
import { createStats } from './stats.wiring.ts';
import type { IdentityWiring } from './identity-wiring.ts';
import type { CoreServices } from './services.wiring.ts';
import type { Transports } from './transports.ts';
import type { ResponseWiring } from './response.wiring.ts';

export interface ApiWiringInput {
  config: Config;
  /** `orchestrator` serves health only and has no single sign-on. */
  surface: 'full' | 'health';
  database: SqlDatabase;
  transports: Transports;
  services: CoreServices;
  /** Response actions (routes /actions, /approvals). */
  response?: ResponseWiring;
  identity: IdentityWiring;
  /** Replaces the configured access policy (tests of the HTTP edge). */
  access?: AccessPolicy;
  /** Replaces the identity store + session cookie used by single sign-on. */
  sso?: SsoWiring;
  isShuttingDown(): boolean;
  log: PinoLogger;
  portLog: Logger;
  /** The cluster registry's view (GET /api/v1/cluster). */
  cluster?: ApiDeps['cluster'];
}

export interface ApiWiring {
  app: FastifyInstance;
  hub: StreamHub;
  /** Single sign-on, when enabled and the role serves the full API; discovery starts with the runtime. */
  oidc?: OpenIdClientLogin;
}

/** The HTTP edge: readiness checks, single sign-on and the Fastify app over the core services. */
export async function createApi(input: ApiWiringInput): Promise<ApiWiring> {
  const { config, database, transports: t, services, log, portLog } = input;
  const readiness = async (): Promise<ReadinessReport> => {
    const checks: ReadinessReport['checks'] = {};
    const withTimeout = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000).unref()),
      ]);
    try {
      await withTimeout(database.ping());
      checks.database = {
        ok: true,
        ...(database.kind === 'postgres'
          ? { detail: database.replicaInUse() ? 'replica reads on' : 'primary only' }
          : {}),
      };
    } catch (err) {
      checks.database = { ok: false, detail: `database unreachable: ${(err as Error).message}` };
    }
    if (t.kind === 'redis') {
      try {
        checks.redis = await withTimeout(t.check());
      } catch (err) {
        checks.redis = { ok: false, detail: `redis unreachable: ${(err as Error).message}` };
      }
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };

  // --- single sign-on (issue 9 part 5) ---
  const oidcConfig = config.auth.oidc;
  // openid-client (with jose and oauth4webapi) is loaded only when single sign-on is on.
  const oidc =
    oidcConfig.enabled && input.surface === 'full'
      ? new (
          await optionalModule('auth.oidc', () => import('../adapters/oidc/oidc.client.ts'))()
        ).OpenIdClientLogin({
          issuerUrl: oidcConfig.issuer_url!,
          clientId: oidcConfig.client_id!,
          ...(oidcConfig.client_secret ? { clientSecret: oidcConfig.client_secret } : {}),
          redirectUrl: oidcConfig.redirect_url!,
          scopes: oidcConfig.scopes,
          tokenAuthMethod: oidcConfig.token_auth_method,
          timeoutMs: oidcConfig.timeout,
          log: portLog.child({ component: 'oidc' }),
        })
      : undefined;

  const apiDeps: ApiDeps = {
    config,
    store: services.store,
    ingest: services.ingest,
    decisions: services.decisions,
    bus: t.bus,
    counters: t.counters,
    metrics: services.metrics,
    access: input.access ?? input.identity.access,
    identity: input.identity.identity,
    readiness,
    webhookSources: services.webhooks.sources,
    replays: services.webhooks.replays,
    playbooks: services.playbooks.service,
    email: services.email.service,
    llmTranscripts: services.llmTranscripts,
    isShuttingDown: input.isShuttingDown,
    ...(oidc ? { oidc } : {}),
    // Single sign-on ends like a password login: a user in the identity store, a database session.
    sso: input.sso ?? { users: input.identity.identity, setSessionCookie },
    knownSource: services.knownSource,
    triageRetry: services.triageRetry,
    killSwitch: services.killSwitch,
    connectors: services.connectors.service,
    ...createCasework(database, { decisions: services.decisions, bus: t.bus, log: portLog }),
    policies: services.policy.service,
    audit: { query: new SqlAuditQuery(database), log: new SqlAuditLog(database) },
    ...(input.response ? { actions: { service: input.response.service, store: input.response.store } } : {}),
    ...createStats(database),
    ...(input.cluster ? { cluster: input.cluster } : {}),
  };
  if (config.server.trust_proxy && config.server.trusted_proxies.length === 0)
    log.warn(
      'server.trust_proxy=true trusts X-Forwarded-For from ANY peer (anyone can pick the IP the rate limits see): list the load balancers in server.trusted_proxies instead',
    );
  const { app, hub } = await buildApp(apiDeps, log as FastifyBaseLogger, { surface: input.surface });
  // The analyst dashboard (web/dist) at /, on API roles only (docs/DASHBOARD.md).
  if (input.surface === 'full') await app.register(dashboardRoutes({ warn: (m) => log.warn(m) }));
  return { app, hub, ...(oidc ? { oidc } : {}) };
}
