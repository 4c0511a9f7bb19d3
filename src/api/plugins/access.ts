import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../contracts/index.ts';

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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface Principal {
  id: string;
  kind: 'anonymous' | 'user' | 'api_key' | 'webhook';
  permissions: ReadonlySet<Permission> | 'all';
}

/**
 * The one central access check. Until accounts exist the default policy lets everyone through as
 * `anonymous`; the identity issue swaps in a policy that reads sessions and API keys, without
 * touching any route.
 */
export interface AccessPolicy {
  authenticate(request: FastifyRequest): Promise<Principal>;
}

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

/** Registers the check on every route and refuses to start if a route forgot its permission. */
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
  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (!permission) return; // 404 handler
    if (permission === 'public') return;
    const principal = await policy.authenticate(request);
    request.principal = principal;
    if (principal.permissions !== 'all' && !principal.permissions.has(permission)) {
      throw new AppError('FORBIDDEN', `this needs the ${permission} permission`);
    }
  });
}

/** The actor name written to the audit log for a request. */
export function actorOf(request: FastifyRequest): string {
  const p = request.principal;
  return p ? `${p.kind}:${p.id}` : 'anonymous';
}
