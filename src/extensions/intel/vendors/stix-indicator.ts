import type { IntelResult } from '../http/vendor-protocol.ts';
import { parseStixPattern } from './stix-pattern.ts';
import type { StixPatternValue } from './stix-pattern.ts';
import { clampScore, isRecord, isoTime, num, str, strings } from './vendor-common.ts';

/** A STIX 2.1 `indicator` reduced to what a lookup needs. */
export interface FeedIndicator {
  /** STIX id (`indicator--<uuid>`). */
  id: string;
  /** `modified` (or `created`): a newer version of the same id replaces an older one. */
  modified: string;
  revoked: boolean;
  values: StixPatternValue[];
  verdict: Exclude<IntelResult['verdict'], 'unknown'>;
  score: number;
  valid_from: string | null;
  valid_until: string | null;
  name?: string;
  indicator_types: string[];
  confidence?: number;
}

/** What reading one STIX object gave. */
export type FeedObjectOutcome =
  | { kind: 'indicator'; indicator: FeedIndicator }
  | { kind: 'ignored' } // not an indicator (malware, relationship, identity…)
  | { kind: 'unsupported'; reason: string }; // an indicator we cannot match on

const MALICIOUS_TYPES = new Set(['malicious-activity', 'attribution', 'compromised']);
const SUSPICIOUS_TYPES = new Set(['anomalous-activity', 'unknown']);

/**
 * Reads one STIX 2.1 object. Normalisation of an `indicator`:
 * - `indicator_types` (or 2.0 `labels`) holding `malicious-activity`, `attribution` or
 *   `compromised`, or holding none of the vocabulary → `malicious` (a feed publishes an indicator
 *   for it to be detected); only `anomalous-activity` / `unknown` → `suspicious`; only `benign`
 *   → `clean`.
 * - `confidence` (0..100) → score = confidence / 100, and a malicious indicator under 50 is only
 *   `suspicious`; without confidence the score is 0.8 (malicious), 0.5 (suspicious), 0 (clean).
 * - `pattern_type` other than `stix`, or a pattern {@link parseStixPattern} cannot reduce to
 *   values → `unsupported` (counted by the caller, never thrown).
 * - `revoked: true` is returned as is so the caller can drop the id it holds.
 */
export function readStixObject(object: unknown): FeedObjectOutcome {
  if (!isRecord(object) || object['type'] !== 'indicator') return { kind: 'ignored' };
  const id = str(object['id'], 100);
  if (!id || !id.startsWith('indicator--')) return { kind: 'unsupported', reason: 'no indicator id' };
  const modified = isoTime(object['modified']) ?? isoTime(object['created']) ?? '';
  const revoked = object['revoked'] === true;
  const types = [...strings(object['indicator_types'], 10), ...strings(object['labels'], 10)].map((t) =>
    t.toLowerCase(),
  );
  const confidence = num(object['confidence']);
  const base = {
    id,
    modified,
    revoked,
    valid_from: isoTime(object['valid_from']),
    valid_until: isoTime(object['valid_until']),
    indicator_types: types,
    ...(str(object['name'], 150) ? { name: str(object['name'], 150) } : {}),
    ...(confidence !== undefined && confidence >= 0 && confidence <= 100 ? { confidence } : {}),
  };
  if (revoked)
    return { kind: 'indicator', indicator: { ...base, values: [], verdict: 'malicious', score: 0 } };
  const patternType = object['pattern_type'] ?? 'stix';
  if (patternType !== 'stix') return { kind: 'unsupported', reason: 'pattern_type is not stix' };
  const parsed = parseStixPattern(object['pattern']);
  if (!parsed.ok) return { kind: 'unsupported', reason: parsed.reason };
  const { verdict, score } = classify(types, base.confidence);
  return { kind: 'indicator', indicator: { ...base, values: parsed.values, verdict, score } };
}

function classify(types: string[], confidence: number | undefined): Pick<FeedIndicator, 'verdict' | 'score'> {
  let verdict: FeedIndicator['verdict'] = 'malicious';
  if (!types.some((t) => MALICIOUS_TYPES.has(t))) {
    if (types.some((t) => SUSPICIOUS_TYPES.has(t))) verdict = 'suspicious';
    else if (types.includes('benign')) verdict = 'clean';
  }
  if (confidence === undefined)
    return { verdict, score: { malicious: 0.8, suspicious: 0.5, clean: 0 }[verdict] };
  if (verdict === 'malicious' && confidence < 50) verdict = 'suspicious';
  return { verdict, score: verdict === 'clean' ? 0 : clampScore(confidence / 100) };
}
