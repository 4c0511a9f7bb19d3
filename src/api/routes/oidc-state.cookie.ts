import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { OidcLoginChecks } from '../../core/identity/oidc-login.port.ts';

/** Name of the short-lived cookie carrying a login in progress. */
export const STATE_COOKIE = 'tw_oidc_state';

const AAD = Buffer.from('tw-oidc-state-v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The cookie key, derived with HKDF from a secret every replica shares (`auth.oidc.state_secret`,
 * else the client secret), so the replica that receives the callback can read what another one
 * wrote at login.
 */
export function stateCookieKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'triage-warden', 'oidc-state-cookie-v1', 32));
}

interface Sealed {
  s: string;
  n: string;
  v: string;
  /** Expiry, epoch ms: the cookie's Max-Age is a hint to the browser, this is the rule. */
  e: number;
}

/**
 * Encrypts and authenticates the login checks (AES-256-GCM, random IV): the browser can neither
 * read the PKCE verifier nor forge a state. Returns a base64url cookie value.
 */
export function sealState(key: Buffer, checks: OidcLoginChecks, expiresAt: number): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body: Sealed = { s: checks.state, n: checks.nonce, v: checks.codeVerifier, e: expiresAt };
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, encrypted, cipher.getAuthTag()]).toString('base64url');
}

/** The checks in a cookie value, or `null` when it is malformed, tampered with, or expired. */
export function openState(key: Buffer, value: string, now: number): OidcLoginChecks | null {
  if (value.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const raw = Buffer.from(value, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]);
    const body = JSON.parse(plain.toString('utf8')) as Partial<Sealed>;
    if (typeof body.e !== 'number' || body.e <= now) return null;
    if (typeof body.s !== 'string' || typeof body.n !== 'string' || typeof body.v !== 'string') return null;
    return { state: body.s, nonce: body.n, codeVerifier: body.v };
  } catch {
    return null;
  }
}
