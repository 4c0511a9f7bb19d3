import type { Indicator } from '../../src/contracts/index.ts';
import type {
  IntelHttpRequest,
  IntelHttpResponse,
  IntelResult,
  VendorConfig,
  VendorProtocol,
} from '../../src/extensions/intel/http/vendor-protocol.ts';

/** A 429 the protocol never sees (the real runner backs off on it); tests assert on Retry-After. */
export class FakeRateLimited extends Error {
  constructor(
    readonly retryAfter: string | undefined,
    readonly body: unknown,
  ) {
    super('rate limited (HTTP 429)');
  }
}

/**
 * Test-only stand-in for intel-core's runner: sends a protocol's requests, follows `{ next }` up to
 * `maxRequests`, parses JSON by content type and copies `carry`. Replaced by the real runner at
 * integration; it deliberately has no retries, cache or breaker.
 */
export async function runVendorProtocol<C extends VendorConfig>(
  protocol: VendorProtocol<C>,
  indicator: Indicator,
  config: C,
  maxRequests = 10,
): Promise<{ result: IntelResult | null; requests: number }> {
  let request: IntelHttpRequest | null = protocol.request(indicator, config);
  for (let requests = 1; request; requests += 1) {
    if (requests > maxRequests) throw new Error('too many requests');
    const response = await send(request);
    const out = protocol.parse(response, indicator, config);
    if ('next' in out) request = out.next;
    else return { result: out, requests };
  }
  return { result: null, requests: 0 };
}

async function send(request: IntelHttpRequest): Promise<IntelHttpResponse> {
  const res = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const headers = Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v]));
  const text = await res.text();
  const body: unknown = /json/i.test(headers['content-type'] ?? '') ? JSON.parse(text) : text;
  if (res.status === 429) throw new FakeRateLimited(headers['retry-after'], body);
  if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
  return {
    status: res.status,
    headers,
    body,
    ...(request.carry !== undefined ? { carry: request.carry } : {}),
  };
}
