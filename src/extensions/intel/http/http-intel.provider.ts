import type { Indicator, IndicatorType } from '../../../contracts/index.ts';
import type {
  IntelCacheTtl,
  IntelOutcome,
  IntelProvider,
  IntelTelemetry,
  IntelVerdict,
  Logger,
  RateLimiter,
} from '../../../ports/index.ts';
import { NOOP_INTEL_TELEMETRY, SILENT_LOGGER } from '../../../ports/index.ts';
import { sleep } from '../../../core/shared/timeout.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { readBody } from './read-body.ts';
import type { IntelHttpRequest, IntelHttpResponse, VendorConfig, VendorProtocol } from './vendor-protocol.ts';
import { IntelProtocolError } from './vendor-protocol.ts';

/** Why a lookup failed, as a bounded reason (metric label) and a message free of secrets. */
export class IntelLookupError extends Error {
  override readonly name = 'IntelLookupError';
  constructor(
    readonly reason: Exclude<IntelOutcome, 'ok' | 'not_found'>,
    message: string,
  ) {
    super(message);
  }
}

/** Construction options of {@link HttpIntelProvider}; every limit has a default. */
export interface HttpIntelProviderOptions<C extends VendorConfig = VendorConfig> {
  /** Operator-chosen provider name (`[a-z0-9_-]`, at most 40). */
  name: string;
  protocol: VendorProtocol<C>;
  /** Base URL, API key and vendor options, handed to the protocol. */
  config: C;
  /** Per HTTP request, ms. Default 10 000. */
  timeoutMs?: number;
  /** HTTP requests one lookup may make (pagination, follow-up calls). Default 3. */
  maxRequests?: number;
  /** Times a 429 is retried after waiting its Retry-After. Default 2. */
  maxRetries?: number;
  /** Longest Retry-After honoured (ms); a longer one fails the lookup as rate limited. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Largest response body read (bytes); a larger one fails the lookup. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Circuit breaker: consecutive failures that open it (default 5), its cool-down (ms, default 30 000), its clock (tests). */
  breaker?: { failureThreshold?: number; cooldownMs?: number; now?: () => number };
  /**
   * Vendor requests per minute, counted through the RateLimiter port (Redis when distributed, so the
   * limit holds across every orchestrator). A lookup waits for the next window up to `maxRetryAfterMs`,
   * else fails as rate limited. Default none.
   */
  rateLimitPerMinute?: number;
  /** Vendor requests per day (a free-tier quota); past it lookups fail as `quota` until the day window resets. */
  quotaPerDay?: number;
  /** Required with `rateLimitPerMinute` or `quotaPerDay`. */
  rateLimiter?: RateLimiter;
  cacheTtl?: Partial<IntelCacheTtl>;
  telemetry?: IntelTelemetry;
  log?: Logger;
  /** The fetch to use. Default the global one (node's undici). */
  fetch?: typeof fetch;
}

const DEFAULTS = {
  timeoutMs: 10_000,
  maxRequests: 3,
  maxRetries: 2,
  maxRetryAfterMs: 60_000,
  maxBodyBytes: 1024 * 1024,
};

/**
 * Outcomes that say nothing about the vendor's health: they neither open nor close the circuit.
 * Rate limiting has its own back-off (the Retry-After pause, our own limit's window).
 */
const NEUTRAL: ReadonlySet<IntelOutcome> = new Set(['quota', 'rate_limited']);

/**
 * Runs one {@link VendorProtocol} over HTTP with node's fetch: per-request timeout, at most
 * `maxRequests` requests per lookup (following `{ next }`), 429 → wait Retry-After (seconds or an
 * HTTP date, capped) and retry a bounded number of times, 5xx and network errors → failure, a
 * circuit breaker per provider (an open circuit fails fast without calling the vendor), a
 * per-provider rate limit and daily quota through the RateLimiter port, and a response size cap.
 * Error messages name the provider and the reason, never the API key or the request URL.
 */
export class HttpIntelProvider<C extends VendorConfig = VendorConfig> implements IntelProvider {
  readonly name: string;
  readonly cacheTtl?: Partial<IntelCacheTtl>;
  readonly breaker: CircuitBreaker;
  readonly #protocol: VendorProtocol<C>;
  readonly #config: C;
  readonly #limits: typeof DEFAULTS;
  readonly #rate: Pick<HttpIntelProviderOptions<C>, 'rateLimitPerMinute' | 'quotaPerDay' | 'rateLimiter'>;
  readonly #telemetry: IntelTelemetry;
  readonly #log: Logger;
  readonly #fetch: typeof fetch;
  /** Set by a vendor 429: no request leaves before this (performance.now ms). */
  #pausedUntil = 0;
  /** Logged once: the shared counters failed. */
  #limiterDown = false;

  constructor(options: HttpIntelProviderOptions<C>) {
    this.name = options.name;
    if (options.cacheTtl) this.cacheTtl = options.cacheTtl;
    this.#protocol = options.protocol;
    this.#config = options.config;
    this.#limits = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxRequests: options.maxRequests ?? DEFAULTS.maxRequests,
      maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    };
    if ((options.rateLimitPerMinute || options.quotaPerDay) && !options.rateLimiter)
      throw new Error(`intel provider ${this.name}: a rate limit or quota needs a RateLimiter`);
    this.#rate = options;
    this.#telemetry = options.telemetry ?? NOOP_INTEL_TELEMETRY;
    this.#log = options.log ?? SILENT_LOGGER;
    this.#fetch = options.fetch ?? fetch;
    this.breaker = new CircuitBreaker({
      ...options.breaker,
      onStateChange: (state) => {
        this.#telemetry.intelCircuit(this.name, state);
        const log = state === 'open' ? this.#log.warn : this.#log.info;
        log.call(this.#log, { provider: this.name, circuit: state }, `intel provider circuit ${state}`);
      },
    });
    this.#telemetry.intelCircuit(this.name, 'closed');
  }

  supports(type: IndicatorType): boolean {
    return this.#protocol.supports(type);
  }

  async lookup(indicator: Indicator, signal?: AbortSignal): Promise<IntelVerdict> {
    const first = this.#protocol.request(indicator, this.#config);
    if (!first) return { verdict: 'unknown', score: null, first_seen: null, last_seen: null, details: {} };
    const started = performance.now();
    const outcome = (o: IntelOutcome) =>
      this.#telemetry.intelLookup(this.name, o, (performance.now() - started) / 1000);
    if (!this.breaker.tryAcquire()) {
      outcome('circuit_open');
      throw new IntelLookupError('circuit_open', `${this.name}: circuit open after repeated failures`);
    }
    try {
      const { verdict, status } = await this.#run(first, indicator, signal);
      this.breaker.success();
      outcome(status === 404 ? 'not_found' : 'ok');
      return verdict;
    } catch (err) {
      if (signal?.aborted) {
        this.breaker.release();
        throw signal.reason;
      }
      const e =
        err instanceof IntelLookupError
          ? err
          : err instanceof IntelProtocolError
            ? new IntelLookupError('bad_response', `${this.name}: ${this.#scrub(err.message)}`)
            : new IntelLookupError('bad_response', `${this.name}: unreadable answer`);
      if (NEUTRAL.has(e.reason)) this.breaker.release();
      else this.breaker.failure();
      outcome(e.reason);
      throw e;
    }
  }

  async #run(
    first: IntelHttpRequest,
    indicator: Indicator,
    signal?: AbortSignal,
  ): Promise<{ verdict: IntelVerdict; status: number }> {
    let request = first;
    for (let n = 1; ; n++) {
      const sent = await this.#send(request, signal);
      // A protocol that spans requests (pagination) carries its state on the request it built.
      const response = request.carry === undefined ? sent : { ...sent, carry: request.carry };
      const parsed = this.#protocol.parse(response, indicator, this.#config);
      if (!('next' in parsed)) {
        const { verdict, score, first_seen, last_seen, details } = parsed;
        return { verdict: { verdict, score, first_seen, last_seen, details }, status: response.status };
      }
      if (n >= this.#limits.maxRequests)
        throw new IntelLookupError(
          'bad_response',
          `${this.name}: answer needs more than ${this.#limits.maxRequests} requests`,
        );
      request = parsed.next;
    }
  }

  /** One request, with the rate limit before it and 429 retries after it; resolves with a non-429, non-5xx answer. */
  async #send(request: IntelHttpRequest, signal?: AbortSignal): Promise<IntelHttpResponse> {
    for (let attempt = 0; ; attempt++) {
      await this.#awaitVendorPause(signal);
      await this.#takeRateLimit(signal);
      const response = await this.#fetchOnce(request, signal);
      if (response.status === 429) {
        const waitMs = retryAfterMs(response.headers['retry-after']) ?? 1000 * 2 ** attempt;
        this.#telemetry.intelRateLimited(this.name, 'vendor');
        if (attempt >= this.#limits.maxRetries || waitMs > this.#limits.maxRetryAfterMs) {
          this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + waitMs);
          throw new IntelLookupError('rate_limited', `${this.name}: rate limited by the vendor (HTTP 429)`);
        }
        this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + waitMs);
        continue;
      }
      if (response.status >= 500)
        throw new IntelLookupError('http_error', `${this.name}: HTTP ${response.status} from the vendor`);
      return response;
    }
  }

  async #awaitVendorPause(signal?: AbortSignal): Promise<void> {
    const waitMs = this.#pausedUntil - performance.now();
    if (waitMs <= 0) return;
    if (waitMs > this.#limits.maxRetryAfterMs)
      throw new IntelLookupError('rate_limited', `${this.name}: paused by the vendor's Retry-After`);
    await sleep(waitMs, signal);
  }

  async #takeRateLimit(signal?: AbortSignal): Promise<void> {
    const { rateLimiter, rateLimitPerMinute, quotaPerDay } = this.#rate;
    if (!rateLimiter) return;
    if (rateLimitPerMinute) {
      const deadline = performance.now() + this.#limits.maxRetryAfterMs;
      for (;;) {
        const r = await this.#consume(rateLimiter, 'minute', rateLimitPerMinute, 60_000);
        if (r.allowed) break;
        this.#telemetry.intelRateLimited(this.name, 'local');
        const waitMs = Math.max(10, r.resetMs);
        if (performance.now() + waitMs > deadline)
          throw new IntelLookupError(
            'rate_limited',
            `${this.name}: over its rate limit of ${rateLimitPerMinute}/min`,
          );
        await sleep(waitMs, signal);
      }
    }
    if (quotaPerDay) {
      const r = await this.#consume(rateLimiter, 'day', quotaPerDay, 86_400_000);
      if (!r.allowed)
        throw new IntelLookupError('quota', `${this.name}: daily quota of ${quotaPerDay} used up`);
    }
  }

  /**
   * Counts one request. The shared counters are best effort: while they are unreachable (Redis
   * down) requests go ahead, bounded by the circuit breaker and the vendor's own 429s, rather than
   * every lookup failing.
   */
  async #consume(
    limiter: RateLimiter,
    window: 'minute' | 'day',
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; resetMs: number }> {
    try {
      return await limiter.consume(`intel:${this.name}:${window}`, limit, windowMs);
    } catch {
      if (!this.#limiterDown)
        this.#log.warn({ provider: this.name }, 'intel rate-limit counters unreachable; not limiting');
      this.#limiterDown = true;
      return { allowed: true, resetMs: 0 };
    }
  }

  async #fetchOnce(request: IntelHttpRequest, signal?: AbortSignal): Promise<IntelHttpResponse> {
    const timeout = AbortSignal.timeout(this.#limits.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.#fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: combined,
        redirect: 'error',
      });
    } catch (err) {
      throw this.#transportError(err, timeout, signal);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
    let text: string;
    try {
      text = await readBody(res, this.#limits.maxBodyBytes);
    } catch (err) {
      if (err instanceof RangeError)
        throw new IntelLookupError(
          'too_large',
          `${this.name}: answer larger than ${this.#limits.maxBodyBytes} bytes`,
        );
      throw this.#transportError(err, timeout, signal);
    }
    const json = /\bjson\b/i.test(headers['content-type'] ?? '');
    if (!json || res.status === 429 || res.status >= 500) return { status: res.status, headers, body: text };
    try {
      return { status: res.status, headers, body: text === '' ? null : (JSON.parse(text) as unknown) };
    } catch {
      throw new IntelLookupError('bad_response', `${this.name}: HTTP ${res.status} body is not valid JSON`);
    }
  }

  #transportError(err: unknown, timeout: AbortSignal, signal?: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    if (timeout.aborted)
      return new IntelLookupError('timeout', `${this.name}: no answer within ${this.#limits.timeoutMs} ms`);
    // Undici's messages may quote the URL (and some vendors take the key in the query): not reused.
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    return new IntelLookupError(
      'network',
      `${this.name}: network error${typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? ` (${code})` : ''}`,
    );
  }

  /** Vendor-supplied text with the API key masked, one line, bounded. */
  #scrub(text: string): string {
    const key = this.#config.api_key;
    const masked = key ? text.split(key).join('***') : text;
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    const line = masked.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return line.length > 200 ? `${line.slice(0, 199)}…` : line;
  }
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
