import type { Indicator, IndicatorType } from '../../contracts/index.ts';
import type { NewEnrichment } from '../../ports/index.ts';
import { dedupeIndicators, hostIndicator, indicator, normalizeIndicatorValue } from '../ingest/indicators.ts';
import type { EmailAnalysis, Finding } from './email.types.ts';
import { scoreFindings } from './score.ts';

/**
 * How an email analysis counts in triage, without the triage service knowing about email
 * (docs/EMAIL-ANALYSIS.md "How it counts in triage"): its indicators join the incident's, and its
 * findings become enrichment records of provider {@link EMAIL_PROVIDER}, which the deterministic
 * analyzer weighs like any threat-intel verdict (docs/ANALYZER.md):
 *
 * - one record per message (the message itself and each attached one) on its sender address, with
 *   the message's verdict (malicious +2.0, suspicious +0.8) and its score / 100. A benign message
 *   gives none: passing SPF/DKIM/DMARC is no proof of innocence (phishers authenticate their own
 *   domains), so it must not pull an incident towards "benign". An outer message is judged without
 *   its NESTED_MESSAGE finding, so the colleague who forwarded a phish is not rated by it;
 * - one `suspicious` record per implicated indicator (look-alike sender domain, look-alike /
 *   mismatched / bare-IP link, dangerous attachment), `malicious` for an executable attachment
 *   posing as a document (double extension or content mismatch), at most {@link MAX_INDICATOR_RECORDS}
 *   per message, so one mail cannot stack unbounded weight.
 */
export const EMAIL_PROVIDER = 'email_analysis';
export const MAX_INDICATOR_RECORDS = 5;
/** Most indicators one analysis adds to an incident. */
export const MAX_EMAIL_INDICATORS = 100;

export interface EmailEvidence {
  indicators: Indicator[];
  enrichments: NewEnrichment[];
}

export function emailEvidence(analysis: EmailAnalysis, maxIndicators = MAX_EMAIL_INDICATORS): EmailEvidence {
  const indicators: Indicator[] = [];
  const enrichments: NewEnrichment[] = [];
  for (const message of [analysis, ...analysis.nested]) {
    indicators.push(...messageIndicators(message));
    enrichments.push(...messageEnrichments(message));
  }
  return { indicators: dedupeIndicators(indicators, maxIndicators), enrichments };
}

function messageIndicators(m: Omit<EmailAnalysis, 'nested'>): Indicator[] {
  const out: Array<Indicator | null> = [];
  const s = m.summary;
  out.push(indicator('email', s.from ?? undefined, 'email.from'));
  out.push(indicator('domain', s.from_domain ?? undefined, 'email.from_domain'));
  for (const r of s.reply_to) out.push(indicator('email', r, 'email.reply_to'));
  out.push(indicator('email', s.return_path ?? undefined, 'email.return_path'));
  if (s.originating_ip) out.push(hostIndicator(s.originating_ip, 'email.originating_ip'));
  for (const a of m.attachments) {
    const ctx = 'email.attachment';
    out.push(
      indicator('sha256', a.sha256, ctx),
      indicator('sha1', a.sha1, ctx),
      indicator('md5', a.md5, ctx),
    );
  }
  for (const u of m.urls) {
    out.push(indicator('url', u.url, 'email.url'));
    if (u.host) out.push(hostIndicator(u.host, 'email.url_host'));
  }
  return out.filter((i): i is Indicator => i !== null);
}

function messageEnrichments(m: Omit<EmailAnalysis, 'nested'>): NewEnrichment[] {
  const out: NewEnrichment[] = [];
  const own = scoreFindings(m.findings.filter((f) => f.code !== 'NESTED_MESSAGE'));
  const codes = [...new Set(m.findings.map((f) => f.code))];
  const anchor = m.summary.from
    ? record('email', m.summary.from)
    : m.summary.from_domain
      ? record('domain', m.summary.from_domain)
      : null;
  if (anchor && own.verdict !== 'benign') {
    out.push({
      ...anchor,
      provider: EMAIL_PROVIDER,
      verdict: own.verdict,
      score: own.score / 100,
      details: {
        message_sha256: m.sha256,
        message_id: m.summary.message_id,
        score: own.score,
        codes,
        reason: `email analysis: ${topFindings(m.findings)}`,
      },
    });
  }
  const seen = new Set<string>();
  let n = 0;
  const add = (
    type: IndicatorType,
    value: string | null | undefined,
    verdict: 'malicious' | 'suspicious',
    f: Finding,
  ) => {
    const r = value ? record(type, value) : null;
    if (!r || n >= MAX_INDICATOR_RECORDS) return;
    const key = `${r.indicator_type}:${r.indicator_value}`;
    if (seen.has(key)) return;
    seen.add(key);
    n++;
    out.push({
      ...r,
      provider: EMAIL_PROVIDER,
      verdict,
      score: verdict === 'malicious' ? 0.9 : 0.6,
      details: { message_sha256: m.sha256, codes: [f.code], reason: f.message },
    });
  };
  // Malicious first, so the cap never drops the strongest.
  const ordered = [...m.findings].sort((a, b) => rank(b) - rank(a));
  for (const f of ordered) {
    const d = (f.details ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
    switch (f.code) {
      case 'LOOKALIKE_DOMAIN':
        add('domain', str('domain'), 'suspicious', f);
        break;
      case 'URL_LOOKALIKE_DOMAIN':
      case 'URL_TEXT_MISMATCH':
      case 'URL_IP_LITERAL':
        add('url', str('url'), 'suspicious', f);
        break;
      case 'ATTACHMENT_DOUBLE_EXTENSION':
        add('sha256', str('sha256'), 'malicious', f);
        break;
      case 'ATTACHMENT_TYPE_MISMATCH':
        add(
          'sha256',
          str('sha256'),
          d['content'] === 'exe' || d['content'] === 'elf' ? 'malicious' : 'suspicious',
          f,
        );
        break;
      case 'ATTACHMENT_DANGEROUS_EXTENSION':
      case 'ATTACHMENT_MACRO':
      case 'ATTACHMENT_HTML':
        add('sha256', str('sha256'), 'suspicious', f);
        break;
      default:
        break;
    }
  }
  return out;
}

function rank(f: Finding): number {
  if (f.code === 'ATTACHMENT_DOUBLE_EXTENSION') return 3;
  if (f.code === 'ATTACHMENT_TYPE_MISMATCH') return 2;
  return f.severity === 'critical' ? 1.5 : f.severity === 'high' ? 1 : 0;
}

function record(
  type: IndicatorType,
  value: string,
): Pick<NewEnrichment, 'indicator_type' | 'indicator_value'> | null {
  const v = normalizeIndicatorValue(type, value);
  return v === null ? null : { indicator_type: type, indicator_value: v };
}

function topFindings(findings: Finding[]): string {
  const order = ['critical', 'high', 'medium', 'low', 'info'];
  return [...findings]
    .filter((f) => f.code !== 'NESTED_MESSAGE')
    .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))
    .slice(0, 3)
    .map((f) => f.code)
    .join(', ');
}
