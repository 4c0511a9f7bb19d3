import type { Indicator, IndicatorType } from '../../../contracts/index.ts';

/**
 * The wire side of one threat-intel vendor: how to ask about an indicator and how to read the
 * answer. Pure functions, no I/O: the HTTP intel provider (timeouts, rate limits, 429 backoff
 * honouring Retry-After, circuit breaker, cache, metrics) runs them, so every vendor gets the same
 * resilience and each protocol is tested against a loopback server speaking the vendor's API.
 */
export interface VendorProtocol<C extends VendorConfig = VendorConfig> {
  /** Stable vendor name, e.g. `virustotal`; the provider's default name. */
  readonly vendor: string;
  supports(type: IndicatorType): boolean;
  /** The first request for an indicator, or null when there is nothing to ask (e.g. private IP). */
  request(indicator: Indicator, config: C): IntelHttpRequest | null;
  /**
   * Reads one answer. Returns a result, or `{ next }` to follow pagination / a second call (at most
   * `maxRequests` per lookup, enforced by the runner). Throws IntelProtocolError for an answer that
   * is an error (bad key, malformed body); 429 and 5xx are handled by the runner before `parse`.
   */
  parse(
    response: IntelHttpResponse,
    indicator: Indicator,
    config: C,
  ): IntelResult | { next: IntelHttpRequest };
}

export interface VendorConfig {
  /** Base URL without a trailing slash (the vendor's public one by default; a loopback one in tests). */
  base_url: string;
  api_key?: string;
}

export interface IntelHttpRequest {
  method: 'GET' | 'POST';
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  /** JSON or form text. */
  body?: string;
  /**
   * Opaque state a multi-page protocol folds across pages (e.g. MISP attributes seen so far).
   * Never sent; the runner copies it onto the response to this request. Optional.
   */
  carry?: unknown;
}

export interface IntelHttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON when the content type is JSON, else the text. */
  body: unknown;
  /** The `carry` of the request this answers (set by the runner when the request had one). */
  carry?: unknown;
}

/** Normalised answer (issue 11): verdict, 0..1 score, source, first/last seen, facts for the analyst. */
export interface IntelResult {
  verdict: 'malicious' | 'suspicious' | 'clean' | 'unknown';
  /** 0..1 (1 = certainly malicious), null when the vendor gives none. */
  score: number | null;
  first_seen: string | null;
  last_seen: string | null;
  /** Short facts: detections, tags, malware family, report link… Never the API key. */
  details: Record<string, unknown>;
}

/** A vendor answer that is an error (bad key, malformed body): counted as a provider error. */
export class IntelProtocolError extends Error {
  override readonly name = 'IntelProtocolError';
}
