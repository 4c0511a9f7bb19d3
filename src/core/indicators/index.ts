/** The one indicator notation, shared by ingest and threat-intel matching. */
export { MAX_VALUE_CHARS, normalizeIndicatorValue, refang, trimChars } from './normalize.ts';
