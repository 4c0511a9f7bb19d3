import { findParser } from '../ingest/index.ts';

/** What a webhook source name must look like (the path segment, the config key, the stored name). */
export const SOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * The name an incident records for alerts posted under `name`: a parser's documented alias becomes
 * the parser's canonical name (`defender`, `m365` → `microsoft-graph`; `falcon` → `crowdstrike`),
 * any other name stays as it is.
 */
export function canonicalSource(name: string): string {
  const parser = findParser(name);
  return parser.aliases.includes(name) ? parser.name : name;
}

/**
 * The names whose settings authenticate a request posted under `name`, most specific first: the
 * name itself, then its canonical name (so `defender` and `m365` accept the `microsoft-graph`
 * secret unless they have one of their own).
 */
export function lookupNames(name: string): string[] {
  const canonical = canonicalSource(name);
  return canonical === name ? [name] : [name, canonical];
}
