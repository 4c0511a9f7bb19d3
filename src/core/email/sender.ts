import { domainToUnicode } from 'node:url';
import { isPrivateIp } from '../ingest/indicators.ts';
import { parseAuthenticationResults } from './auth-results.ts';
import { cut, type AuthenticationSummary, type Finding, type MessageSummary } from './email.types.ts';
import { BRAND_DOMAINS, findLookalike, isIdn, orgDomain } from './lookalike.ts';

/** Header lines as mailparser gives them: lower-case key, the raw (folded) line with its name. */
export type HeaderLines = ReadonlyArray<{ key: string; line: string }>;

/** Unfolded values of every header named `key`, in message order (topmost first). */
export function headerValues(lines: HeaderLines, key: string): string[] {
  return lines
    .filter((l) => l.key === key)
    .map((l) => {
      const v = l.line.slice(0, 65_536).replace(/\r?\n[ \t]+/g, ' ');
      return v.slice(v.indexOf(':') + 1).trim();
    });
}

/** The address inside `<…>`, or the value itself when it is a bare address; lower-case. */
export function bareAddress(value: string): string | null {
  const m = /<([^<>\s]*@[^<>\s]+)>/.exec(value) ?? /([^\s<>"]+@[^\s<>"]+)/.exec(value);
  return m ? m[1]!.toLowerCase().slice(0, 320) : null;
}

export function domainOfAddress(address: string | null): string | null {
  if (!address) return null;
  const at = address.lastIndexOf('@');
  const d = at >= 0 ? address.slice(at + 1).replace(/[>\]]+$/, '') : '';
  return d && /^[a-z0-9.-]+$/.test(d) ? d : d ? d.toLowerCase() : null;
}

const RECEIVED_IP = /\[(?:IPv6:)?([0-9a-f:.]{3,45})\]|\(\s*[^()\s]*\s*\[?((?:\d{1,3}\.){3}\d{1,3})\]?\s*\)/gi;

/**
 * Hops and the originating IP: Received headers are prepended, so the last one is the first hop.
 * The originating IP is the first address outside private/loopback space, from the sender's end,
 * in a `from` clause (`from host ([1.2.3.4])`), not in the `by` clause.
 */
export function receivedPath(lines: HeaderLines): { hops: number; originatingIp: string | null } {
  const received = headerValues(lines, 'received');
  for (const value of [...received].reverse()) {
    const fromClause = /^\s*from\s+([\s\S]*?)(?:\bby\b|$)/i.exec(value)?.[1] ?? '';
    for (const m of fromClause.matchAll(RECEIVED_IP)) {
      const ip = (m[1] ?? m[2] ?? '').toLowerCase();
      if (ip && /[.:]/.test(ip) && !isPrivateIp(ip) && ip !== '::1')
        return { hops: received.length, originatingIp: ip };
    }
  }
  return { hops: received.length, originatingIp: null };
}

export interface SenderInput {
  lines: HeaderLines;
  from: { address: string | null; name: string | null };
  replyTo: string[];
  trustedAuthservIds: readonly string[];
  protectedDomains: readonly string[];
}

/** Authentication and sender-identity findings. */
export function senderFindings(
  input: SenderInput,
  summary: MessageSummary,
  findings: Finding[],
): AuthenticationSummary {
  const auth = parseAuthenticationResults(
    headerValues(input.lines, 'authentication-results'),
    input.trustedAuthservIds,
  );
  const fromDomain = summary.from_domain;
  authFindings(auth, fromDomain, findings);

  const fromOrg = fromDomain ? orgDomain(fromDomain) : null;
  for (const r of summary.reply_to) {
    const d = domainOfAddress(r);
    if (fromOrg && d && orgDomain(d) !== fromOrg) {
      findings.push({
        code: 'REPLY_TO_MISMATCH',
        severity: 'medium',
        message: `replies go to ${cut(d, 100)}, not to the sender's domain ${cut(fromOrg, 100)}`,
        details: { reply_to: cut(r, 200), from_domain: fromDomain },
      });
    }
  }
  const rp = domainOfAddress(summary.return_path);
  if (fromOrg && rp && orgDomain(rp) !== fromOrg) {
    findings.push({
      code: 'RETURN_PATH_MISMATCH',
      severity: 'low',
      message: `the envelope sender (Return-Path) is at ${cut(rp, 100)}, not ${cut(fromOrg, 100)} (normal for mailing services, suspicious otherwise)`,
      details: { return_path: summary.return_path, from_domain: fromDomain },
    });
  }

  const name = input.from.name ?? '';
  const inName = bareAddress(name);
  const nameDomain = domainOfAddress(inName);
  if (nameDomain && fromOrg && orgDomain(nameDomain) !== fromOrg) {
    findings.push({
      code: 'DISPLAY_NAME_SPOOF',
      severity: 'high',
      message: `the display name shows the address ${cut(inName!, 100)} but the mail is from ${cut(fromDomain!, 100)}`,
      details: { display_name: cut(name, 200), from: summary.from },
    });
  } else if (fromOrg) {
    const brands = [...input.protectedDomains, ...BRAND_DOMAINS];
    const brand = brands.find((b) => {
      const label = orgDomain(b).split('.')[0]!;
      return label.length >= 4 && new RegExp(`\\b${label}\\b`, 'i').test(name) && orgDomain(b) !== fromOrg;
    });
    if (brand && !brands.some((b) => orgDomain(b) === fromOrg)) {
      findings.push({
        code: 'DISPLAY_NAME_SPOOF',
        severity: 'medium',
        message: `the display name names ${brand.split('.')[0]} but the mail is from ${cut(fromDomain!, 100)}`,
        details: { display_name: cut(name, 200), from: summary.from, brand },
      });
    }
  }

  const protectedAll = [...input.protectedDomains, ...BRAND_DOMAINS];
  const checked = new Set<string>();
  const candidates: Array<[string | null, string]> = [
    [fromDomain, 'From'],
    ...summary.reply_to.map((r): [string | null, string] => [domainOfAddress(r), 'Reply-To']),
    [rp, 'Return-Path'],
  ];
  for (const [d, where] of candidates) {
    if (!d || checked.has(d)) continue;
    checked.add(d);
    const match = findLookalike(d, protectedAll);
    if (match) {
      findings.push({
        code: 'LOOKALIKE_DOMAIN',
        severity: 'high',
        message: `${where} domain ${cut(d, 100)}${unicodeNote(d)} imitates ${match.protected} (${match.technique})`,
        details: {
          domain: cut(d, 253),
          header: where,
          imitates: match.protected,
          technique: match.technique,
        },
      });
    } else if (isIdn(d)) {
      findings.push({
        code: 'IDN_DOMAIN',
        severity: 'medium',
        message: `${where} domain ${cut(d, 100)}${unicodeNote(d)} is internationalised (may mix look-alike scripts)`,
        details: { domain: cut(d, 253), header: where },
      });
    }
  }
  return auth;
}

/** ` (shown as pаypal.com)` for a punycode domain: what the recipient saw. */
function unicodeNote(domain: string): string {
  if (!domain.split('.').some((l) => l.startsWith('xn--'))) return '';
  const u = domainToUnicode(domain);
  return u && u !== domain ? ` (shown as ${cut(u, 100)})` : '';
}

function authFindings(auth: AuthenticationSummary, fromDomain: string | null, findings: Finding[]): void {
  if (auth.trust === 'none') {
    findings.push({
      code: 'AUTH_RESULTS_MISSING',
      severity: 'info',
      message:
        auth.headers_seen > 0
          ? `none of the ${auth.headers_seen} Authentication-Results headers comes from a trusted server`
          : 'the message carries no Authentication-Results header',
      details: { headers_seen: auth.headers_seen },
    });
    return;
  }
  const detail = (r: { result: string; domain: string | null }) => ({ result: r.result, domain: r.domain });
  const spf = auth.spf[0];
  if (spf?.result === 'fail') {
    findings.push({
      code: 'SPF_FAIL',
      severity: 'high',
      message: `SPF failed${spf.domain ? ` for ${spf.domain}` : ''}: the sending server is not allowed to send for the domain`,
      details: detail(spf),
    });
  } else if (spf?.result === 'softfail') {
    findings.push({
      code: 'SPF_SOFTFAIL',
      severity: 'medium',
      message: `SPF soft-failed${spf.domain ? ` for ${spf.domain}` : ''}`,
      details: detail(spf),
    });
  }
  const dkimPass = auth.dkim.some((r) => r.result === 'pass');
  const dkimFail = auth.dkim.find((r) => r.result === 'fail' || r.result === 'permerror');
  if (!dkimPass && dkimFail) {
    findings.push({
      code: 'DKIM_FAIL',
      severity: 'medium',
      message: `the DKIM signature${dkimFail.domain ? ` of ${dkimFail.domain}` : ''} does not verify`,
      details: detail(dkimFail),
    });
  }
  const dmarc = auth.dmarc[0];
  if (dmarc?.result === 'fail') {
    findings.push({
      code: 'DMARC_FAIL',
      severity: 'high',
      message: `DMARC failed for ${dmarc.domain ?? 'the From domain'}: the sender is not authenticated as the From domain`,
      details: detail(dmarc),
    });
  }
  const aligned =
    dmarc?.result === 'pass' &&
    fromDomain !== null &&
    dmarc.domain !== null &&
    orgDomain(dmarc.domain) === orgDomain(fromDomain);
  if (aligned && spf?.result !== 'fail' && dkimPass) {
    findings.push({
      code: 'AUTH_PASS',
      severity: 'info',
      message: `SPF, DKIM and DMARC pass for ${fromDomain}`,
      details: { domain: fromDomain },
    });
  }
}
