import type { Indicator, IndicatorType } from '../../contracts/index.ts';
import {
  MAX_INDICATORS,
  MAX_SCAN_CHARS,
  cloudResource,
  domain,
  email,
  hash,
  hostname,
  ipv4,
  ipv6,
  MAX_VALUE_CHARS,
  normalizeIndicatorValue,
  refang,
  trimChars,
  url,
} from '../indicators/normalize.ts';

export {
  MAX_INDICATORS,
  MAX_SCAN_CHARS,
  MAX_VALUE_CHARS,
  normalizeIndicatorValue,
  refang,
  trimChars,
} from '../indicators/normalize.ts';

/**
 * Build a normalised indicator, or null when `value` is not a valid `type` (wrong shape, private
 * placeholder such as "unknown", all-zero hash…). Non-strings give null.
 * @param context where in the payload the value was found (informational; default none)
 */
export function indicator(type: IndicatorType, value: unknown, context?: string): Indicator | null {
  if (typeof value !== 'string') return null;
  const v = normalizeIndicatorValue(type, value);
  if (v === null) return null;
  return context ? { type, value: v, context: context.slice(0, 200) } : { type, value: v };
}

/**
 * The indicator for a host field: an IP when it is one, a domain when it is a public FQDN,
 * else a `hostname` (short NetBIOS-style names, `.local`/`.corp` internal names).
 */
export function hostIndicator(value: unknown, context?: string): Indicator | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  const withType = (type: IndicatorType, normal: string | null): Indicator | null =>
    normal === null ? null : context ? { type, value: normal, context } : { type, value: normal };
  return (
    withType('ipv4', ipv4(v)) ??
    withType('ipv6', v.includes(':') ? ipv6(v) : null) ??
    withType('domain', domain(v, true)) ??
    withType('hostname', hostname(v))
  );
}

/** The host of a URL indicator as its own ip/domain indicator (threat intel knows hosts best). */
export function urlHost(urlValue: string, context?: string): Indicator | null {
  try {
    const host = new URL(urlValue).hostname;
    return host ? hostIndicator(host.replace(/^\[|\]$/g, ''), context) : null;
  } catch {
    return null;
  }
}

/** True for RFC 1918, loopback, link-local, CGNAT and ULA addresses. */
export function isPrivateIp(value: string): boolean {
  const v4 = ipv4(value);
  if (v4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = ipv6(value);
  return v6 !== null && (v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6));
}

const TOKEN_SPLIT = /[\s"'<>()[\]{},;|`^]+/;
/** Punctuation stripped from both ends of a plain token. */
const EDGE_PUNCT = '.,:;!?*=+#~';
/** Punctuation stripped from the end of a URL. */
const URL_TRAILING_PUNCT = '.,:;!?';

function classifyPlain(raw: string, push: (type: IndicatorType, v: string | null) => void): void {
  const t = trimChars(raw, EDGE_PUNCT, true);
  if (t.length < 4) return;
  if (t.includes('@')) return push('email', email(t, true));
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:\/\d{1,2})?$/.exec(t);
  if (v4?.[1]) return push('ipv4', ipv4(v4[1]));
  const cloud = cloudResource(t);
  if (cloud) return push('cloud_resource', cloud);
  if (/^[0-9a-f]+$/i.test(t)) {
    const type = t.length === 32 ? 'md5' : t.length === 40 ? 'sha1' : t.length === 64 ? 'sha256' : null;
    if (type) return push(type, hash(type, t));
  }
  if ((t.match(/:/g)?.length ?? 0) >= 2 && /^[0-9a-f:.]+$/i.test(t)) return push('ipv6', ipv6(t));
  if (t.includes('.') && !t.startsWith('/')) {
    const host = t.split('/')[0]?.replace(/:\d{1,5}$/, '') ?? '';
    push('domain', domain(host, true));
  }
}

/**
 * Pull typed indicators out of free text (log lines, command lines, descriptions). Defanged
 * values are refanged; only the first {@link MAX_SCAN_CHARS} characters are read.
 * @param context recorded on each indicator (default `"text"`)
 * @param limit most indicators returned (default {@link MAX_INDICATORS})
 */
export function extractFromText(text: unknown, context = 'text', limit = MAX_INDICATORS): Indicator[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const out: Indicator[] = [];
  const seen = new Set<string>();
  const push = (type: IndicatorType, v: string | null, ctx = context): void => {
    if (v === null || out.length >= limit) return;
    const key = `${type}\u0000${v}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ type, value: v, context: ctx });
  };
  for (const token of refang(text.slice(0, MAX_SCAN_CHARS)).split(TOKEN_SPLIT)) {
    if (out.length >= limit) break;
    if (token.length < 4 || token.length > MAX_VALUE_CHARS * 2) continue;
    const at = token.search(/(?:https?|ftp):\/\//i);
    if (at >= 0) {
      if (at > 0) for (const part of token.slice(0, at).split('=')) classifyPlain(part, push);
      const u = url(trimChars(token.slice(at), URL_TRAILING_PUNCT));
      push('url', u);
      const host = u ? urlHost(u) : null;
      if (host) push(host.type, host.value);
      continue;
    }
    for (const part of token.split('=')) classifyPlain(part, push);
  }
  return out;
}

/** Drop repeated (type, value) pairs, keeping the first (and its context); cap the list. */
export function dedupeIndicators(list: readonly Indicator[], max = MAX_INDICATORS): Indicator[] {
  const seen = new Set<string>();
  const out: Indicator[] = [];
  for (const ind of list) {
    if (out.length >= max) break;
    const key = `${ind.type}\u0000${ind.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ind);
  }
  return out;
}
