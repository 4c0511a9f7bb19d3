import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../contracts/index.ts';
import {
  API_KEY_PATTERN,
  csrfTokenOf,
  safeEqual,
  sha256Hex,
  type IdentityService,
} from '../../core/identity/index.ts';
import type { StartedSession } from '../../core/identity/sso.port.ts';
import type { ApiKeyRecord } from '../../ports/index.ts';
import type { AccessPolicy, Principal } from './access.ts';
import { CredentialCache } from './credential-cache.ts';
import { permissionsOf } from './role-permissions.ts';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'tw_session';
/**
 * Options of the session cookie (password and single sign-on logins set it alike): HttpOnly,
 * SameSite=Lax, Path=/, Secure when the request came over TLS (directly, or per X-Forwarded-Proto
 * from a trusted proxy: `server.trust_proxy`).
 */
export function sessionCookieOptions(request: FastifyRequest, expires: Date) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: request.protocol === 'https',
    expires,
  };
}

/** Sets the session cookie of a started session (single sign-on uses it as the password login does). */
export function setSessionCookie(reply: FastifyReply, session: StartedSession, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    expires: session.expiresAt,
  });
}

/** One message for every bad credential: it never says whether a key exists, expired or was revoked. */
export const BAD_CREDENTIAL = 'invalid or expired credential';
const BEARER = /^Bearer +([^\s]+) *$/i;
const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

type Cached = { principal: Principal; key?: ApiKeyRecord } | null;

export interface IdentityAccessOptions {
  identity: IdentityService;
  /** The configured admin key (auth.admin_api_key), if any. */
  adminApiKey?: string;
  cacheTtlMs: number;
  cacheEntries: number;
}

/**
 * The access policy of issue #9: `Authorization: Bearer tw_…` API keys (the configured admin key
 * included), else the `tw_session` cookie of a dashboard session. Verified credentials are cached
 * per process by hash (see {@link CredentialCache}); a bad credential is a 401 with one message.
 */
export class IdentityAccessPolicy implements AccessPolicy {
  readonly cache: CredentialCache<Cached>;
  private readonly adminHash: string | undefined;
  private static readonly ADMIN: Principal = {
    id: 'admin-env',
    kind: 'api_key',
    name: 'admin',
    role: 'admin',
    permissions: 'all',
  };

  constructor(private readonly options: IdentityAccessOptions) {
    this.cache = new CredentialCache(options.cacheTtlMs, options.cacheEntries);
    this.adminHash = options.adminApiKey ? sha256Hex(options.adminApiKey) : undefined;
  }

  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header !== undefined && /^bearer\b/i.test(header)) {
      const token = BEARER.exec(header)?.[1];
      if (!token || !API_KEY_PATTERN.test(token)) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
      return this.byKey(sha256Hex(token));
    }
    const cookie = request.headers.cookie;
    if (!cookie || !cookie.includes(SESSION_COOKIE)) return null;
    const token = fastifyCookie.parse(cookie)[SESSION_COOKIE];
    if (!token) return null;
    if (!SESSION_TOKEN.test(token)) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    return this.bySession(token);
  }

  private async byKey(hash: string): Promise<Principal> {
    if (this.adminHash !== undefined && safeEqual(hash, this.adminHash)) return IdentityAccessPolicy.ADMIN;
    let cached = this.cache.get(hash);
    if (cached === undefined) {
      const ticket = this.cache.begin();
      const key = await this.options.identity.keys.resolve(hash);
      cached = key
        ? {
            key,
            principal: {
              id: key.prefix,
              kind: 'api_key',
              name: key.name,
              role: key.role,
              keyId: key.id,
              permissions: permissionsOf(key.role, key.scopes),
            },
          }
        : null;
      this.cache.set(hash, ticket, cached);
    }
    if (!cached) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    // The cached record's expiry still counts between database reads.
    if (cached.key?.expires_at && cached.key.expires_at.getTime() <= Date.now())
      throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    if (cached.key) this.options.identity.keys.touch(cached.key);
    return cached.principal;
  }

  private async bySession(token: string): Promise<Principal> {
    const hash = sha256Hex(token);
    let cached = this.cache.get(hash);
    if (cached === undefined) {
      const ticket = this.cache.begin();
      const found = await this.options.identity.sessions.resolve(hash);
      cached = found
        ? {
            principal: {
              id: found.user.username,
              kind: 'user',
              name: found.user.username,
              role: found.user.role,
              userId: found.user.id,
              approvalLevel: found.user.approval_level,
              session: { id: found.session_id, csrfToken: csrfTokenOf(token) },
              permissions: permissionsOf(found.user.role),
            },
          }
        : null;
      this.cache.set(hash, ticket, cached);
    }
    if (!cached) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    return cached.principal;
  }
}
