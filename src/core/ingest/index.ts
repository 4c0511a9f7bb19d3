/** Ingest: vendor payload → NormalizedAlert (parsers, indicator extraction, dedup fingerprint). */
import type { NormalizedAlert } from '../../contracts/index.ts';
import { findParser } from './parsers/registry.ts';

/**
 * Parse one payload from `source` with the matching parser (generic when none matches).
 * Throws `AppError('VALIDATION_ERROR')` when the payload is not in that source's format.
 * @param receivedAt fallback for `occurredAt` (default: now)
 */
export function parseAlert(source: string, payload: unknown, receivedAt: Date = new Date()): NormalizedAlert {
  return findParser(source).parse(payload, { source, receivedAt });
}

export { findParser, PARSERS } from './parsers/registry.ts';
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
