import type { ApprovalLevel, Role } from '../../contracts/index.ts';

/** A user as single sign-on sees it after a login. */
export interface SsoUser {
  id: string;
  role: Role;
  approval_level: ApprovalLevel;
  disabled: boolean;
}

/** A started session: what the cookie and the CSRF header need. */
export interface StartedSession {
  /** Opaque session token for the cookie (only its hash is stored). */
  token: string;
  /** Sent back by the dashboard in `X-CSRF-Token` on cookie-authenticated writes. */
  csrfToken: string;
  expiresAt: Date;
}

/**
 * What single sign-on (OpenID Connect) needs from the identity store. The password login and SSO
 * end the same way: a user, then a session stored in the database (shared by every API replica).
 */
export interface SsoUserSink {
  /**
   * Finds the user linked to (issuer, subject), else creates it (no password); on every login the
   * role from the group mapping and the email/name claims are written again. Records the login as
   * an authentication event.
   */
  upsertSsoUser(input: {
    issuer: string;
    subject: string;
    email?: string;
    name?: string;
    role: Role;
    ip: string;
  }): Promise<SsoUser>;
  /** Starts a session exactly as a password login does. */
  startSession(userId: string, meta: { ip: string; userAgent?: string }): Promise<StartedSession>;
}
