/**
 * The one test and bench harness: free ports, sleeping, polling until something holds, and signed
 * webhooks. test/, bench/ and scripts/ import these instead of keeping their own copies.
 */
import { createServer, type AddressInfo } from 'node:net';
import { hmacHex } from '../../src/core/webhooks/signature.ts';

const LOOPBACK = '127.0.0.1';

/** Ports free right now on 127.0.0.1: all bound to port 0 at once (so distinct), then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, LOOPBACK, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** One port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls `check` every `everyMs` (default 100) until it returns a truthy value, which it returns; a
 * throw counts as "not yet". After `timeoutMs` it throws, naming `what` and the last error.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * The hex HMAC-SHA256 a sender puts in X-Webhook-Signature, by the product's own code
 * (src/core/webhooks/signature.ts): of `<timestamp>.<body>` when a timestamp is given, else of the body.
 */
export function webhookSignature(secret: string, body: string, timestamp?: number): string {
  return timestamp === undefined ? hmacHex(secret, body) : hmacHex(secret, `${timestamp}.`, body);
}

/** Headers for a signed webhook in DESIGN.md's scheme (timestamp bound into the signature by default). */
export function signedHeaders(
  secret: string,
  body: string,
  options: { timestamp?: number; bodyOnly?: boolean; noTimestamp?: boolean } = {},
): Record<string, string> {
  const ts = options.timestamp ?? Math.floor(Date.now() / 1000);
  const bound = !options.bodyOnly && !options.noTimestamp;
  return {
    'content-type': 'application/json',
    ...(options.noTimestamp ? {} : { 'x-webhook-timestamp': String(ts) }),
    'x-webhook-signature': `sha256=${webhookSignature(secret, body, bound ? ts : undefined)}`,
  };
}
