import { cut, type AuthMethodResult, type AuthenticationSummary } from './email.types.ts';

/**
 * Authentication-Results (RFC 8601) parsing and the choice of which header to believe.
 *
 * Any server a message passes through, the sender's included, can write an Authentication-Results
 * header: a phisher simply adds `spf=pass dkim=pass dmarc=pass` to the message they send. Only the
 * header our own receiving server added says anything, and receiving servers *prepend* their
 * headers. So we trust, in this order:
 *   1. with `trustedAuthservIds` configured: the topmost header whose authserv-id is one of them
 *      (RFC 8601 §5: a consumer trusts only its own authserv-ids, and a border MTA deletes
 *      incoming headers claiming them); none matching means nothing is trusted;
 *   2. without: the topmost header, i.e. the one added last, by the server nearest to us. This is
 *      right when the message is taken from the recipient's mailbox and our MTA writes the header;
 *      configure the ids to be sure.
 * Headers below the trusted one are counted in `headers_seen` but never read.
 */

/** Header values (unfolded, without the name) in message order, topmost first. */
export function parseAuthenticationResults(
  headerValues: readonly string[],
  trustedIds: readonly string[] = [],
): AuthenticationSummary {
  const parsed = headerValues.map(parseOne);
  const wanted = trustedIds.map((s) => s.toLowerCase());
  let chosen: ParsedHeader | undefined;
  let trust: AuthenticationSummary['trust'] = 'none';
  if (wanted.length > 0) {
    chosen = parsed.find((h) => h.authservId !== null && wanted.includes(h.authservId));
    if (chosen) trust = 'configured';
  } else if (parsed[0]) {
    chosen = parsed[0];
    trust = 'topmost';
  }
  const results = chosen?.results ?? [];
  return {
    authserv_id: chosen?.authservId ? cut(chosen.authservId, 100) : null,
    headers_seen: headerValues.length,
    trust,
    spf: results.filter((r) => r.method === 'spf'),
    dkim: results.filter((r) => r.method === 'dkim'),
    dmarc: results.filter((r) => r.method === 'dmarc'),
  };
}

interface ParsedHeader {
  authservId: string | null;
  results: AuthMethodResult[];
}

/** Most results read from one header (a real one has 3-6). */
const MAX_RESULTS = 20;

function parseOne(value: string): ParsedHeader {
  const parts = stripComments(value.slice(0, 8192)).split(';');
  // authserv-id [version]
  const authservId = (parts[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase() || null;
  const results: AuthMethodResult[] = [];
  for (const part of parts.slice(1, 1 + MAX_RESULTS)) {
    const m = /^\s*([a-z0-9-]+)(?:\/\d+)?\s*=\s*([a-z]+)\b(.*)$/i.exec(part);
    if (!m) continue;
    const method = m[1]!.toLowerCase();
    if (method !== 'spf' && method !== 'dkim' && method !== 'dmarc') continue;
    const props = properties(m[3] ?? '');
    results.push({ method, result: m[2]!.toLowerCase(), domain: domainOf(method, props) });
  }
  return { authservId, results };
}

/** `ptype.property=value` pairs (`smtp.mailfrom=a@b.com`, `header.d=b.com`), keys lower-cased. */
function properties(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of s.matchAll(/([a-z]+\.[a-z-]+)\s*=\s*("[^"]*"|[^\s;]+)/gi)) {
    const key = m[1]!.toLowerCase();
    if (!out.has(key)) out.set(key, m[2]!.replace(/^"|"$/g, ''));
  }
  return out;
}

function domainOf(method: string, props: Map<string, string>): string | null {
  const pick = (...keys: string[]) => keys.map((k) => props.get(k)).find((v) => v !== undefined);
  const raw =
    method === 'spf'
      ? pick('smtp.mailfrom', 'smtp.helo')
      : method === 'dkim'
        ? pick('header.d', 'header.i')
        : pick('header.from');
  if (!raw) return null;
  const domain = raw.includes('@') ? raw.slice(raw.lastIndexOf('@') + 1) : raw;
  const clean = domain.toLowerCase().replace(/[<>]/g, '');
  return clean ? cut(clean, 253) : null;
}

/** Removes RFC 5322 comments `( … )`, nested and with `\)` escapes; quoted strings are kept. */
export function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (depth === 0) out += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted && c === '(') {
      depth++;
      continue;
    }
    if (!quoted && c === ')' && depth > 0) {
      depth--;
      if (depth === 0) out += ' ';
      continue;
    }
    if (depth === 0) out += c;
  }
  return out;
}
