import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters drawn uniformly from [0-9A-Za-z] (no modulo bias: randomInt rejects). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

/** SHA-256, hex. Right for high-entropy secrets (API keys, session tokens); never for passwords. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time equality of two strings (false on different lengths, without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** API key shape: `tw_<prefix>_<secret>`; the prefix identifies the key in lists and logs. */
export const API_KEY_PATTERN = /^tw_([A-Za-z0-9]{4,32})_([A-Za-z0-9]{32,128})$/;
const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 40;

export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** A new API key: 8-character prefix, 40-character base62 secret (~238 bits). */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBase62(PREFIX_LENGTH);
  const key = `tw_${prefix}_${randomBase62(SECRET_LENGTH)}`;
  return { key, prefix, hash: sha256Hex(key) };
}

/** The prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  return API_KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** An opaque session token (256 bits) and the CSRF token derived from it. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The CSRF token of a session: derived from the session token, so it needs no storage, and it
 * cannot be computed from the stored hash (a database reader learns neither).
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update('tw-csrf\0').update(sessionToken).digest('base64url');
}
