/**
 * What an email analysis produces (docs/EMAIL-ANALYSIS.md): a summary of the message and a list of
 * findings, each with a stable code, a severity and a short explanation. Every attacker-chosen
 * string in it is cut (see `cut`), so a hostile message cannot blow up storage, logs or the UI.
 */

/** How much a finding weighs towards "phishing/malware" (the score in score.ts). */
export type FindingSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  /** Stable code, e.g. `SPF_FAIL`, `LOOKALIKE_DOMAIN` (the table in docs/EMAIL-ANALYSIS.md). */
  code: FindingCode;
  severity: FindingSeverity;
  /** One short sentence for an analyst; attacker strings in it are cut. */
  message: string;
  /** Machine-readable facts (domains, URLs, hashes…), each string cut. */
  details?: Record<string, unknown>;
}

/** Every finding code, in one place. */
export const FINDING_CODES = [
  // authentication
  'SPF_FAIL',
  'SPF_SOFTFAIL',
  'DKIM_FAIL',
  'DMARC_FAIL',
  'AUTH_RESULTS_MISSING',
  'AUTH_PASS',
  // sender identity
  'REPLY_TO_MISMATCH',
  'RETURN_PATH_MISMATCH',
  'DISPLAY_NAME_SPOOF',
  'LOOKALIKE_DOMAIN',
  'IDN_DOMAIN',
  // links
  'URL_TEXT_MISMATCH',
  'URL_IP_LITERAL',
  'URL_SHORTENER',
  'URL_OBFUSCATED',
  'URL_WRAPPED',
  'URL_LOOKALIKE_DOMAIN',
  'URL_CAP_REACHED',
  // attachments
  'ATTACHMENT_DANGEROUS_EXTENSION',
  'ATTACHMENT_DOUBLE_EXTENSION',
  'ATTACHMENT_TYPE_MISMATCH',
  'ATTACHMENT_MACRO',
  'ATTACHMENT_ARCHIVE',
  'ATTACHMENT_HTML',
  'ATTACHMENT_CAP_REACHED',
  // structure
  'NESTED_MESSAGE',
  'HEADERS_MISSING',
  'MIME_TRUNCATED',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** One Authentication-Results method result (RFC 8601 §2.7). */
export interface AuthMethodResult {
  method: 'spf' | 'dkim' | 'dmarc';
  /** pass, fail, softfail, neutral, none, temperror, permerror, policy… (lower-case). */
  result: string;
  /** smtp.mailfrom / smtp.helo for SPF, header.d / header.i for DKIM, header.from for DMARC. */
  domain: string | null;
}

export interface AuthenticationSummary {
  /** The authserv-id of the header trusted (null when none was). */
  authserv_id: string | null;
  /** Authentication-Results headers in the message (all of them, trusted or not). */
  headers_seen: number;
  /** Why the trusted header was chosen, or why none was. */
  trust: 'configured' | 'topmost' | 'none';
  spf: AuthMethodResult[];
  dkim: AuthMethodResult[];
  dmarc: AuthMethodResult[];
}

export interface UrlFinding {
  /** The URL after de-obfuscation and unwrapping (cut to 2048 characters). */
  url: string;
  host: string | null;
  /** Where it was found: `text`, `html`, `html-text` (visible text of a link). */
  source: 'text' | 'html' | 'html-text';
  /** The wrapper(s) it was taken out of: `safelinks`, `urldefense`, `google`. */
  unwrapped_from?: string[];
  /** True when it was written defanged (`hxxp`, `[.]`, `(dot)`…). */
  deobfuscated?: boolean;
}

export interface AttachmentSummary {
  filename: string | null;
  content_type: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  /** Set when the type was guessed from the file's first bytes. */
  magic?: string;
}

export interface MessageSummary {
  from: string | null;
  from_name: string | null;
  from_domain: string | null;
  to: string[];
  reply_to: string[];
  return_path: string | null;
  subject: string | null;
  date: string | null;
  message_id: string | null;
  received_hops: number;
  /** The IP of the first hop outside private/loopback space, counted from the sender's end. */
  originating_ip: string | null;
  size: number;
}

/** The whole result of {@link analyzeEmail}. */
export interface EmailAnalysis {
  /** SHA-256 of the raw message bytes (the dedup key of stored analyses). */
  sha256: string;
  summary: MessageSummary;
  authentication: AuthenticationSummary;
  urls: UrlFinding[];
  attachments: AttachmentSummary[];
  findings: Finding[];
  /** 0..100 by the documented scoring (score.ts); `verdict` follows from it. */
  score: number;
  verdict: 'malicious' | 'suspicious' | 'benign';
  /** Messages found nested inside (message/rfc822 parts), analysed one level deep. */
  nested: Array<Omit<EmailAnalysis, 'nested'>>;
}

/** Limits and trust settings of one analysis (config `email`). */
export interface EmailAnalysisOptions {
  /** Largest raw message accepted, bytes. Default 10 MiB. */
  maxBytes?: number;
  /** Most URLs kept; the rest are counted. Default 200. */
  maxUrls?: number;
  /** Most attachments hashed and checked. Default 50. */
  maxAttachments?: number;
  /** Longest analysis before it gives up with EMAIL_TIMEOUT, ms. Default 5000. */
  timeLimitMs?: number;
  /** Largest header block of one MIME part, bytes. Default 256 KiB. */
  maxHeaderBytes?: number;
  /**
   * authserv-ids of our own mail servers (e.g. `mx.example.com`). When set, only an
   * Authentication-Results header with one of these ids is trusted; else the topmost one.
   */
  trustedAuthservIds?: readonly string[];
  /** Our own domains, checked for look-alikes besides the built-in brand list. */
  protectedDomains?: readonly string[];
}

/** Longest attacker string kept in a finding or summary. */
export const MAX_TEXT = 200;

/** `s` cut to `max` characters with an ellipsis, control characters replaced. */
export function cut(s: string, max = MAX_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (clean.length <= max) return clean;
  // Never split a surrogate pair: half of one is not storable text.
  const end = /[\ud800-\udbff]/.test(clean[max - 2] ?? '') ? max - 2 : max - 1;
  return `${clean.slice(0, end)}…`;
}
