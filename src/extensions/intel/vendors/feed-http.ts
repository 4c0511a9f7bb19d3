import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { IntelHttpRequest, IntelHttpResponse } from '../http/vendor-protocol.ts';

/** A 429 answer; `retryAfterMs` from its Retry-After header (seconds or an HTTP date) when it has one. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterMs: number | undefined) {
    super('rate limited (HTTP 429)');
  }
}

export interface FetchBoundedOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** Answers longer than this are refused (the body is read as a stream and cut off). */
  maxBytes: number;
  now: () => number;
}

/**
 * One HTTP exchange for a feed poller: timeout, bounded body, JSON parsed when the content type
 * says JSON (`application/json`, `application/taxii+json;version=2.1`, `application/stix+json`),
 * 429 turned into {@link RateLimitedError}. Per-indicator lookups go through intel-core's runner
 * instead; feeds need only this much.
 */
export async function fetchBounded(
  request: IntelHttpRequest,
  options: FetchBoundedOptions,
): Promise<IntelHttpResponse> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  const res = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal,
    redirect: 'error',
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  if (res.status === 429) {
    await res.body?.cancel();
    throw new RateLimitedError(retryAfterMs(headers['retry-after'], options.now()));
  }
  const text = await readBounded(res, options.maxBytes);
  let body: unknown = text;
  if (/[/+]json\b/i.test(headers['content-type'] ?? '') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new IntelProtocolError(`malformed JSON answer (HTTP ${res.status})`);
    }
  }
  return { status: res.status, headers, body };
}

/** Retry-After as milliseconds from `now`, or undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new IntelProtocolError('answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
