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

/**
 * Verifies DESIGN.md's scheme: HMAC-SHA256 (hex, optional `sha256=` prefix) of the raw body with
 * the source's secret. When X-Webhook-Timestamp is sent it must lie within the tolerance, and the
 * signature may also cover `<timestamp>.<body>` (which binds the timestamp, so a captured request
 * cannot be replayed later with a fresh header). Throws INVALID_SIGNATURE with the reason.
 */
export function verifySignature(check: SignatureCheck): VerifiedSignature {
  let sent: string | undefined;
  for (const name of SIGNATURE_HEADERS) {
    sent = header(check.headers, name);
    if (sent) break;
  }
  if (!sent) throw new AppError('INVALID_SIGNATURE', `missing signature header (${SIGNATURE_HEADERS[0]})`);
  const signature = sent
    .trim()
    .replace(/^sha256=/i, '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw new AppError(
      'INVALID_SIGNATURE',
      'signature must be 64 hex characters, optionally prefixed sha256=',
    );
  }
  const tsRaw = header(check.headers, TIMESTAMP_HEADER);
  let timestamp: number | undefined;
  if (tsRaw !== undefined) {
    if (!/^\d{1,12}$/.test(tsRaw.trim()))
      throw new AppError('INVALID_SIGNATURE', 'X-Webhook-Timestamp must be unix seconds');
    timestamp = Number(tsRaw.trim());
    const skew = Math.abs(check.now.getTime() - timestamp * 1000);
    if (skew > check.toleranceMs) {
      throw new AppError(
        'INVALID_SIGNATURE',
        `timestamp outside the accepted window of ${check.toleranceMs / 1000} s`,
      );
    }
  }
  const bodyOnly = hmacHex(check.secret, check.rawBody);
  const withTs = timestamp !== undefined ? hmacHex(check.secret, `${timestamp}.`, check.rawBody) : undefined;
  // Evaluate both comparisons (no early exit) to keep timing independent of which one matches.
  const okBody = equalHex(signature, bodyOnly);
  const okTs = withTs !== undefined && equalHex(signature, withTs);
  if (!okBody && !okTs) throw new AppError('INVALID_SIGNATURE', 'signature does not match');
  return { signature, ...(timestamp !== undefined ? { timestamp } : {}) };
}
