import { randomBytes } from 'node:crypto';
import { AppError } from '../../contracts/index.ts';
import type { Logger } from '../../ports/index.ts';
import { readSignatureHeaders, signatureMatches, type SignatureCheck } from './signature.ts';
import type { ResolvedSource } from './webhook-source.types.ts';

/**
 * The one answer for every source-dependent refusal — unknown source, disabled source, missing or
 * wrong signature, missing timestamp where one is required — so a 401 never tells which sources exist.
 */
export const WEBHOOK_AUTH_FAILED =
  'webhook authentication failed: the signature is missing or does not match, the source is not accepted, or X-Webhook-Timestamp is required';

function refused(): AppError {
  return new AppError('INVALID_SIGNATURE', WEBHOOK_AUTH_FAILED);
}

/** Burns one HMAC's worth of time for requests that fail before any secret is tried. */
const DECOY_SECRET = [randomBytes(32).toString('hex')];

export interface WebhookAuthRequest {
  /** The path's source name, lower-case and already checked against SOURCE_NAME_PATTERN. */
  name: string;
  rawBody: Buffer;
  headers: SignatureCheck['headers'];
  now: Date;
  toleranceMs: number;
  resolve: (name: string) => Promise<ResolvedSource | undefined>;
  log: Logger;
}

export interface AuthenticatedWebhook {
  source: ResolvedSource;
  /** Replay slot key when the request carried a timestamp (a signed, time-bound request). */
  replayKey?: string;
}

/**
 * Authenticates a webhook request as its path's source. Source-independent format checks come
 * first (their messages are the same for every name); everything that depends on the source ends in
 * the single {@link WEBHOOK_AUTH_FAILED}. Why a request was refused is logged at debug, without the
 * path's name (an attacker's string) unless the source exists.
 */
export async function authenticateWebhook(req: WebhookAuthRequest): Promise<AuthenticatedWebhook> {
  const presented = readSignatureHeaders(req.headers, req.now, req.toleranceMs);
  const source = await req.resolve(req.name);
  if (!source || !source.enabled) {
    if (presented.signature) signatureMatches(DECOY_SECRET, req.rawBody, presented.signature, undefined);
    req.log.debug(
      source ? { source: source.name, reason: 'disabled' } : { reason: 'unknown source' },
      'webhook refused',
    );
    throw refused();
  }
  if (source.unsigned) return { source };
  const { signature, timestamp } = presented;
  if (!signature || source.secrets.length === 0) {
    req.log.debug(
      { source: source.name, reason: signature ? 'no usable secret' : 'no signature' },
      'webhook refused',
    );
    throw refused();
  }
  if (source.requireTimestamp && timestamp === undefined) {
    req.log.debug({ source: source.name, reason: 'timestamp required' }, 'webhook refused');
    throw refused();
  }
  // A source that requires the timestamp also requires it signed (`<timestamp>.<body>`).
  if (
    !signatureMatches(source.secrets, req.rawBody, signature, timestamp, {
      timestampBound: source.requireTimestamp,
    })
  ) {
    req.log.debug({ source: source.name, reason: 'signature mismatch' }, 'webhook refused');
    throw refused();
  }
  return {
    source,
    // Keyed by the canonical name: an alias shares the canonical source's secret, so a request
    // captured on one path is the same request on the other.
    ...(timestamp !== undefined ? { replayKey: `${source.canonical}:${signature}` } : {}),
  };
}
