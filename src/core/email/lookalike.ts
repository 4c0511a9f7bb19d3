import { domainToUnicode } from 'node:url';

/**
 * Look-alike sender and link domains (docs/EMAIL-ANALYSIS.md "Look-alike domains").
 *
 * A domain is compared by its organizational label (`micros0ft-support` of
 * `mail.micros0ft-support.com`) against the label of every protected domain (config
 * `email.protected_domains` plus {@link BRAND_DOMAINS}). It is a look-alike when it is not that
 * protected domain (nor a subdomain of it) and:
 *   - `confusable`: its skeleton equals the protected label's skeleton. The skeleton decodes
 *     punycode, maps homoglyphs (Cyrillic/Greek letters, `0→o`, `1→l`, `rn→m`, `vv→w`…) to the
 *     Latin letter they imitate, and drops hyphens (`micros0ft` → `microsoft`, `xn--pypal-4ve` →
 *     `paypal`);
 *   - `typo`: the Damerau-Levenshtein distance between the labels is at most 2 for protected
 *     labels of 8+ letters, 1 for 6-7 letters, and not used below (one edit of `live` or `chase`
 *     makes an ordinary word: `life`, `chose`);
 *   - `combo`: one hyphen-separated token of the label is the protected label or matches it by the
 *     two rules above (`microsoft-support`, `secure-paypa1`);
 *   - `subdomain`: a label left of the organizational domain is the protected label
 *     (`paypal.com.account-verify.net`).
 * Labels shorter than 4 letters are not compared (too many innocent neighbours).
 */

/** Brands phishers imitate most (public phishing reports); extended by `email.protected_domains`. */
export const BRAND_DOMAINS: readonly string[] = [
  'microsoft.com',
  'office.com',
  'outlook.com',
  'live.com',
  'sharepoint.com',
  'onedrive.com',
  'google.com',
  'gmail.com',
  'apple.com',
  'icloud.com',
  'amazon.com',
  'paypal.com',
  'docusign.com',
  'dropbox.com',
  'linkedin.com',
  'facebook.com',
  'instagram.com',
  'netflix.com',
  'adobe.com',
  'chase.com',
  'wellsfargo.com',
  'bankofamerica.com',
  'dhl.com',
  'fedex.com',
  'usps.com',
  'okta.com',
  'salesforce.com',
  'github.com',
  'zoom.us',
  'yahoo.com',
];

/** Second-level labels under which ccTLDs register (co.uk, com.au…); a heuristic, not the PSL. */
const SECOND_LEVEL = new Set([
  'co',
  'com',
  'net',
  'org',
  'gov',
  'edu',
  'ac',
  'or',
  'ne',
  'go',
  'gob',
  'ltd',
  'plc',
]);

/**
 * The organizational domain: the last two labels, or three under a ccTLD's common second level
 * (`example.co.uk`). A heuristic that errs towards "same organization" for unknown suffixes.
 */
export function orgDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const sld = labels[labels.length - 2]!;
  const n = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-n).join('.');
}

/** True when `a` and `b` are the same organizational domain. */
export function sameOrg(a: string, b: string): boolean {
  return orgDomain(a) === orgDomain(b);
}

/** Homoglyphs → the ASCII letter they imitate (a practical subset of Unicode confusables). */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  ո: 'n',
  ս: 'u',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  // Latin look-alikes and digits
  ı: 'i',
  ɩ: 'i',
  ł: 'l',
  ɡ: 'g',
  ß: 'b',
  à: 'a',
  á: 'a',
  â: 'a',
  ä: 'a',
  å: 'a',
  ç: 'c',
  è: 'e',
  é: 'e',
  ê: 'e',
  ë: 'e',
  ì: 'i',
  í: 'i',
  î: 'i',
  ï: 'i',
  ñ: 'n',
  ò: 'o',
  ó: 'o',
  ô: 'o',
  ö: 'o',
  ø: 'o',
  ù: 'u',
  ú: 'u',
  û: 'u',
  ü: 'u',
  ý: 'y',
  ÿ: 'y',
  '0': 'o',
  '1': 'l',
  '3': 'e',
  '5': 's',
  $: 's',
  '@': 'a',
  '!': 'i',
  '|': 'l',
};

/** Letter pairs that render like one letter. */
const PAIRS: ReadonlyArray<[RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

/** The skeleton of a label: unicode, homoglyphs mapped, pairs collapsed, `l`/`i` unified, hyphens dropped. */
export function skeleton(label: string): string {
  const unicode = label.startsWith('xn--') ? domainToUnicode(label) || label : label;
  let s = '';
  for (const ch of unicode.toLowerCase().normalize('NFC')) s += CONFUSABLES[ch] ?? ch;
  for (const [re, to] of PAIRS) s = s.replace(re, to);
  // `l`, `i` and `1` are the same stroke in most sans-serif fonts.
  return s.replace(/-/g, '').replace(/i/g, 'l');
}

/** Damerau-Levenshtein (optimal string alignment) distance, giving up above `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2: number[] = new Array<number>(b.length + 1).fill(0);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    prev2.splice(0, prev2.length, ...prev);
    prev = cur;
    if (rowMin > max) return max + 1;
  }
  return prev[b.length]!;
}

export interface LookalikeMatch {
  /** The protected domain imitated. */
  protected: string;
  technique: 'confusable' | 'typo' | 'combo' | 'subdomain';
  distance?: number;
}

const MIN_LABEL = 4;

/** Compares one label with one protected label by the `confusable` and `typo` rules. */
function labelMatch(label: string, target: string): Omit<LookalikeMatch, 'protected'> | null {
  if (label.length < MIN_LABEL || label === target) return null;
  if (skeleton(label) === skeleton(target)) return { technique: 'confusable' };
  if (!/^[a-z0-9-]+$/.test(label)) return null;
  const limit = target.length >= 8 ? 2 : target.length >= 6 ? 1 : 0;
  if (limit === 0) return null;
  const d = editDistance(label, target, limit);
  return d <= limit ? { technique: 'typo', distance: d } : null;
}

/**
 * The protected domain `host` imitates, or null. `host` is lower-case ASCII (punycode for IDNs);
 * a host of a protected domain itself is never a look-alike.
 */
export function findLookalike(host: string, protectedDomains: readonly string[]): LookalikeMatch | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  const org = orgDomain(h);
  const targets = [...new Set(protectedDomains.map((d) => d.toLowerCase()))];
  if (targets.some((t) => org === orgDomain(t))) return null;
  const orgLabel = org.split('.')[0] ?? '';
  const sub = h
    .slice(0, Math.max(0, h.length - org.length - 1))
    .split('.')
    .filter(Boolean);
  for (const t of targets) {
    const tl = orgDomain(t).split('.')[0] ?? '';
    if (tl.length < MIN_LABEL) continue;
    const whole = labelMatch(orgLabel, tl);
    if (whole) return { protected: t, ...whole };
    const tokens = orgLabel.split('-').filter(Boolean);
    if (tokens.length > 1) {
      for (const token of tokens) {
        if (token === tl) return { protected: t, technique: 'combo' };
        const m = labelMatch(token, tl);
        if (m) return { protected: t, technique: 'combo', ...(m.distance ? { distance: m.distance } : {}) };
      }
    }
    if (sub.some((l) => l === tl || skeleton(l) === skeleton(tl)))
      return { protected: t, technique: 'subdomain' };
  }
  return null;
}

/** True for an internationalised domain (a punycode label or non-ASCII letters). */
export function isIdn(host: string): boolean {
  // eslint-disable-next-line no-control-regex
  return host.split('.').some((l) => l.startsWith('xn--')) || /[^\u0000-\u007f]/.test(host);
}
