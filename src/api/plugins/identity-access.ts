import { timingSafeEqual } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../contracts/index.ts';
import { API_KEY_PATTERN, csrfTokenOf, sha256Hex, type IdentityService } from '../../core/identity/index.ts';
import type { StartedSession } from '../../core/identity/sso.port.ts';
import type { ApiKeyRecord, EventBus } from '../../ports/index.ts';
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

/** A key to confirm in constant time: the whole key, and a buffer of its length to copy a candidate into. */
interface KeySecret {
  secret: Buffer;
  scratch: Buffer;
}

function keySecret(key: string): KeySecret {
  const secret = Buffer.from(key, 'latin1');
  return { secret, scratch: Buffer.alloc(secret.length) };
}

/** A verified API key, cached by its prefix; `secret` is the whole key, confirmed in constant time. */
interface VerifiedKey extends KeySecret {
  principal: Principal;
  /** Absent for the configured admin key. */
  key?: ApiKeyRecord;
}

export interface IdentityAccessOptions {
  identity: IdentityService;
  /** The configured admin key (auth.admin_api_key), if any. */
  adminApiKey?: string;
  cacheTtlMs: number;
  cacheEntries: number;
}

/** The prefix of a `tw_<prefix>_<secret>` token, or undefined (no hashing, no regular expression). */
function prefixOf(token: string): string | undefined {
  if (!token.startsWith('tw_')) return undefined;
  const cut = token.indexOf('_', 3);
  return cut > 3 ? token.slice(3, cut) : undefined;
}

/**
 * Constant-time: true when `token` is the whole key (lengths are not secret). The candidate is
 * copied into the entry's own buffer (no allocation per request; JavaScript runs one request's
 * check at a time) and compared with timingSafeEqual.
 */
function sameKey(token: string, key: KeySecret): boolean {
  if (token.length !== key.secret.length) return false;
  key.scratch.write(token, 'latin1');
  return timingSafeEqual(key.scratch, key.secret);
}

/**
 * The access policy of issue #9: `Authorization: Bearer tw_…` API keys (the configured admin key
 * included), else the `tw_session` cookie of a dashboard session. A bad credential is a 401 with
 * one message.
 *
 * Verified credentials are cached per process (see {@link CredentialCache}: TTL, bound, cleared on
 * every `credentials_changed`): API keys by their prefix — an identifier, shown in lists and logs,
 * not part of the secret's strength — holding the whole key, which each request must match in
 * constant time, so a cached key costs no hash; sessions by the hash of their token. Only what the
 * database verified enters those caches: an unknown, revoked or expired credential is remembered
 * (by hash) in a separate cache of refusals, so a flood of guesses can evict other guesses but never
 * a verified credential. A cached key's expiry still counts on every request.
 */
export class IdentityAccessPolicy implements AccessPolicy {
  /** Verified API keys, by prefix. */
  readonly keys: CredentialCache<VerifiedKey>;
  /** Verified sessions, by the hash of their token. */
  readonly sessions: CredentialCache<Principal>;
  /** Credentials the database refused, by the hash of the secret. */
  readonly refused: CredentialCache<true>;
  private readonly admin: (KeySecret & { prefix: string }) | undefined;
  /**
   * Database lookups in flight, by hash: requests that miss the cache together (each time a
   * verification expires, every connection's next request does) share one read. Forgotten on
   * clear(), so no request that starts after a revocation joins a read that began before it.
   */
  private readonly lookups = new Map<string, Promise<unknown>>();
  private static readonly ADMIN: Principal = {
    id: 'admin-env',
    kind: 'api_key',
    name: 'admin',
    role: 'admin',
    permissions: 'all',
  };

  constructor(private readonly options: IdentityAccessOptions) {
    this.keys = new CredentialCache(options.cacheTtlMs, options.cacheEntries);
    this.sessions = new CredentialCache(options.cacheTtlMs, options.cacheEntries);
    this.refused = new CredentialCache(options.cacheTtlMs, options.cacheEntries);
    const adminPrefix = options.adminApiKey ? prefixOf(options.adminApiKey) : undefined;
    this.admin =
      options.adminApiKey && adminPrefix
        ? { prefix: adminPrefix, ...keySecret(options.adminApiKey) }
        : undefined;
  }

  /** Forgets every cached credential (a key or session changed somewhere in the cluster). */
  clear(): void {
    this.lookups.clear();
    this.keys.clear();
    this.sessions.clear();
    this.refused.clear();
  }

  /** Clears the caches on every `credentials_changed` published on the bus; resolves to an unsubscribe. */
  async watch(bus: EventBus): Promise<() => void> {
    return bus.subscribe((event) => {
      if (event.type === 'credentials_changed') this.clear();
    });
  }

  /**
   * The hot path: the principal of a bearer API key this process verified within the cache TTL
   * (unexpired), without a promise; undefined for anything else (then `authenticate` decides).
   */
  peek(request: FastifyRequest): Principal | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    // The usual spelling without a regular expression; whatever else follows `Bearer ` can only
    // match a cached key if it is that key, character for character (sameKey).
    const token = header.startsWith('Bearer ') ? header.slice(7) : BEARER.exec(header)?.[1];
    const prefix = token === undefined ? undefined : prefixOf(token);
    if (prefix === undefined) return undefined;
    return this.known(token!, prefix, Date.now());
  }

  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header !== undefined && /^bearer\b/i.test(header)) {
      const token = BEARER.exec(header)?.[1];
      if (!token || !API_KEY_PATTERN.test(token)) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
      return this.byKey(token);
    }
    const cookie = request.headers.cookie;
    if (!cookie || !cookie.includes(SESSION_COOKIE)) return null;
    const token = fastifyCookie.parse(cookie)[SESSION_COOKIE];
    if (!token) return null;
    if (!SESSION_TOKEN.test(token)) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    return this.bySession(token);
  }

  /** The principal of a well-formed key verified earlier, if it is cached, matches and has not expired. */
  private known(token: string, prefix: string, now: number): Principal | undefined {
    if (this.admin !== undefined && prefix === this.admin.prefix && sameKey(token, this.admin))
      return IdentityAccessPolicy.ADMIN;
    const cached = this.keys.get(prefix);
    if (cached === undefined || !sameKey(token, cached)) return undefined;
    const key = cached.key;
    if (key !== undefined) {
      if (key.expires_at !== null && key.expires_at.getTime() <= now) return undefined;
      this.options.identity.keys.touch(key);
    }
    return cached.principal;
  }

  /** `read()`, or the same read already in flight for `hash`. */
  private shared<T>(hash: string, read: () => Promise<T>): Promise<T> {
    let lookup = this.lookups.get(hash) as Promise<T> | undefined;
    if (lookup === undefined) {
      lookup = read().finally(() => {
        if (this.lookups.get(hash) === lookup) this.lookups.delete(hash);
      });
      this.lookups.set(hash, lookup);
    }
    return lookup;
  }

  private async byKey(token: string): Promise<Principal> {
    const prefix = prefixOf(token)!;
    const known = this.known(token, prefix, Date.now());
    if (known) return known;
    const hash = sha256Hex(token);
    if (this.refused.get(hash)) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    const ticket = this.keys.begin();
    const refusal = this.refused.begin();
    const key = await this.shared(hash, () => this.options.identity.keys.resolve(hash));
    if (!key) {
      this.refused.set(hash, refusal, true);
      throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    }
    const principal: Principal = {
      id: key.prefix,
      kind: 'api_key',
      name: key.name,
      role: key.role,
      keyId: key.id,
      permissions: permissionsOf(key.role, key.scopes),
    };
    // The prefix the key was stored under, not the presented one (they are equal: the hash matched).
    this.keys.set(key.prefix, ticket, { ...keySecret(token), principal, key });
    this.options.identity.keys.touch(key);
    return principal;
  }

  private async bySession(token: string): Promise<Principal> {
    const hash = sha256Hex(token);
    const cached = this.sessions.get(hash);
    if (cached !== undefined) return cached;
    if (this.refused.get(hash)) throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    const ticket = this.sessions.begin();
    const refusal = this.refused.begin();
    const found = await this.shared(hash, () => this.options.identity.sessions.resolve(hash));
    if (!found) {
      this.refused.set(hash, refusal, true);
      throw new AppError('UNAUTHORIZED', BAD_CREDENTIAL);
    }
    const principal: Principal = {
      id: found.user.username,
      kind: 'user',
      name: found.user.username,
      role: found.user.role,
      userId: found.user.id,
      approvalLevel: found.user.approval_level,
      session: { id: found.session_id, csrfToken: csrfTokenOf(token) },
      permissions: permissionsOf(found.user.role),
    };
    this.sessions.set(hash, ticket, principal);
    return principal;
  }
}
