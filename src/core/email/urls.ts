import { isIP } from 'node:net';
import { cut, type UrlFinding } from './email.types.ts';

/**
 * URLs of a message: from the text body (defanged forms included) and the HTML (`href`, form
 * `action`), unwrapped from the rewriting services mail gateways put around them, so that the
 * destination, not the gateway, is what gets looked up and checked.
 */

/** Longest URL kept. */
export const MAX_URL = 2048;
/** Characters of one body scanned for URLs. */
const MAX_SCAN = 2_000_000;
/** Wrapper levels taken off one URL (a SafeLinks around a URLDefense around a Google redirect…). */
const MAX_UNWRAP = 4;

/** Well-known URL shorteners: the destination is hidden until followed. */
export const SHORTENERS: ReadonlySet<string> = new Set([
  'bit.ly',
  'bitly.com',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'v.gd',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'rb.gy',
  't.ly',
  'tiny.cc',
  'bit.do',
  'lnkd.in',
  's.id',
  'qrco.de',
  'shorte.st',
]);

/** Undoes defanging: `hxxp`, `[.]`, `(.)`, `[dot]`, `(dot)`, `{.}`, `[:]`. */
export function deobfuscate(s: string): string {
  return s
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}/gi, '.')
    .replace(/\[:\]|\(:\)/g, ':')
    .replace(/\[\/\]/g, '/')
    .replace(/^h(?:xx|\*\*|XX)p(s?)(?=:|\[:\])/i, 'http$1')
    .replace(/^fxp(?=:)/i, 'ftp');
}

/** Scheme URLs in text, defanged ones included (`hxxp[:]//evil[.]com`). */
const TEXT_URL = /\b(?:h(?:tt|xx|\*\*)ps?|ftp|fxp)(?::|\[:\]|\(:\))\/\/[^\s<>"'`]+/gi;
/** Scheme-less defanged hosts (`evil[.]com/login`), which only a defanged writer produces. */
const DEFANGED_HOST =
  /\b[a-z0-9][a-z0-9-]*(?:(?:\[\.\]|\(\.\)|\[dot\]|\(dot\))[a-z0-9-]+)+(?:\/[^\s<>"'`]*)?/gi;

export interface RawUrl {
  raw: string;
  source: UrlFinding['source'];
  /** The visible text of an HTML link. */
  text?: string;
}

/** URLs in plain text. */
export function urlsFromText(text: string): RawUrl[] {
  const t = text.slice(0, MAX_SCAN);
  const out: RawUrl[] = [];
  for (const m of t.matchAll(TEXT_URL)) out.push({ raw: trimUrl(m[0]), source: 'text' });
  for (const m of t.matchAll(DEFANGED_HOST)) {
    // Part of a scheme URL already taken.
    const before = t.slice(Math.max(0, m.index - 3), m.index);
    if (before.endsWith('//') || before.endsWith('@')) continue;
    out.push({ raw: `http://${trimUrl(m[0])}`, source: 'text' });
  }
  return out;
}

/** `href`s of links (with their visible text) and form `action`s of an HTML body. */
export function urlsFromHtml(html: string): RawUrl[] {
  const h = html.slice(0, MAX_SCAN);
  const lower = h.toLowerCase();
  const out: RawUrl[] = [];
  for (const m of h.matchAll(/<(a|area|form)\b([^>]{0,4096})>/gi)) {
    const tag = m[1]!.toLowerCase();
    const attr = attribute(m[2]!, tag === 'form' ? 'action' : 'href');
    if (!attr) continue;
    const href = decodeEntities(attr).trim();
    if (!/^(?:https?|ftp):/i.test(href) && !/^\/\//.test(href)) continue;
    const entry: RawUrl = { raw: href.startsWith('//') ? `https:${href}` : href, source: 'html' };
    if (tag === 'a') {
      // The visible text: up to the closing tag, looked for in a bounded window (linear overall).
      const start = m.index + m[0].length;
      const end = lower.slice(start, start + 4096).indexOf('</a');
      const inner = end >= 0 ? h.slice(start, start + end) : '';
      const text = decodeEntities(inner.replace(/<[^>]*>/g, ' '))
        .replace(/\s+/g, ' ')
        .trim();
      if (text) entry.text = text.slice(0, 500);
    }
    out.push(entry);
  }
  return out;
}

function attribute(attrs: string, name: string): string | null {
  const re = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i');
  const m = re.exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** The HTML character references a link uses (`&amp;`, `&#58;`, `&#x2f;`, a few named ones). */
export function decodeEntities(s: string): string {
  return s.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,6}));?/gi, (all, dec, hex, name) => {
    if (dec || hex) {
      const code = dec ? Number(dec) : parseInt(hex as string, 16);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : '';
    }
    return NAMED[(name as string).toLowerCase()] ?? all;
  });
}

function trimUrl(u: string): string {
  let s = u.replace(/[.,;:!?'"]+$/, '');
  // A closing bracket belongs to the URL only when the URL opened one.
  const count = (c: string) => s.split(c).length - 1;
  while ((s.endsWith(')') && count('(') < count(')')) || (s.endsWith(']') && count('[') < count(']'))) {
    s = s.slice(0, -1).replace(/[.,;:!?'"]+$/, '');
  }
  return s;
}

/** One gateway wrapper taken off `url`, or null when it is not wrapped. */
export function unwrapOnce(url: URL): { url: string; wrapper: string } | null {
  const host = url.hostname.toLowerCase();
  const q = (name: string) => url.searchParams.get(name);
  if (/(^|\.)safelinks\.protection\.outlook\.com$/.test(host)) {
    const target = q('url');
    return target ? { url: target, wrapper: 'safelinks' } : null;
  }
  if (host === 'urldefense.proofpoint.com' || host === 'urldefense.com') {
    const path = url.pathname;
    if (path.startsWith('/v1/')) {
      const u = q('u');
      return u ? { url: u, wrapper: 'urldefense' } : null;
    }
    if (path.startsWith('/v2/')) {
      const u = q('u');
      if (!u) return null;
      // v2: `-` stands for `%`, `_` for `/`.
      const decoded = safeDecode(u.replace(/-/g, '%').replace(/_/g, '/'));
      return decoded ? { url: decoded, wrapper: 'urldefense' } : null;
    }
    if (path.startsWith('/v3/')) {
      const decoded = decodeUrlDefenseV3(url.href);
      return decoded ? { url: decoded, wrapper: 'urldefense' } : null;
    }
    return null;
  }
  if (/^(www\.)?google\.[a-z.]{2,6}$/.test(host) && url.pathname === '/url') {
    const target = q('q') ?? q('url');
    return target && /^https?:/i.test(target) ? { url: target, wrapper: 'google' } : null;
  }
  return null;
}

/**
 * URLDefense v3: `https://urldefense.com/v3/__<url>__;<base64url bytes>!!<signature>$`. Each `*` in
 * the URL stands for the next character of the decoded bytes; `**X` for a run of them whose length
 * is X's position in the base64url alphabet plus 2.
 */
export function decodeUrlDefenseV3(href: string): string | null {
  const m = /\/v3\/__(.+?)__;([A-Za-z0-9_-]*)!/.exec(href);
  if (!m) return null;
  let chars: string[];
  try {
    chars = [...Buffer.from(m[2]!, 'base64url').toString('utf8')];
  } catch {
    return null;
  }
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let at = 0;
  const out = m[1]!.replace(/\*(\*.)?/g, (token: string, run?: string) => {
    const n = run ? ALPHABET.indexOf(run[1]!) + 2 : 1;
    const piece = chars.slice(at, at + n).join('');
    at += n;
    return piece;
  });
  return out;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** A raw URL de-obfuscated and unwrapped; null when it does not parse as http(s)/ftp. */
export function resolveUrl(entry: RawUrl): UrlFinding | null {
  const clean = deobfuscate(entry.raw.trim());
  const deobfuscated = clean !== entry.raw.trim();
  let current = parse(clean);
  if (!current) return null;
  const wrappers: string[] = [];
  for (let i = 0; i < MAX_UNWRAP; i++) {
    const next = unwrapOnce(current);
    if (!next) break;
    const parsed = parse(deobfuscate(next.url));
    if (!parsed) break;
    wrappers.push(next.wrapper);
    current = parsed;
  }
  const host = current.hostname.replace(/^\[|\]$/g, '').toLowerCase() || null;
  return {
    url: cut(current.href, MAX_URL),
    host: host ? cut(host, 253) : null,
    source: entry.source,
    ...(wrappers.length ? { unwrapped_from: wrappers } : {}),
    ...(deobfuscated ? { deobfuscated: true } : {}),
  };
}

function parse(s: string): URL | null {
  if (s.length > 8 * MAX_URL) return null;
  try {
    const u = new URL(s);
    return /^(https?|ftp):$/.test(u.protocol) && u.hostname ? u : null;
  } catch {
    return null;
  }
}

/** True when the URL's host is an IP address (a link to a bare server). */
export function isIpHost(host: string | null): boolean {
  return host !== null && isIP(host) !== 0;
}

/** The host a link's visible text names (`https://paypal.com/x`, `www.paypal.com`), if it names one. */
export function hostInText(text: string): string | null {
  const t = deobfuscate(text.trim());
  const m = /^(?:(?:https?|ftp):\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,24})(?::\d+)?(?:[/?#]\S*)?$/i.exec(t);
  return m ? m[1]!.toLowerCase() : null;
}
