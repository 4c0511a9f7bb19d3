import { readFile, stat } from 'node:fs/promises';
import type { Indicator, IndicatorType } from '../../../contracts/index.ts';
import type { IntelProvider, IntelVerdict } from '../../../ports/index.ts';
import type { Logger } from '../../../ports/telemetry.port.ts';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { IntelHttpRequest, IntelResult } from '../http/vendor-protocol.ts';
import { fetchBounded, RateLimitedError } from './feed-http.ts';
import { StixFeedIndex } from './stix-feed-index.ts';
import { readStixObject } from './stix-indicator.ts';
import type { FeedIndicator } from './stix-indicator.ts';
import { parseStixBundle, parseTaxiiPage, taxiiObjectsRequest } from './taxii.ts';
import type { TaxiiConfig, TaxiiCursor } from './taxii.ts';
import { unknown } from './vendor-common.ts';

/** Where the feed comes from: a TAXII 2.1 collection (incremental), or a whole STIX bundle (replaced each poll). */
export type StixFeedSource =
  | { kind: 'taxii'; taxii: TaxiiConfig }
  | { kind: 'bundle-url'; url: string; headers?: Record<string, string> }
  | { kind: 'bundle-file'; path: string };

/** Options of {@link StixFeedIntelProvider}; only `source` is required. */
export interface StixFeedOptions {
  source: StixFeedSource;
  /** Provider name (enrichment records, cache keys). Default `stix-feed`. */
  name?: string;
  /** Time between polls. Default 15 minutes. */
  poll_interval_ms?: number;
  /** Indicator values held at most (oldest indicators evicted beyond). Default 200 000. */
  max_values?: number;
  /** TAXII pages read per poll at most; the next poll resumes from the cursor. Default 50. */
  max_pages_per_poll?: number;
  /** Largest answer or file read. Default 16 MiB. */
  max_response_bytes?: number;
  /** Per-request timeout. Default 30 s. */
  request_timeout_ms?: number;
  /** Longest wait a 429 Retry-After may impose. Default 1 hour. */
  max_retry_after_ms?: number;
  logger?: Logger;
  /** Clock (ms), for validity windows. Default `Date.now`. */
  now?: () => number;
}

/** What one poll did. */
export interface StixPollReport {
  outcome: 'ok' | 'unchanged' | 'rate_limited' | 'error';
  pages: number;
  objects: number;
  added: number;
  updated: number;
  removed: number;
  /** Indicators whose pattern could not be matched on (skipped, never thrown). */
  unsupported: number;
  /** Milliseconds until the next poll when rate limited. */
  retry_after_ms?: number;
  error?: string;
}

const SUPPORTED = new Set<IndicatorType>([
  'ipv4',
  'ipv6',
  'domain',
  'hostname',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
]);
const RANK = { malicious: 3, suspicious: 2, clean: 1 } as const;

/**
 * Threat intel from a STIX 2.1 feed held in memory: a TAXII 2.1 collection polled incrementally
 * (`added_after` = the last `X-TAXII-Date-Added-Last`, `next` within a poll), or a plain bundle
 * (URL with ETag, or file) re-read each poll. Lookups never do I/O: they match the indicator's
 * normalised value (and IPv4 networks) against the indicators currently valid. A 429 answer
 * postpones the next poll by its Retry-After (bounded); other failures keep the data held and
 * retry at the next interval. Each process polls on its own (see docs/INTEL-VENDORS.md).
 */
export class StixFeedIntelProvider implements IntelProvider {
  readonly name: string;
  #index: StixFeedIndex;
  #cursor: TaxiiCursor = {};
  #etag: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<StixPollReport> | undefined;
  #abort = new AbortController();
  #started = false;
  /** Bumped by each start(), so a poll chain from before a stop() does not reschedule itself. */
  #generation = 0;
  #unsupportedTotal = 0;
  #lastReport: StixPollReport | undefined;
  readonly #now: () => number;

  constructor(private readonly options: StixFeedOptions) {
    this.name = options.name ?? 'stix-feed';
    this.#now = options.now ?? Date.now;
    this.#index = new StixFeedIndex(options.max_values ?? 200_000);
  }

  supports(type: IndicatorType): boolean {
    return SUPPORTED.has(type);
  }

  /** Counts for /metrics or a status page. */
  get stats() {
    return {
      indicators: this.#index.size,
      values: this.#index.valueCount,
      evicted: this.#index.evicted,
      unsupported: this.#unsupportedTotal,
      added_after: this.#cursor.added_after ?? null,
      last_poll: this.#lastReport?.outcome ?? null,
    };
  }

  async lookup(indicator: Indicator): Promise<IntelVerdict> {
    const r = this.match(indicator);
    return {
      verdict: r.verdict,
      score: r.score,
      first_seen: r.first_seen,
      last_seen: r.last_seen,
      details: r.details,
    };
  }

  /** The normalised answer for an indicator from what the feed holds now. */
  match(indicator: Indicator): IntelResult {
    if (!SUPPORTED.has(indicator.type)) return unknown();
    const hits = this.#index.match(indicator.type, indicator.value, this.#now());
    if (hits.length === 0) return unknown({ feed: this.name });
    let best: FeedIndicator = hits[0] as FeedIndicator;
    let first: string | null = null;
    let last: string | null = null;
    for (const h of hits) {
      const stronger = RANK[h.verdict] > RANK[best.verdict];
      if (stronger || (h.verdict === best.verdict && h.score > best.score)) best = h;
      if (h.valid_from && (first === null || h.valid_from < first)) first = h.valid_from;
      if (h.modified && (last === null || h.modified > last)) last = h.modified;
    }
    const matches = hits.slice(0, 5).map((h) => ({
      id: h.id,
      ...(h.name ? { name: h.name } : {}),
      indicator_types: h.indicator_types,
      ...(h.confidence !== undefined ? { confidence: h.confidence } : {}),
      valid_until: h.valid_until,
    }));
    return {
      verdict: best.verdict,
      score: best.score,
      first_seen: first,
      last_seen: last,
      details: { feed: this.name, match_count: hits.length, matches },
    };
  }

  /** Polls now, then every interval. Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#generation += 1;
    this.#abort = new AbortController();
    this.#schedule(0, this.#generation);
  }

  /** Stops polling and aborts a poll in flight. Idempotent. */
  /** The port's close: stops polling. */
  async close(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#inFlight?.catch(() => undefined);
  }

  /** One poll (a poll already running is joined, not doubled). */
  poll(): Promise<StixPollReport> {
    this.#inFlight ??= this.#pollOnce().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  #schedule(delay: number, generation: number): void {
    this.#timer = setTimeout(() => {
      void this.poll().then((report) => {
        // A stop() (and maybe a new start()) happened during the poll: this chain is over.
        if (!this.#started || generation !== this.#generation) return;
        const interval = this.options.poll_interval_ms ?? 15 * 60_000;
        const wait = report.outcome === 'rate_limited' ? (report.retry_after_ms ?? interval) : interval;
        this.#schedule(wait, generation);
      });
    }, delay);
    this.#timer.unref();
  }

  async #pollOnce(): Promise<StixPollReport> {
    const report: StixPollReport = {
      outcome: 'ok',
      pages: 0,
      objects: 0,
      added: 0,
      updated: 0,
      removed: 0,
      unsupported: 0,
    };
    try {
      const source = this.options.source;
      if (source.kind === 'taxii') await this.#pollTaxii(source.taxii, report);
      else await this.#pollBundle(source, report);
    } catch (err) {
      if (err instanceof RateLimitedError) {
        const max = this.options.max_retry_after_ms ?? 3_600_000;
        report.outcome = 'rate_limited';
        report.retry_after_ms = Math.min(
          max,
          Math.max(1000, err.retryAfterMs ?? this.options.poll_interval_ms ?? 900_000),
        );
      } else {
        report.outcome = 'error';
        // Our own error texts name vendor and status only; anything else is reduced to its name.
        report.error =
          err instanceof IntelProtocolError ? err.message : err instanceof Error ? err.name : 'error';
      }
    }
    this.#unsupportedTotal += report.unsupported;
    this.#lastReport = report;
    const level = report.outcome === 'error' ? 'warn' : 'info';
    this.options.logger?.[level]({ feed: this.name, ...report }, 'stix feed polled');
    return report;
  }

  async #pollTaxii(config: TaxiiConfig, report: StixPollReport): Promise<void> {
    const maxPages = this.options.max_pages_per_poll ?? 50;
    let cursor: TaxiiCursor = {
      ...(this.#cursor.added_after ? { added_after: this.#cursor.added_after } : {}),
    };
    while (report.pages < maxPages) {
      const page = parseTaxiiPage(await this.#http(taxiiObjectsRequest(config, cursor)));
      report.pages += 1;
      this.#ingest(page.objects, this.#index, report);
      // Objects up to this page are held: a later failure or 429 resumes after them.
      if (page.date_added_last && page.date_added_last !== this.#cursor.added_after) {
        this.#cursor = { added_after: page.date_added_last };
      }
      if (!page.more) return;
      if (page.next) cursor = { ...cursor, next: page.next };
      else if (page.date_added_last && page.date_added_last !== cursor.added_after)
        cursor = { added_after: page.date_added_last };
      else return; // `more` without a way forward: stop rather than loop.
    }
  }

  async #pollBundle(
    source: Exclude<StixFeedSource, { kind: 'taxii' }>,
    report: StixPollReport,
  ): Promise<void> {
    const maxBytes = this.options.max_response_bytes ?? 16 * 1024 * 1024;
    let body: unknown;
    if (source.kind === 'bundle-file') {
      if ((await stat(source.path)).size > maxBytes)
        throw new IntelProtocolError('stix: bundle file too large');
      try {
        body = JSON.parse(await readFile(source.path, 'utf8'));
      } catch {
        throw new IntelProtocolError('stix: bundle file is not JSON');
      }
    } else {
      const headers: Record<string, string> = { accept: 'application/json', ...source.headers };
      if (this.#etag) headers['if-none-match'] = this.#etag;
      const response = await this.#http({ method: 'GET', url: source.url, headers });
      if (response.status === 304) {
        report.outcome = 'unchanged';
        return;
      }
      if (response.status < 200 || response.status > 299)
        throw new IntelProtocolError(`stix: unexpected answer (HTTP ${response.status})`);
      this.#etag = response.headers['etag'];
      body = response.body;
    }
    const objects = parseStixBundle(body);
    report.pages = 1;
    // A bundle is a snapshot: build the new index aside so lookups keep the old one until it is ready.
    const next = new StixFeedIndex(this.options.max_values ?? 200_000);
    this.#ingest(objects, next, report);
    this.#index = next;
  }

  #ingest(objects: unknown[], index: StixFeedIndex, report: StixPollReport): void {
    for (const object of objects) {
      report.objects += 1;
      const outcome = readStixObject(object);
      if (outcome.kind === 'unsupported') report.unsupported += 1;
      if (outcome.kind !== 'indicator') continue;
      const result = index.upsert(outcome.indicator);
      if (result === 'added') report.added += 1;
      else if (result === 'updated') report.updated += 1;
      else if (result === 'removed') report.removed += 1;
    }
  }

  #http(request: IntelHttpRequest) {
    return fetchBounded(request, {
      signal: this.#abort.signal,
      timeoutMs: this.options.request_timeout_ms ?? 30_000,
      maxBytes: this.options.max_response_bytes ?? 16 * 1024 * 1024,
      now: this.#now,
    });
  }
}
