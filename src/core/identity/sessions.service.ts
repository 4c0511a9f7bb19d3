import { randomUUID } from 'node:crypto';
import { AppError } from '../../contracts/index.ts';
import type { SessionLookup, UserRecord } from '../../ports/index.ts';
import { announce, type AuthContext, type IdentityDeps } from './identity.deps.ts';
import { dummyPasswordHash, PASSWORD_MAX_LENGTH, verifyPassword } from './password.ts';
import { csrfTokenOf, generateSessionToken, sha256Hex } from './secrets.ts';
import type { StartedSession } from './sso.port.ts';

/** The one message of every failed login: it never says whether the user exists. */
const BAD_LOGIN = 'invalid username or password';
/** last_seen_at is written at most this often per session (a quarter of the idle timeout at most). */
const MAX_TOUCH_INTERVAL_MS = 60_000;

/** A 429 whose Retry-After the API's error handler sends. */
function lockedOut(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return Object.assign(
    new AppError('RATE_LIMIT_EXCEEDED', 'too many failed logins; try again later', { retry_after: seconds }),
    { headers: { 'retry-after': String(seconds) } },
  );
}

/**
 * Password login with brute-force protection (failures counted per username and per client IP in
 * the shared counters, so the limit holds across replicas), and dashboard sessions stored in the
 * database by the hash of their token.
 */
export class SessionsService {
  constructor(private readonly deps: IdentityDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async login(
    username: string,
    password: string,
    meta: { ip: string; userAgent?: string },
  ): Promise<{ user: UserRecord; session: StartedSession }> {
    const s = this.deps.settings;
    const userKey = `login-fail:user:${username.toLowerCase()}`;
    const ipKey = `login-fail:ip:${meta.ip}`;
    const [userFailures, ipFailures] = await Promise.all([
      this.deps.counters.increment(userKey, s.loginWindowMs, 0),
      this.deps.counters.increment(ipKey, s.loginWindowMs, 0),
    ]);
    if (userFailures >= s.loginMaxFailuresPerUser || ipFailures >= s.loginMaxFailuresPerIp) {
      throw lockedOut(s.loginWindowMs);
    }
    const user = await this.deps.store.findUserByUsername(username);
    const stored = user && !user.disabled ? await this.deps.store.passwordHashOf(user.id) : null;
    // Unknown users, disabled ones and SSO-only ones cost one scrypt too: timing tells nothing.
    const ok =
      password.length <= PASSWORD_MAX_LENGTH * 4 &&
      (await verifyPassword(password, stored ?? (await dummyPasswordHash(s.scrypt))));
    if (!user || !stored || !ok) {
      const [u, i] = await Promise.all([
        this.deps.counters.increment(userKey, s.loginWindowMs, 1),
        this.deps.counters.increment(ipKey, s.loginWindowMs, 1),
      ]);
      await this.event('login_failed', `user:${username}`, meta.ip, {});
      if (u === s.loginMaxFailuresPerUser || i === s.loginMaxFailuresPerIp) {
        await this.event('login_lockout', `user:${username}`, meta.ip, {
          by: u >= s.loginMaxFailuresPerUser ? 'user' : 'ip',
        });
      }
      throw new AppError('UNAUTHORIZED', BAD_LOGIN);
    }
    // A success clears the user's failure count (the IP's stays: it may be guessing other names).
    if (userFailures > 0) await this.deps.counters.increment(userKey, s.loginWindowMs, -userFailures);
    await this.deps.store.touchLogin(user.id);
    await this.event('login_succeeded', `user:${user.username}`, meta.ip, { method: 'password' });
    return { user, session: await this.startSession(user.id, meta) };
  }

  /** A new session for the user (password or SSO login). */
  async startSession(userId: string, meta: { ip: string; userAgent?: string }): Promise<StartedSession> {
    const token = generateSessionToken();
    const expiresAt = new Date(this.now().getTime() + this.deps.settings.sessionMaxAgeMs);
    await this.deps.store.createSession({
      id: randomUUID(),
      token_hash: sha256Hex(token),
      user_id: userId,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
      expires_at: expiresAt,
    });
    return { token, csrfToken: csrfTokenOf(token), expiresAt };
  }

  /**
   * The live session of a token hash, or undefined (unknown, idle too long, past its absolute
   * expiry, or its user disabled). Refreshes last_seen_at at most once a minute, off the caller's path.
   */
  async resolve(tokenHash: string): Promise<SessionLookup | undefined> {
    const found = await this.deps.store.findSessionByHash(tokenHash);
    if (!found || found.user.disabled) return undefined;
    const now = this.now().getTime();
    if (found.expires_at.getTime() <= now) return undefined;
    if (found.last_seen_at.getTime() + this.deps.settings.sessionIdleMs <= now) return undefined;
    const touchEvery = Math.min(MAX_TOUCH_INTERVAL_MS, this.deps.settings.sessionIdleMs / 4);
    if (now - found.last_seen_at.getTime() >= touchEvery) {
      this.deps.store
        .touchSession(found.session_id, touchEvery)
        .catch((err: unknown) => this.deps.log.warn({ err: String(err) }, 'session touch failed'));
    }
    return found;
  }

  async logout(sessionId: string, ctx: AuthContext): Promise<void> {
    await this.deps.store.deleteSession(sessionId);
    await this.event('logout', ctx.actor, ctx.ip, {});
    await announce(this.deps, 'session', sessionId);
  }

  /** "Log out everywhere": every session of the user. */
  async logoutAll(userId: string, ctx: AuthContext): Promise<number> {
    const ended = await this.deps.store.deleteUserSessions(userId);
    await this.event('logout_all', ctx.actor, ctx.ip, { sessions: ended });
    await announce(this.deps, 'user', userId);
    return ended;
  }

  private event(type: string, actor: string, ip: string | null, details: Record<string, unknown>) {
    return this.deps.store.recordAuthEvent({ type, actor, subject: null, ip, details });
  }
}
