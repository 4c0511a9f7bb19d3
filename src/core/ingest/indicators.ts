import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import type { Indicator, IndicatorType } from '../../contracts/index.ts';
import { FILE_EXTENSIONS, FILE_LIKE_TLDS, KNOWN_TLDS } from './tlds.ts';

/** Most indicators kept for one alert; the rest are dropped so hostile payloads stay cheap. */
export const MAX_INDICATORS = 200;
/** Characters of one string that `extractFromText` looks at. */
export const MAX_SCAN_CHARS = 65_536;
/** Longest indicator value accepted (URLs are the long ones). */
export const MAX_VALUE_CHARS = 2_048;

const PLACEHOLDERS = new Set(['', '-', 'n/a', 'na', 'none', 'null', 'nil', 'unknown', 'undefined', '(null)']);

/** Undo the usual defanging: `hxxp://`, `evil[.]com`, `1.2.3[.]4`, `user[@]mail`. */
export function refang(text: string): string {
  return text
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[@\]|\[at\]/gi, '@')
    .replace(/\bhxxp(s?):/gi, 'http$1:')
    .replace(/\bfxp:/gi, 'ftp:');
}

function ipv4(v: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m) return null;
  const octets = m.slice(1);
  // A leading zero ("010") reads as octal in some stacks: ambiguous, so not an address.
  if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return null;
  return octets.join('.');
}

function ipv6(v: string): string | null {
  const s = v.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (s.length > 45 || !isIPv6(s)) return null;
  try {
    // WHATWG URL gives the canonical (RFC 5952) lower-case compressed form.
    const canonical = new URL(`http://[${s}]/`).hostname.slice(1, -1);
    return canonical === '::' ? null : canonical;
  } catch {
    return null;
  }
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** `strict` is for free text: only well-known TLDs, no file-extension look-alikes. */
function domain(v: string, strict: boolean): string | null {
  let s = v.toLowerCase().replace(/\.$/, '');
  if (/[^\x20-\x7e]/.test(s)) s = domainToASCII(s);
  if (s.length < 4 || s.length > 253) return null;
  const labels = s.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  const tld = labels[labels.length - 1] ?? '';
  if (!/^(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59})$/.test(tld)) return null;
  if (FILE_EXTENSIONS.has(tld)) return null;
  if (strict && (!KNOWN_TLDS.has(tld) || FILE_LIKE_TLDS.has(tld))) return null;
  return s;
}

function url(v: string): string | null {
  const s = refang(v);
  if (s.length > MAX_VALUE_CHARS || !/^(?:https?|ftp):\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.hostname ? u.href : null;
  } catch {
    return null;
  }
}

function email(v: string, strict: boolean): string | null {
  let s = v.toLowerCase().replace(/^mailto:/, '');
  const bracketed = /<([^<>]+)>/.exec(s);
  if (bracketed?.[1]) s = bracketed[1];
  s = s.trim();
  const at = s.lastIndexOf('@');
  if (at < 1 || s.length > 254) return null;
  const local = s.slice(0, at);
  if (local.length > 64 || !/^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local)) return null;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  const d = domain(s.slice(at + 1), strict);
  return d ? `${local}@${d}` : null;
}

const HASH_LENGTH: Partial<Record<IndicatorType, number>> = { md5: 32, sha1: 40, sha256: 64 };

function hash(type: IndicatorType, v: string): string | null {
  const s = v.toLowerCase();
  if (s.length !== HASH_LENGTH[type] || !/^[0-9a-f]+$/.test(s)) return null;
  // Vendors fill missing hashes with zeros ("000…0"): not an observable.
  return /^(.)\1*$/.test(s) ? null : s;
}

function hostname(v: string): string | null {
  const s = v.toLowerCase().replace(/\.$/, '');
  if (s.length > 253 || PLACEHOLDERS.has(s) || s === 'localhost') return null;
  if (!/[a-z]/.test(s) || ipv4(s)) return null;
  return s.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)) ? s : null;
}

/** Built-in Windows service identities: never a person to investigate or disable. */
const SERVICE_ACCOUNTS = new Set(['system', 'local service', 'network service', 'anonymous logon']);

/**
 * One notation for every account: lower-case, and `DOMAIN\user` becomes `user@domain` so that it
 * reads like the UPN form (`user@corp.example.com`) the cloud vendors send.
 */
function username(v: string): string | null {
  let s = v.toLowerCase();
  if (s.length > 256 || /\p{Cc}/u.test(s)) return null;
  const slash = s.lastIndexOf('\\');
  if (slash >= 0) {
    const dom = s.slice(0, slash).replace(/^\\+/, '').trim();
    const user = s.slice(slash + 1).trim();
    if (dom === 'nt authority' || dom === 'nt service') return null;
    s = dom && !dom.includes('\\') ? `${user}@${dom}` : user;
  }
  s = s.trim();
  if (PLACEHOLDERS.has(s) || SERVICE_ACCOUNTS.has(s) || s.startsWith('@') || s.endsWith('@')) return null;
  return s;
}

const ACCESS_KEY = /^(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|APKA|ABIA|ACCA)[A-Z0-9]{16}$/;

function cloudResource(v: string): string | null {
  if (v.length > MAX_VALUE_CHARS || /\s/.test(v)) return null;
  if (/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/.test(v)) return v; // ARNs are case-sensitive
  if (/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/i.test(v)) return v.toLowerCase();
  if (ACCESS_KEY.test(v.toUpperCase())) return v.toUpperCase();
  if (/^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\/\S*)?$/i.test(v)) {
    return trimChars(v.toLowerCase(), '/'); // Azure resource ids are case-insensitive
  }
  return null;
}

/** Normalise `value` as `type`; null when it is not a valid value of that type. */
export function normalizeIndicatorValue(type: IndicatorType, value: string, strict = false): string | null {
  const v = value.trim();
  if (v.length === 0 || v.length > MAX_VALUE_CHARS) return null;
  switch (type) {
    case 'ipv4':
      return ipv4(v);
    case 'ipv6':
      return ipv6(v);
    case 'domain':
      return domain(refang(v), strict);
    case 'url':
      return url(v);
    case 'email':
      return email(refang(v), strict);
    case 'md5':
    case 'sha1':
    case 'sha256':
      return hash(type, v);
    case 'hostname':
      return hostname(v);
    case 'username':
      return username(v);
    case 'cloud_resource':
      return cloudResource(v);
    default:
      return null;
  }
}

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

/**
 * `s` without the characters of `chars` at its end (and at its start with `both`). Two index walks,
 * linear by construction: a character-class regex anchored only at the end retries from every character of a long run
 * that is not at the end, which is quadratic (~120 ms of CPU for one hostile 256 KB alert).
 */
export function trimChars(s: string, chars: string, both = false): string {
  let start = 0;
  let end = s.length;
  if (both) while (start < end && chars.includes(s[start]!)) start++;
  while (end > start && chars.includes(s[end - 1]!)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

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
