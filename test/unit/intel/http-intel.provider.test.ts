import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../../src/adapters/in-process/index.ts';
import type { Indicator } from '../../../src/contracts/index.ts';
import {
  HttpIntelProvider,
  IntelLookupError,
  IntelProtocolError,
  retryAfterMs,
  type HttpIntelProviderOptions,
  type VendorProtocol,
} from '../../../src/extensions/intel/index.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { FakeVendorServer, type FakeAnswer } from '../../fakes/intel/fake-vendor.server.ts';

const KEY = 'sk-test-0123456789-SECRET';
const ip: Indicator = { type: 'ipv4', value: '203.0.113.7' };

/**
 * A minimal vendor: `GET /v1/ip/<ip>` with an `x-key` header, `{"malicious": bool, "next"?: path}`.
 * Pagination follows `next`; a 401 is a protocol error that (badly) quotes the key, as some vendors'
 * messages do, so the runner's scrubbing is what keeps it out.
 */
const protocol: VendorProtocol = {
  vendor: 'testvendor',
  supports: (t) => t === 'ipv4',
  request: (i, c) => ({
    method: 'GET',
    url: `${c.base_url}/v1/ip/${i.value}`,
    headers: { 'x-key': c.api_key ?? '' },
  }),
  parse(res, _i, c) {
    if (res.status === 401) throw new IntelProtocolError(`key ${c.api_key ?? ''} was refused`);
    if (res.status === 404)
      return { verdict: 'unknown', score: null, first_seen: null, last_seen: null, details: {} };
    const body = res.body as { malicious?: boolean; next?: string };
    if (body.next) return { next: { method: 'GET', url: `${c.base_url}${body.next}`, headers: {} } };
    return {
      verdict: body.malicious ? 'malicious' : 'clean',
      score: body.malicious ? 1 : 0,
      first_seen: null,
      last_seen: null,
      details: {},
    };
  },
};

const ok: FakeAnswer = { status: 200, body: { malicious: true } };

describe('HttpIntelProvider', () => {
  const servers: FakeVendorServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function setup(
    route: (path: string) => FakeAnswer = () => ok,
    options: Partial<HttpIntelProviderOptions> = {},
  ) {
    const server = new FakeVendorServer((req) => route(req.path));
    servers.push(server);
    const origin = await server.start();
    const metrics = new Metrics();
    const provider = new HttpIntelProvider({
      name: 'tv',
      protocol,
      config: { base_url: origin, api_key: KEY },
      timeoutMs: 500,
      telemetry: metrics,
      ...options,
    });
    const metric = async (line: string) => {
      const text = (await metrics.render()).body;
      const found = text.split('\n').find((l) => l.startsWith(line + ' '));
      return found ? Number(found.slice(line.length + 1)) : 0;
    };
    return { server, provider, metric };
  }

  it('asks the vendor with its key and maps the answer', async () => {
    const { server, provider, metric } = await setup();
    expect(await provider.lookup(ip)).toEqual({
      verdict: 'malicious',
      score: 1,
      first_seen: null,
      last_seen: null,
      details: {},
    });
    expect(server.requests.map((r) => [r.path, r.headers['x-key']])).toEqual([['/v1/ip/203.0.113.7', KEY]]);
    expect(await metric('tw_intel_provider_duration_seconds_count{provider="tv",outcome="ok"}')).toBe(1);
  });

  it('fails a request that outlives its timeout', async () => {
    const { provider, metric } = await setup(() => ({ ...ok, delayMs: 2000 }), { timeoutMs: 100 });
    const err = await provider.lookup(ip).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntelLookupError);
    expect(err).toMatchObject({ reason: 'timeout', message: 'tv: no answer within 100 ms' });
    expect(await metric('tw_intel_provider_errors_total{provider="tv",reason="timeout"}')).toBe(1);
  });

  it('waits out a 429 with Retry-After (seconds) and retries', async () => {
    const { server, provider, metric } = await setup();
    server.script({ status: 429, headers: { 'Retry-After': '1' }, body: { error: 'slow down' } });
    const started = performance.now();
    expect((await provider.lookup(ip)).verdict).toBe('malicious');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
    expect(await metric('tw_intel_rate_limited_total{provider="tv",by="vendor"}')).toBe(1);
  });

  it('gives up after maxRetries 429s, and at once when Retry-After is past the cap (then pauses the provider)', async () => {
    const { server, provider } = await setup(() => ({ status: 429, headers: { 'Retry-After': '0' } }), {
      maxRetries: 2,
    });
    await expect(provider.lookup(ip)).rejects.toMatchObject({ reason: 'rate_limited' });
    expect(server.requests).toHaveLength(3);

    const capped = await setup(() => ok, { maxRetryAfterMs: 1000, breaker: { failureThreshold: 1 } });
    const date = new Date(Date.now() + 120_000).toUTCString();
    capped.server.script({ status: 429, headers: { 'Retry-After': date } });
    await expect(capped.provider.lookup(ip)).rejects.toMatchObject({ reason: 'rate_limited' });
    // The vendor said "not for two minutes": the next lookup does not ask it.
    await expect(capped.provider.lookup(ip)).rejects.toMatchObject({ reason: 'rate_limited' });
    expect(capped.server.requests).toHaveLength(1);
    // Rate limiting has its own back-off: it does not open the circuit.
    expect(capped.provider.breaker.state).toBe('closed');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('opens the circuit after consecutive failures, fails fast, then lets one trial through after the cool-down', async () => {
    let healthy = false;
    let clock = 0;
    const { server, provider, metric } = await setup(() => (healthy ? ok : { status: 503, body: {} }), {
      breaker: { failureThreshold: 3, cooldownMs: 30_000, now: () => clock },
    });
    for (let i = 0; i < 3; i++)
      await expect(provider.lookup(ip)).rejects.toMatchObject({ reason: 'http_error' });
    expect(provider.breaker.state).toBe('open');
    expect(await metric('tw_intel_circuit_state{provider="tv"}')).toBe(2);
    await expect(provider.lookup(ip)).rejects.toMatchObject({ reason: 'circuit_open' });
    expect(server.requests).toHaveLength(3);

    clock += 30_000;
    expect(provider.breaker.state).toBe('half_open');
    // The trial fails: open again, for another cool-down.
    await expect(provider.lookup(ip)).rejects.toMatchObject({ reason: 'http_error' });
    expect(provider.breaker.state).toBe('open');
    expect(server.requests).toHaveLength(4);

    clock += 30_000;
    healthy = true;
    // Half-open admits exactly one trial: a concurrent lookup is refused while it runs.
    const [trial, concurrent] = await Promise.allSettled([provider.lookup(ip), provider.lookup(ip)]);
    expect(trial).toMatchObject({ status: 'fulfilled' });
    expect(concurrent).toMatchObject({ status: 'rejected', reason: { reason: 'circuit_open' } });
    expect(provider.breaker.state).toBe('closed');
    expect(await metric('tw_intel_circuit_state{provider="tv"}')).toBe(0);
    expect(await metric('tw_intel_provider_errors_total{provider="tv",reason="circuit_open"}')).toBe(2);
  });

  it('follows pagination up to maxRequests, then fails', async () => {
    const { server, provider } = await setup((path) =>
      path.startsWith('/v1/ip/')
        ? { status: 200, body: { next: '/v1/page/2' } }
        : { status: 200, body: { next: '/v1/page/3' } },
    );
    await expect(provider.lookup(ip)).rejects.toMatchObject({
      reason: 'bad_response',
      message: 'tv: answer needs more than 3 requests',
    });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/ip/203.0.113.7', '/v1/page/2', '/v1/page/3']);

    const two = await setup((path) =>
      path.startsWith('/v1/ip/') ? { status: 200, body: { next: '/v1/page/2' } } : ok,
    );
    expect((await two.provider.lookup(ip)).verdict).toBe('malicious');
    expect(two.server.requests).toHaveLength(2);
  });

  it('refuses an oversize body, declared or streamed', async () => {
    const big = 'x'.repeat(5000);
    const { provider, server } = await setup(
      () => ({
        status: 200,
        raw: { text: JSON.stringify({ malicious: true, pad: big }), contentType: 'application/json' },
      }),
      { maxBodyBytes: 1024 },
    );
    await expect(provider.lookup(ip)).rejects.toMatchObject({ reason: 'too_large' });
    expect(server.requests).toHaveLength(1);
  });

  it('counts malformed JSON as a bad answer', async () => {
    const { provider } = await setup(() => ({
      status: 200,
      raw: { text: '{"malicious": tru', contentType: 'application/json' },
    }));
    await expect(provider.lookup(ip)).rejects.toMatchObject({
      reason: 'bad_response',
      message: 'tv: HTTP 200 body is not valid JSON',
    });
  });

  it('never puts the API key in an error, whatever the vendor or the network says', async () => {
    const { provider, server } = await setup(() => ({ status: 401, body: { error: `bad key ${KEY}` } }));
    const refused = (await provider.lookup(ip).catch((e: unknown) => e)) as Error;
    expect(refused.message).toBe('tv: key *** was refused');

    await server.down();
    const down = (await provider.lookup(ip).catch((e: unknown) => e)) as IntelLookupError;
    expect(down.reason).toBe('network');
    expect(down.message).toBe('tv: network error (ECONNREFUSED)');

    // A vendor taking the key in the query string: the URL (and so the key) is never quoted.
    const inQuery = new HttpIntelProvider({
      name: 'q',
      protocol: {
        ...protocol,
        request: (i, c) => ({
          method: 'GET',
          url: `${c.base_url}/x?key=${c.api_key}&ip=${i.value}`,
          headers: {},
        }),
      },
      config: { base_url: server.origin, api_key: KEY },
      timeoutMs: 300,
    });
    const err = (await inQuery.lookup(ip).catch((e: unknown) => e)) as Error;
    for (const e of [refused, down, err]) {
      expect(e.message).not.toContain(KEY);
      expect(e.stack ?? '').not.toContain(KEY);
      expect(JSON.stringify(e)).not.toContain(KEY);
    }
  });

  it('holds a per-minute rate limit through the RateLimiter port and a daily quota that does not trip the circuit', async () => {
    const limiter = new InProcessRateLimiter();
    const { server, provider, metric } = await setup(() => ok, {
      rateLimitPerMinute: 2,
      maxRetryAfterMs: 50,
      rateLimiter: limiter,
    });
    await provider.lookup(ip);
    await provider.lookup(ip);
    await expect(provider.lookup(ip)).rejects.toMatchObject({ reason: 'rate_limited' });
    expect(server.requests).toHaveLength(2);
    expect(await metric('tw_intel_rate_limited_total{provider="tv",by="local"}')).toBe(1);

    const quota = await setup(() => ok, {
      quotaPerDay: 1,
      rateLimiter: new InProcessRateLimiter(),
      breaker: { failureThreshold: 1 },
    });
    await quota.provider.lookup(ip);
    await expect(quota.provider.lookup(ip)).rejects.toMatchObject({
      reason: 'quota',
      message: 'tv: daily quota of 1 used up',
    });
    expect(quota.provider.breaker.state).toBe('closed');
    expect(quota.server.requests).toHaveLength(1);
  });

  it('goes on without limiting while the shared counters are unreachable', async () => {
    const down = new InProcessRateLimiter();
    await down.close();
    const { server, provider } = await setup(() => ok, {
      rateLimitPerMinute: 1,
      quotaPerDay: 1,
      rateLimiter: down,
    });
    await provider.lookup(ip);
    await provider.lookup(ip);
    expect(server.requests).toHaveLength(2);
  });

  it('does not call the vendor when the protocol has nothing to ask', async () => {
    const { server, provider } = await setup();
    const silent = new HttpIntelProvider({
      name: 'silent',
      protocol: { ...protocol, request: () => null },
      config: { base_url: server.origin },
    });
    expect((await silent.lookup(ip)).verdict).toBe('unknown');
    expect(server.requests).toHaveLength(0);
    expect(provider.supports('domain')).toBe(false);
  });
});
