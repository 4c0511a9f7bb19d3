import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { AddressObject, ParsedMail } from 'mailparser';
import { AppError } from '../../contracts/index.ts';
import { optionalModule } from '../shared/optional-module.ts';
import { inspectAttachment } from './attachments.ts';
import {
  cut,
  type AttachmentSummary,
  type EmailAnalysis,
  type EmailAnalysisOptions,
  type Finding,
  type MessageSummary,
} from './email.types.ts';
import { linkFindings } from './links.ts';
import { scoreFindings } from './score.ts';
import { bareAddress, domainOfAddress, headerValues, receivedPath, senderFindings } from './sender.ts';
import { deobfuscate, urlsFromHtml, urlsFromText } from './urls.ts';

/** The defaults of {@link EmailAnalysisOptions}. */
export const EMAIL_DEFAULTS: Readonly<
  Required<Omit<EmailAnalysisOptions, 'trustedAuthservIds' | 'protectedDomains'>>
> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxUrls: 200,
  maxAttachments: 50,
  timeLimitMs: 5000,
  maxHeaderBytes: 256 * 1024,
});

/** Why a message could not be analysed: `details.reason` of the AppError thrown. */
export type EmailErrorReason = 'EMAIL_EMPTY' | 'EMAIL_TOO_LARGE' | 'EMAIL_MALFORMED' | 'EMAIL_TIMEOUT';

function emailError(reason: EmailErrorReason, message: string, extra?: Record<string, unknown>): AppError {
  return new AppError(reason === 'EMAIL_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_ERROR', message, {
    reason,
    ...extra,
  });
}

/** Most findings of one code kept (one per URL or attachment otherwise grows with the message). */
const MAX_PER_CODE = 10;
/** How deep attached messages (message/rfc822) are opened. */
const MAX_DEPTH = 1;

/**
 * Analyses one raw RFC 822 message (docs/EMAIL-ANALYSIS.md). Rejects with an AppError whose
 * `details.reason` says why (EMAIL_EMPTY, EMAIL_TOO_LARGE, EMAIL_MALFORMED, EMAIL_TIMEOUT); never
 * with anything else, whatever the bytes.
 */
export async function analyzeEmail(
  raw: Buffer | string,
  options: EmailAnalysisOptions = {},
): Promise<EmailAnalysis> {
  const o = { ...EMAIL_DEFAULTS, ...definedOnly(options) };
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (bytes.length === 0) throw emailError('EMAIL_EMPTY', 'the message is empty');
  if (bytes.length > o.maxBytes) {
    throw emailError('EMAIL_TOO_LARGE', `the message is ${bytes.length} bytes; the limit is ${o.maxBytes}`, {
      limit: o.maxBytes,
    });
  }
  const deadline = Date.now() + o.timeLimitMs;
  return analyzeBytes(bytes, o, deadline, 0);
}

type Resolved = Required<Omit<EmailAnalysisOptions, 'trustedAuthservIds' | 'protectedDomains'>> &
  EmailAnalysisOptions;

async function analyzeBytes(
  bytes: Buffer,
  o: Resolved,
  deadline: number,
  depth: number,
): Promise<EmailAnalysis> {
  if (!looksLikeMessage(bytes)) {
    throw emailError('EMAIL_MALFORMED', 'not an RFC 822 message: it does not start with a header block');
  }
  const mail = await parseWithin(bytes, o, deadline);
  if (mail.headerLines.length === 0)
    throw emailError('EMAIL_MALFORMED', 'not an RFC 822 message: no headers');

  const findings: Finding[] = [];
  const lines = mail.headerLines;
  const fromEntry = mail.from?.value.find((v) => v.address) ?? mail.from?.value[0];
  const fromAddress = fromEntry?.address ? asciiAddress(fromEntry.address) : null;
  const returnPath = headerValues(lines, 'return-path')[0];
  const path = receivedPath(lines);
  const summary: MessageSummary = {
    from: fromAddress,
    from_name: fromEntry?.name ? cut(fromEntry.name) : null,
    from_domain: domainOfAddress(fromAddress),
    to: addresses(mail.to).slice(0, 50),
    reply_to: addresses(mail.replyTo).slice(0, 10),
    return_path: returnPath ? asciiAddress(bareAddress(returnPath)) : null,
    subject: mail.subject ? cut(mail.subject) : null,
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    message_id: mail.messageId ? cut(mail.messageId, 250) : null,
    received_hops: path.hops,
    originating_ip: path.originatingIp,
    size: bytes.length,
  };
  if (!summary.from || !summary.message_id || !summary.date) {
    const missing = [
      !summary.from && 'From',
      !summary.message_id && 'Message-ID',
      !summary.date && 'Date',
    ].filter(Boolean);
    findings.push({
      code: 'HEADERS_MISSING',
      severity: 'low',
      message: `the message has no valid ${missing.join(', ')} header`,
      details: { missing },
    });
  }
  if (truncated(bytes, mail)) {
    findings.push({
      code: 'MIME_TRUNCATED',
      severity: 'low',
      message:
        'the MIME structure ends before its closing boundary (truncated or malformed); what was readable is analysed',
    });
  }

  const protectedDomains = o.protectedDomains ?? [];
  const authentication = senderFindings(
    {
      lines,
      from: { address: fromAddress, name: fromEntry?.name ?? null },
      replyTo: summary.reply_to,
      trustedAuthservIds: o.trustedAuthservIds ?? [],
      protectedDomains,
    },
    summary,
    findings,
  );

  const html = typeof mail.html === 'string' ? mail.html : '';
  const rawUrls = [
    ...urlsFromHtml(html),
    ...urlsFromText(mail.text ?? ''),
    // Plain URLs in an HTML body's text are links' visible text (judged by URL_TEXT_MISMATCH, not
    // destinations); only defanged ones written there are taken.
    ...(html ? urlsFromText(html.replace(/<[^>]*>/g, ' ')).filter((u) => deobfuscate(u.raw) !== u.raw) : []),
  ];
  const urls = linkFindings(rawUrls, { maxUrls: o.maxUrls, protectedDomains }, findings);

  const attachments: AttachmentSummary[] = [];
  const nested: EmailAnalysis['nested'] = [];
  let skipped = 0;
  for (const a of mail.attachments) {
    if (attachments.length >= o.maxAttachments) {
      skipped++;
      continue;
    }
    attachments.push(
      inspectAttachment(
        { filename: a.filename ?? null, contentType: a.contentType, content: a.content },
        findings,
      ),
    );
    if (a.contentType === 'message/rfc822' && depth < MAX_DEPTH && a.content.length > 0) {
      try {
        const { nested: _inner, ...inner } = await analyzeBytes(a.content, o, deadline, depth + 1);
        nested.push(inner);
        findings.push({
          code: 'NESTED_MESSAGE',
          severity:
            inner.verdict === 'malicious' ? 'critical' : inner.verdict === 'suspicious' ? 'medium' : 'info',
          message: `an attached message${inner.summary.from ? ` from ${cut(inner.summary.from, 100)}` : ''} scores ${inner.score} (${inner.verdict})`,
          details: {
            sha256: inner.sha256,
            score: inner.score,
            verdict: inner.verdict,
            codes: [...new Set(inner.findings.map((f) => f.code))],
          },
        });
      } catch (err) {
        if (
          (err as AppError).details &&
          ((err as AppError).details as { reason?: string }).reason === 'EMAIL_TIMEOUT'
        )
          throw err;
        // An unreadable attached message is reported as such; the outer one is still analysed.
        findings.push({
          code: 'NESTED_MESSAGE',
          severity: 'low',
          message: 'an attached message could not be parsed',
        });
      }
    }
  }
  if (skipped > 0) {
    findings.push({
      code: 'ATTACHMENT_CAP_REACHED',
      severity: 'info',
      message: `${skipped} further attachments were not checked (limit ${o.maxAttachments})`,
      details: { skipped, limit: o.maxAttachments },
    });
  }

  const kept = capPerCode(findings);
  const { score, verdict } = scoreFindings(kept);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    summary,
    authentication,
    urls,
    attachments,
    findings: kept,
    score,
    verdict,
    nested,
  };
}

/** A header field (`Name: value`) on the first non-empty line; mbox `From ` lines are allowed. */
function looksLikeMessage(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096).toString('latin1').replace(/^\s+/, '');
  const first = head.split(/\r?\n/, 1)[0] ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}[ \t]*:/.test(first) || /^From \S+/.test(first);
}

/** mailparser and its HTML and charset libraries (~5 MB of heap) load with the first message. */
const mailparser = optionalModule('e-mail analysis', () => import('mailparser'));

async function parseWithin(bytes: Buffer, o: Resolved, deadline: number): Promise<ParsedMail> {
  const { simpleParser } = await mailparser();
  const left = deadline - Date.now();
  if (left <= 0) throw emailError('EMAIL_TIMEOUT', `the analysis took longer than ${o.timeLimitMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(emailError('EMAIL_TIMEOUT', `the analysis took longer than ${o.timeLimitMs} ms`)),
      left,
    );
  });
  try {
    return await Promise.race([
      simpleParser(bytes, {
        skipHtmlToText: true,
        skipTextToHtml: true,
        skipImageLinks: true,
        keepCidLinks: true,
        maxHtmlLengthToParse: 2 * 1024 * 1024,
        maxHeadSize: o.maxHeaderBytes,
        maxChildNodes: 1000,
      }),
      timeout,
    ]);
  } catch (err) {
    if ((err as AppError).code === 'VALIDATION_ERROR') throw err;
    // mailparser's own message may quote the input: give ours, with its category only.
    const what = /head/i.test(String((err as Error)?.message))
      ? 'a header block is larger than allowed'
      : 'the MIME structure cannot be parsed';
    throw emailError('EMAIL_MALFORMED', `not a readable message: ${what}`);
  } finally {
    clearTimeout(timer);
  }
}

function addresses(v: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(v) ? v : v ? [v] : [];
  const out: string[] = [];
  for (const obj of list) {
    for (const e of obj.value) {
      if (e.address) out.push(asciiAddress(e.address)!);
      for (const g of e.group ?? []) if (g.address) out.push(asciiAddress(g.address)!);
    }
  }
  return [...new Set(out)];
}

/**
 * An address lower-cased with its domain in ASCII (punycode): `pаypal.com` with a Cyrillic `а` reads
 * exactly like `paypal.com`, `xn--pypal-4ve.com` does not — analysts, indicators and intel see that.
 */
function asciiAddress(address: string | null): string | null {
  if (!address) return null;
  const a = address.toLowerCase().slice(0, 320);
  const at = a.lastIndexOf('@');
  if (at < 0 || !/[^\x20-\x7e]/.test(a)) return a;
  const domain = domainToASCII(a.slice(at + 1));
  return domain ? `${a.slice(0, at)}@${domain}` : a;
}

/** True when a multipart message lacks its closing boundary. */
function truncated(bytes: Buffer, mail: ParsedMail): boolean {
  const ct = mail.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  const boundary = ct?.params?.['boundary'];
  if (!ct?.value?.startsWith('multipart/') || !boundary) return false;
  return !bytes.includes(`--${boundary}--`);
}

function capPerCode(findings: Finding[]): Finding[] {
  const count = new Map<string, number>();
  return findings.filter((f) => {
    const n = (count.get(f.code) ?? 0) + 1;
    count.set(f.code, n);
    return n <= MAX_PER_CODE;
  });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
