import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../contracts/index.ts';

/** Headers that may carry the signature, in the order they are looked at. */
export const SIGNATURE_HEADERS = ['x-webhook-signature', 'x-signature-256', 'x-hub-signature-256'] as const;
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';

export interface SignatureCheck {
  secret: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  now: Date;
  toleranceMs: number;
}

export interface VerifiedSignature {
  /** The signature as sent (lower-case hex), usable as a replay key. */
  signature: string;
  /** Unix seconds from X-Webhook-Timestamp, when sent. */
  timestamp?: number;
}

function header(headers: SignatureCheck['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function hmacHex(secret: string, ...parts: (string | Buffer)[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** What a request presents, after the checks that do not depend on the source. */
export interface PresentedSignature {
  /** Lower-case hex, when a signature header was sent. */
  signature?: string;
  /** Unix seconds from X-Webhook-Timestamp, when sent. */
  timestamp?: number;
}

/**
 * The checks that are the same for every source (so their specific messages reveal nothing about
 * which sources exist): a signature header, when present, is 64 hex characters with an optional
 * `sha256=` prefix; X-Webhook-Timestamp, when present, is unix seconds within the tolerance.
 * Throws INVALID_SIGNATURE with the reason.
 */
export function readSignatureHeaders(
  headers: SignatureCheck['headers'],
  now: Date,
  toleranceMs: number,
): PresentedSignature {
  let sent: string | undefined;
  for (const name of SIGNATURE_HEADERS) {
    sent = header(headers, name);
    if (sent) break;
  }
  let signature: string | undefined;
  if (sent !== undefined && sent !== '') {
    signature = sent
      .trim()
      .replace(/^sha256=/i, '')
      .toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(signature)) {
      throw new AppError(
        'INVALID_SIGNATURE',
        'signature must be 64 hex characters, optionally prefixed sha256=',
      );
    }
  }
  const tsRaw = header(headers, TIMESTAMP_HEADER);
  let timestamp: number | undefined;
  if (tsRaw !== undefined) {
    if (!/^\d{1,12}$/.test(tsRaw.trim()))
      throw new AppError('INVALID_SIGNATURE', 'X-Webhook-Timestamp must be unix seconds');
    timestamp = Number(tsRaw.trim());
    const skew = Math.abs(now.getTime() - timestamp * 1000);
    if (skew > toleranceMs) {
      throw new AppError(
        'INVALID_SIGNATURE',
        `timestamp outside the accepted window of ${toleranceMs / 1000} s`,
      );
    }
  }
  return {
    ...(signature !== undefined ? { signature } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

/**
 * True when `signature` is the HMAC of the body (or of `<timestamp>.<body>`, which binds the
 * timestamp) under any of `secrets`; with `timestampBound`, only the second form (a body-only
 * signature could be replayed after the window under a fresh timestamp header). Every comparison
 * runs (no early exit), so the time taken does not say which secret or form matched.
 */
export function signatureMatches(
  secrets: readonly string[],
  rawBody: Buffer,
  signature: string,
  timestamp: number | undefined,
  options: { timestampBound?: boolean } = {},
): boolean {
  let ok = false;
  for (const secret of secrets) {
    const okBody = !options.timestampBound && equalHex(signature, hmacHex(secret, rawBody));
    const okTs = timestamp !== undefined && equalHex(signature, hmacHex(secret, `${timestamp}.`, rawBody));
    ok = ok || okBody || okTs;
  }
  return ok;
}

/**
 * Verifies DESIGN.md's scheme for one secret: HMAC-SHA256 (hex, optional `sha256=` prefix) of the
 * raw body. When X-Webhook-Timestamp is sent it must lie within the tolerance, and the signature may
 * also cover `<timestamp>.<body>` (which binds the timestamp, so a captured request cannot be
 * replayed later with a fresh header). Throws INVALID_SIGNATURE with the reason.
 */
export function verifySignature(check: SignatureCheck): VerifiedSignature {
  const presented = readSignatureHeaders(check.headers, check.now, check.toleranceMs);
  if (!presented.signature)
    throw new AppError('INVALID_SIGNATURE', `missing signature header (${SIGNATURE_HEADERS[0]})`);
  if (!signatureMatches([check.secret], check.rawBody, presented.signature, presented.timestamp))
    throw new AppError('INVALID_SIGNATURE', 'signature does not match');
  return {
    signature: presented.signature,
    ...(presented.timestamp !== undefined ? { timestamp: presented.timestamp } : {}),
  };
}
