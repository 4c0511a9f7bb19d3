/** Ingest: vendor payload → NormalizedAlert (parsers, indicator extraction, dedup fingerprint). */
import { AppError, isAppError, type NormalizedAlert } from '../../contracts/index.ts';
import { splitBody } from './batch.ts';
import { findParser } from './parsers/registry.ts';

/**
 * Parse a request body from `source` into its alerts: one for a single event, one per event for a
 * JSON array or a vendor batch envelope (`{"value": [...]}`, `{"items": [...]}`, `{"records": [...]}`,
 * `{"Records": [...]}`, `{"events": [...]}`, an Okta event hook), each kept as its alert's `raw`.
 * All or nothing: throws `AppError('VALIDATION_ERROR')` (details name the event, e.g. `[3].eventType`)
 * when any event is not in that source's format or the batch is empty, and `PAYLOAD_TOO_LARGE` beyond
 * {@link MAX_BATCH_EVENTS} events.
 * @param receivedAt fallback for `occurredAt` (default: now)
 */
export function parseAlerts(source: string, body: unknown, receivedAt: Date = new Date()): NormalizedAlert[] {
  const { events, path } = splitBody(source, body);
  const parser = findParser(source);
  if (path === '') return [parser.parse(events[0], { source, receivedAt })];
  const where = path === '[]' ? '' : path;
  return events.map((event, i) => {
    try {
      return parser.parse(event, { source, receivedAt });
    } catch (err) {
      throw atIndex(err, `${where}[${i}]`);
    }
  });
}

/** The parser's error with the event's position in front of its field (`[3].eventType`). */
function atIndex(err: unknown, prefix: string): unknown {
  if (!isAppError(err) || err.code !== 'VALIDATION_ERROR') return err;
  const details = err.details as { source?: unknown; field?: unknown } | undefined;
  const field =
    typeof details?.field === 'string' && details.field !== '(body)' ? `${prefix}.${details.field}` : prefix;
  return new AppError('VALIDATION_ERROR', `event ${prefix}: ${err.message}`, { ...details, field });
}

/**
 * Parse one event from `source` with the matching parser (generic when none matches); a body that
 * may be a batch goes through {@link parseAlerts}.
 * Throws `AppError('VALIDATION_ERROR')` when the payload is not in that source's format.
 * @param receivedAt fallback for `occurredAt` (default: now)
 */
export function parseAlert(source: string, payload: unknown, receivedAt: Date = new Date()): NormalizedAlert {
  return findParser(source).parse(payload, { source, receivedAt });
}

export { findParser, PARSERS } from './parsers/registry.ts';
export { MAX_BATCH_EVENTS, splitBody } from './batch.ts';
export type { SplitBody } from './batch.ts';
export {
  MAX_INDICATORS,
  dedupeIndicators,
  extractFromText,
  hostIndicator,
  indicator,
  isPrivateIp,
  normalizeIndicatorValue,
  refang,
} from './indicators.ts';
export { fingerprint } from './fingerprint.ts';
export type { FingerprintParts } from './fingerprint.ts';
export { inferIncidentType, severityFromName, typeFromName } from './classify.ts';
export { guardDutySeverity } from './parsers/guardduty.parser.ts';
export { elasticSeverityFromRisk } from './parsers/elastic.parser.ts';
export type { AlertParser, ParseContext } from './types.ts';
