import type { AlertParser } from '../types.ts';
import { crowdstrikeParser } from './crowdstrike.parser.ts';
import { elasticParser } from './elastic.parser.ts';
import { genericParser } from './generic.parser.ts';
import { guardDutyParser } from './guardduty.parser.ts';
import { manualParser } from './manual.parser.ts';
import { microsoftGraphParser } from './microsoft-graph.parser.ts';
import { oktaParser } from './okta.parser.ts';
import { splunkParser } from './splunk.parser.ts';

/** Every parser, vendor ones first; `generic` is also the fallback for unknown sources. */
export const PARSERS: readonly AlertParser[] = Object.freeze([
  crowdstrikeParser,
  splunkParser,
  microsoftGraphParser,
  guardDutyParser,
  oktaParser,
  elasticParser,
  genericParser,
  manualParser,
]);

const BY_NAME = new Map<string, AlertParser>();
for (const parser of PARSERS) {
  for (const name of [parser.name, ...parser.aliases]) BY_NAME.set(name, parser);
}

/**
 * The parser for a source name or alias (case-insensitive, surrounding spaces ignored);
 * the generic parser for any source without a dedicated one.
 */
export function findParser(source: string): AlertParser {
  const key = typeof source === 'string' ? source.trim().toLowerCase() : '';
  return BY_NAME.get(key) ?? genericParser;
}
