import { randomBytes } from 'node:crypto';
import type {
  ActionConnector,
  ConnectorConfigProblem,
  ConnectorDeps,
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import { OutboundError } from '../../../ports/action-connector.port.ts';
import {
  checkTimeout,
  DEFAULT_TIMEOUT_MS,
  defang,
  failure,
  type Failure,
  htmlEscape,
  messageContent,
  num,
  plainBody,
  str,
  TIMEOUT_SETTING,
  unsupported,
} from './notify-common.ts';
import { probe, sendMail, SmtpError, type SmtpOptions, type SmtpSecurity } from './smtp-client.ts';

/**
 * E-mail over SMTP submission (docs/CONNECTORS-NOTIFY.md) with our own client (smtp-client.ts).
 * SMTP has no idempotency key: the Message-ID is derived from the action id
 * (`<tw-<action id>@<domain>>`), so receiving systems and mail archives can recognise a duplicate.
 */

const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9a-fA-F:.]+\]?$/;

/** Quoted-printable (RFC 2045): ASCII-only output, lines of at most 76 characters. */
export function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      let out = '';
      let width = 0;
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const plain = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        const piece = plain ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (width + piece.length > 75) {
          out += '=\r\n';
          width = 0;
        }
        out += piece;
        width += piece.length;
      });
      return out;
    })
    .join('\r\n');
}

/** A header value: ASCII as is, anything else as an RFC 2047 encoded word; never a line break. */
export function encodeHeader(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  return `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

export interface MailParts {
  from: string;
  to: string[];
  messageId: string;
  text: string;
}

/** The whole RFC 5322 message: multipart/alternative, plain and HTML (alert text HTML-escaped). */
export function buildMessage(
  request: ConnectorRequest,
  from: string,
  to: string[],
  domain: string,
  now: Date,
): MailParts {
  const c = messageContent(request);
  const messageId = `<tw-${request.action_id.replace(/[^\w.-]/g, '')}@${domain}>`;
  const boundary = `tw-${randomBytes(12).toString('hex')}`;
  const rows: [string, string][] = [
    ['Incident', c.incident_title],
    ['Severity', c.severity],
    ['Incident id', c.incident_id],
  ];
  const html = [
    '<!doctype html><html><body>',
    `<h2>${htmlEscape(c.title)}</h2>`,
    '<table>',
    ...rows.map(([k, v]) => `<tr><th align="left">${k}</th><td>${htmlEscape(v)}</td></tr>`),
    '</table>',
    ...(c.message ? [`<p style="white-space:pre-wrap">${htmlEscape(c.message)}</p>`] : []),
    ...(c.reason ? [`<p><em>Reason:</em> ${htmlEscape(c.reason)}</p>`] : []),
    `<p style="color:#666">Triage Warden action ${htmlEscape(c.action_id)}</p>`,
    '</body></html>',
  ].join('\n');
  const headers = [
    `From: ${from}`,
    `To: ${to.join(', ')}`,
    `Subject: ${encodeHeader(defang(c.title))}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Auto-Submitted: auto-generated',
    `X-Triage-Warden-Action: ${request.action_id.replace(/[^\w.-]/g, '')}`,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      'Content-Transfer-Encoding: quoted-printable',
      '',
      quotedPrintable(body),
    ].join('\r\n');
  const text = [
    ...headers,
    '',
    part('text/plain', defang(plainBody(c))),
    part('text/html', html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { from, to, messageId, text };
}

/** An SmtpError as a ConnectorResult: before the final `.` nothing was delivered; after, unknown. */
export function smtpFailure(err: unknown): Failure {
  if (err instanceof OutboundError)
    return failure(err.code === 'BLOCKED_URL' ? 'BLOCKED_URL' : 'NETWORK', err.message, true);
  if (!(err instanceof SmtpError))
    return failure('OUTCOME_UNKNOWN', 'SMTP failed unexpectedly; the message may have been sent', false);
  const details: Record<string, unknown> = {
    stage: err.stage,
    ...(err.reply ? { smtp_code: err.reply.code } : {}),
  };
  if (err.stage === 'message' && err.kind !== 'REPLY')
    return failure(
      'OUTCOME_UNKNOWN',
      `SMTP: ${err.message} after the message was sent; it may have been delivered`,
      false,
      details,
    );
  if (err.kind === 'TIMEOUT')
    return failure('TIMEOUT', `SMTP: ${err.message} (nothing was sent)`, true, details);
  if (err.kind !== 'REPLY' || !err.reply) {
    const code = err.kind === 'NO_STARTTLS' || err.kind === 'NO_AUTH' ? 'REJECTED' : 'NETWORK';
    return failure(code, `SMTP: ${err.message}`, true, details);
  }
  const c = err.reply.code;
  const text = err.reply.lines.join(' ');
  if ([530, 534, 535, 538].includes(c))
    return failure('AUTH_FAILED', `the SMTP server refused the credentials (${c})`, true, details);
  if (c >= 400 && c < 500) {
    const limited =
      c === 421 || c === 450 || c === 451 ? /rate|too many|throttl|limit|4\.7\.\d/i.test(text) : false;
    return failure(
      limited ? 'RATE_LIMITED' : 'VENDOR_ERROR',
      `the SMTP server deferred the message (${c})`,
      true,
      details,
    );
  }
  if (err.stage === 'rcpt' && [550, 551, 553].includes(c))
    return failure('NOT_FOUND', `the SMTP server refused every recipient (${c})`, true, details);
  return failure('REJECTED', `the SMTP server refused the message (${c} at ${err.stage})`, true, details);
}

class SmtpConnector implements ActionConnector {
  readonly kind = 'smtp';
  private readonly host: string;
  private readonly port: number;
  private readonly security: SmtpSecurity;
  private readonly from: string;

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    private readonly config: Record<string, unknown>,
    private readonly secrets: Record<string, string>,
    private readonly deps: ConnectorDeps,
  ) {
    this.host = str(config, 'host') ?? '';
    this.security = config.security === 'tls' || config.security === 'none' ? config.security : 'starttls';
    this.port = num(config, 'port', this.security === 'tls' ? 465 : 587);
    this.from = str(config, 'from') ?? '';
  }

  private recipients(request: ConnectorRequest): string[] | Failure {
    if (request.target.type === 'email') {
      const to = request.target.value.trim();
      return ADDRESS.test(to) ? [to] : failure('REJECTED', 'the target is not a valid e-mail address', true);
    }
    const to = Array.isArray(this.config.to)
      ? this.config.to.filter((t): t is string => typeof t === 'string')
      : [];
    return to.length > 0
      ? to
      : failure('REJECTED', 'no recipients: target an e-mail address or set `to`', true);
  }

  private message(request: ConnectorRequest): MailParts | Failure {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    if (!ADDRESS.test(this.from))
      return failure('REJECTED', 'the sender (`from`) is not a valid e-mail address', true);
    const to = this.recipients(request);
    if (!Array.isArray(to)) return to;
    const domain =
      str(this.config, 'message_id_domain') ?? this.from.split('@')[1] ?? 'triage-warden.invalid';
    return buildMessage(request, this.from, to, domain, this.deps.now());
  }

  private async options(signal: AbortSignal): Promise<SmtpOptions> {
    const { address } = await this.deps.http.checkHost(this.host.replace(/^\[|\]$/g, ''), this.port);
    const user = this.secrets.username;
    return {
      host: this.host,
      port: this.port,
      address,
      security: this.security,
      heloName: str(this.config, 'helo_name') ?? 'triage-warden',
      ...(user ? { auth: { user, pass: this.secrets.password ?? '' } } : {}),
      ...(str(this.config, 'tls_ca') ? { ca: str(this.config, 'tls_ca')! } : {}),
      timeoutMs: num(this.config, 'timeout_ms', DEFAULT_TIMEOUT_MS),
      signal,
    };
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const mail = this.message(request);
    if ('ok' in mail) return mail;
    return {
      ok: true,
      vendor_ref: null,
      details: {
        dry_run: true,
        request: {
          protocol: 'smtp',
          host: this.host,
          port: this.port,
          security: this.security,
          auth: this.secrets.username ? 'AUTH PLAIN/LOGIN as configured user' : 'none',
          envelope: { from: mail.from, to: mail.to },
          message_id: mail.messageId,
          message: mail.text,
        },
      },
    };
  }

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const mail = this.message(request);
    if ('ok' in mail) return mail;
    try {
      const sent = await sendMail(await this.options(signal), mail.from, mail.to, mail.text);
      return {
        ok: true,
        vendor_ref: mail.messageId,
        details: {
          message_id: mail.messageId,
          accepted: sent.accepted.length,
          rejected: sent.rejected.map((r) => r.code),
          queue_id: sent.queueId,
        },
      };
    } catch (err) {
      return smtpFailure(err);
    }
  }

  async test(
    signal: AbortSignal,
  ): Promise<{ ok: boolean; message: string; details?: Record<string, unknown> }> {
    try {
      const { extensions } = await probe(await this.options(signal));
      return {
        ok: true,
        message: 'connected, greeted, authenticated and quit; nothing was sent',
        details: { extensions },
      };
    } catch (err) {
      return { ok: false, message: smtpFailure(err).message };
    }
  }
}

export const smtpKind: ConnectorKind = {
  kind: 'smtp',
  title: 'E-mail (SMTP)',
  actionTypes: ['notify'],
  settings: [
    { name: 'host', required: true, description: 'SMTP submission server host name.' },
    { name: 'port', required: false, description: 'Port (465 with security `tls`).', default: 587 },
    {
      name: 'security',
      required: false,
      description: '`starttls` (required upgrade), `tls` (implicit), `none` (explicit opt-out: plain text).',
      default: 'starttls',
    },
    { name: 'from', required: true, description: 'Envelope and header sender address.' },
    {
      name: 'to',
      required: false,
      description: 'Recipient addresses when the action does not target an e-mail address.',
      default: [],
    },
    { name: 'helo_name', required: false, description: 'Name sent in EHLO.', default: 'triage-warden' },
    {
      name: 'message_id_domain',
      required: false,
      description: 'Domain of the Message-ID (default: the sender’s domain).',
    },
    {
      name: 'tls_ca',
      required: false,
      description: 'Extra trusted CA certificate (PEM) for a private relay; verification is never disabled.',
    },
    TIMEOUT_SETTING,
  ],
  secrets: [
    { name: 'username', required: false, description: 'SMTP AUTH user (PLAIN, else LOGIN).' },
    { name: 'password', required: false, description: 'SMTP AUTH password.' },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    if (typeof config.host !== 'string' || !HOST.test(config.host))
      problems.push({ field: 'host', message: 'is required: a host name or address' });
    const port = config.port;
    if (
      port !== undefined &&
      (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    )
      problems.push({ field: 'port', message: 'must be a port number' });
    if (config.security !== undefined && !['starttls', 'tls', 'none'].includes(String(config.security)))
      problems.push({ field: 'security', message: 'must be starttls, tls or none' });
    if (typeof config.from !== 'string' || !ADDRESS.test(config.from))
      problems.push({ field: 'from', message: 'is required: an e-mail address' });
    if (
      config.to !== undefined &&
      (!Array.isArray(config.to) || config.to.some((t) => typeof t !== 'string' || !ADDRESS.test(t)))
    )
      problems.push({ field: 'to', message: 'must be a list of e-mail addresses' });
    if (
      config.helo_name !== undefined &&
      (typeof config.helo_name !== 'string' || !HOST.test(config.helo_name))
    )
      problems.push({ field: 'helo_name', message: 'must be a host name' });
    if (
      config.message_id_domain !== undefined &&
      (typeof config.message_id_domain !== 'string' ||
        !/^[A-Za-z0-9.-]{1,253}$/.test(config.message_id_domain))
    )
      problems.push({ field: 'message_id_domain', message: 'must be a domain name' });
    if (
      config.tls_ca !== undefined &&
      (typeof config.tls_ca !== 'string' || !config.tls_ca.includes('BEGIN CERTIFICATE'))
    )
      problems.push({ field: 'tls_ca', message: 'must be a PEM certificate' });
    if (Boolean(secrets.username) !== Boolean(secrets.password))
      problems.push({ field: 'secrets.password', message: 'username and password go together' });
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new SmtpConnector(settings.name, settings.actionTypes, settings.config, settings.secrets, deps);
  },
};
