import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import type { IndicatorType } from '../../contracts/index.ts';
import { FILE_EXTENSIONS, FILE_LIKE_TLDS, KNOWN_TLDS } from './tlds.ts';

// The one indicator notation (issue 11): ingest stores indicators in it and threat-intel matching
// (local lists, vendor lookups, cache keys) compares in it, so a list entry written the way an
// analyst sees it (`CORP\\jdoe`, `Evil.COM.`, `hxxp://…`) matches what ingest extracted.

/** Most indicators kept for one alert; the rest are dropped so hostile payloads stay cheap. */
export const MAX_INDICATORS = 200;
/** Characters of one string that `extractFromText` looks at. */
export const MAX_SCAN_CHARS = 65_536;
/** Longest indicator value accepted (URLs are the long ones). */
export const MAX_VALUE_CHARS = 2_048;

export const PLACEHOLDERS = new Set([
  '',
  '-',
  'n/a',
  'na',
  'none',
  'null',
  'nil',
  'unknown',
  'undefined',
  '(null)',
]);

/** Undo the usual defanging: `hxxp://`, `evil[.]com`, `1.2.3[.]4`, `user[@]mail`. */
export function refang(text: string): string {
  return text
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[@\]|\[at\]/gi, '@')
    .replace(/\bhxxp(s?):/gi, 'http$1:')
    .replace(/\bfxp:/gi, 'ftp:');
}

export function ipv4(v: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m) return null;
  const octets = m.slice(1);
  // A leading zero ("010") reads as octal in some stacks: ambiguous, so not an address.
  if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return null;
  return octets.join('.');
}

export function ipv6(v: string): string | null {
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
export function domain(v: string, strict: boolean): string | null {
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

export function url(v: string): string | null {
  const s = refang(v);
  if (s.length > MAX_VALUE_CHARS || !/^(?:https?|ftp):\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.hostname ? u.href : null;
  } catch {
    return null;
  }
}

export function email(v: string, strict: boolean): string | null {
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

export function hash(type: IndicatorType, v: string): string | null {
  const s = v.toLowerCase();
  if (s.length !== HASH_LENGTH[type] || !/^[0-9a-f]+$/.test(s)) return null;
  // Vendors fill missing hashes with zeros ("000…0"): not an observable.
  return /^(.)\1*$/.test(s) ? null : s;
}

export function hostname(v: string): string | null {
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
export function username(v: string): string | null {
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

export function cloudResource(v: string): string | null {
  if (v.length > MAX_VALUE_CHARS || /\s/.test(v)) return null;
  if (/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/.test(v)) return v; // ARNs are case-sensitive
  if (/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/i.test(v)) return v.toLowerCase();
  if (ACCESS_KEY.test(v.toUpperCase())) return v.toUpperCase();
  if (/^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\/\S*)?$/i.test(v)) {
    return trimChars(v.toLowerCase(), '/'); // Azure resource ids are case-insensitive
  }
  return null;
}

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
