import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ApprovalLevel, type Role } from '../../contracts/index.ts';

/**
 * Every permission a route can require. `public` needs no credential; `authenticated` any valid
 * credential (who am I, log out); `webhooks:ingest` is proven by the source's HMAC signature in the
 * webhook route itself (or an API key holding it). Roles map to these in one table (identity).
 */
export const PERMISSIONS = [
  'public',
  'authenticated',
  'incidents:read',
  'incidents:write',
  'incidents:decide',
  'webhooks:ingest',
  'stream:read',
  'system:read',
  'users:manage',
  'api_keys:manage',
  'webhook_sources:manage',
  'audit:read',
  'playbooks:read',
  'playbooks:manage',
  'kill_switch:read',
  'kill_switch:activate',
  'kill_switch:deactivate',
  'actions:read',
  'actions:request',
  'approvals:decide',
  'policies:read',
  'policies:manage',
  'connectors:read',
  'connectors:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface Principal {
  /** Username, API key prefix, webhook source name… (unique within `kind`). */
  id: string;
  kind: 'anonymous' | 'user' | 'api_key' | 'webhook';
  permissions: ReadonlySet<Permission> | 'all';
  /** Display name: the username, or the API key's name. */
  name?: string;
  role?: Role;
  /** Users only. */
  userId?: string;
  approvalLevel?: ApprovalLevel;
  /** API keys only (absent for the configured admin key). */
  keyId?: string;
  /** Cookie sessions only: unsafe methods must echo `csrfToken` in `X-CSRF-Token`. */
  session?: { id: string; csrfToken: string };
}

/**
 * The one central access check: who is calling. Resolves to null when the request carries no
 * credential; rejects with UNAUTHORIZED for a credential that is malformed, unknown, expired or
 * revoked (one message for all). The runtime uses IdentityAccessPolicy (identity-access.ts).
 */
export interface AccessPolicy {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
  /**
   * Optional hot path: the principal when the request's credential was verified recently and is
   * known in memory (synchronously, no promise); undefined whenever `authenticate` must decide.
   */
  peek?(request: FastifyRequest): Principal | undefined;
}

/** Lets everyone through as `anonymous` (unit tests of routes that are not about access). */

export const OPEN_ACCESS: AccessPolicy = {
  async authenticate() {
    return { id: 'anonymous', kind: 'anonymous', permissions: 'all' };
  },
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission this route needs; every route must declare one (checked at start-up). */
    permission?: Permission;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthorized(reply: FastifyReply, err: unknown): Error {
  void reply.header('www-authenticate', 'Bearer');
  return err as Error;
}

/**
 * Registers the check on every route and refuses to start if a route forgot its permission.
 * No credential → 401 (with `WWW-Authenticate: Bearer`), except on `webhooks:ingest` routes, which
 * check the source's HMAC signature themselves; a bad credential → 401; a cookie session writing
 * without its CSRF token, or any principal lacking the permission → 403.
 */
export function registerAccess(app: FastifyInstance, policy: AccessPolicy): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) {
      route.config = { ...(route.config ?? {}), permission: 'public' };
    }
    const permission = (route.config as { permission?: Permission } | undefined)?.permission;
    if (!permission || !PERMISSIONS.includes(permission)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission`);
    }
  });
  // Callback style: public routes (health, login) pay no promise, nor does a credential the policy
  // verified recently (peek); the rest one authenticate().
  app.addHook('onRequest', (request, reply, done) => {
    const permission = request.routeOptions.config.permission;
    if (!permission || permission === 'public') return done(); // no permission: the 404 handler
    const known = policy.peek?.(request);
    if (known !== undefined) return done(check(request, reply, permission, known));
    policy.authenticate(request).then(
      (principal) => done(check(request, reply, permission, principal)),
      (err: unknown) =>
        done((err as { code?: string }).code === 'UNAUTHORIZED' ? unauthorized(reply, err) : (err as Error)),
    );
  });
}

/** The decision for an authenticated (or not) request; undefined lets it through. */
function check(
  request: FastifyRequest,
  reply: FastifyReply,
  permission: Permission,
  principal: Principal | null,
): Error | undefined {
  if (!principal) {
    if (permission === 'webhooks:ingest') return undefined; // the route's signature check decides
    return unauthorized(reply, new AppError('UNAUTHORIZED', 'authentication required'));
  }
  request.principal = principal;
  if (principal.session && !SAFE_METHODS.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !safeEqual(sent, principal.session.csrfToken))
      return new AppError('FORBIDDEN', 'missing or wrong X-CSRF-Token for a cookie session');
  }
  if (principal.permissions !== 'all' && !principal.permissions.has(permission)) {
    return new AppError('FORBIDDEN', `this needs the ${permission} permission`);
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The identity an incident created by this request is attributed to (its `source`):
 * `api:<key name>` or `user:<username>`; never what the body claims.
 */
export function sourceOf(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) return 'anonymous';
  if (p.kind === 'api_key') return `api:${p.name ?? p.id}`;
  if (p.kind === 'user') return `user:${p.name ?? p.id}`;
  return `${p.kind}:${p.id}`;
}

/** The actor name written to the audit log for a request. */
export function actorOf(request: FastifyRequest): string {
  const p = request.principal;
  return p ? `${p.kind}:${p.id}` : 'anonymous';
}
