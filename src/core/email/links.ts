import { cut, type Finding, type UrlFinding } from './email.types.ts';
import { BRAND_DOMAINS, findLookalike, orgDomain } from './lookalike.ts';
import { hostInText, isIpHost, resolveUrl, SHORTENERS, type RawUrl } from './urls.ts';

/** Resolves the raw URLs (dedupe, cap) and pushes the link findings. */
export function linkFindings(
  raw: RawUrl[],
  options: { maxUrls: number; protectedDomains: readonly string[] },
  findings: Finding[],
): UrlFinding[] {
  const urls: UrlFinding[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  const protectedAll = [...options.protectedDomains, ...BRAND_DOMAINS];
  for (const entry of raw) {
    const u = resolveUrl(entry);
    if (!u) continue;
    const shown = cut(u.url, 120);
    // Text/href mismatch is judged per link, even when the URL itself was seen before.
    if (entry.text && u.host) {
      const named = hostInText(entry.text);
      if (named && !isIpHost(u.host) && orgDomain(named) !== orgDomain(u.host)) {
        findings.push({
          code: 'URL_TEXT_MISMATCH',
          severity: 'high',
          message: `a link shows ${cut(named, 100)} but leads to ${cut(u.host, 100)}`,
          details: { shown: cut(entry.text, 200), url: u.url },
        });
      } else if (named && isIpHost(u.host)) {
        findings.push({
          code: 'URL_TEXT_MISMATCH',
          severity: 'high',
          message: `a link shows ${cut(named, 100)} but leads to the IP address ${u.host}`,
          details: { shown: cut(entry.text, 200), url: u.url },
        });
      }
    }
    if (seen.has(u.url)) continue;
    if (urls.length >= options.maxUrls) {
      dropped++;
      continue;
    }
    seen.add(u.url);
    urls.push(u);
    if (u.unwrapped_from) {
      findings.push({
        code: 'URL_WRAPPED',
        severity: 'info',
        message: `a ${u.unwrapped_from.join(' + ')} link was unwrapped to ${shown}`,
        details: { url: u.url, wrappers: u.unwrapped_from },
      });
    }
    if (u.deobfuscated) {
      findings.push({
        code: 'URL_OBFUSCATED',
        severity: 'low',
        message: `a defanged/obfuscated URL was written in the body: ${shown}`,
        details: { url: u.url },
      });
    }
    if (isIpHost(u.host)) {
      findings.push({
        code: 'URL_IP_LITERAL',
        severity: 'medium',
        message: `a link points to a bare IP address: ${shown}`,
        details: { url: u.url, host: u.host },
      });
    } else if (u.host) {
      if (SHORTENERS.has(u.host) || SHORTENERS.has(u.host.replace(/^www\./, ''))) {
        findings.push({
          code: 'URL_SHORTENER',
          severity: 'low',
          message: `a link goes through the URL shortener ${u.host}, hiding its destination`,
          details: { url: u.url, host: u.host },
        });
      }
      const match = findLookalike(u.host, protectedAll);
      if (match) {
        findings.push({
          code: 'URL_LOOKALIKE_DOMAIN',
          severity: 'high',
          message: `link host ${cut(u.host, 100)} imitates ${match.protected} (${match.technique})`,
          details: { url: u.url, host: u.host, imitates: match.protected, technique: match.technique },
        });
      }
    }
  }
  if (dropped > 0) {
    findings.push({
      code: 'URL_CAP_REACHED',
      severity: 'info',
      message: `${dropped} further URLs were not kept (limit ${options.maxUrls})`,
      details: { dropped, limit: options.maxUrls },
    });
  }
  return urls;
}
