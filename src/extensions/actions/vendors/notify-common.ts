import type {
  ConnectorConfigProblem,
  ConnectorRequest,
  OutboundHttp,
  OutboundRequest,
  OutboundResponse,
} from '../../../ports/action-connector.port.ts';
import { OutboundError } from '../../../ports/action-connector.port.ts';
import { failure, httpFailure, type Failure } from './vendor-http.ts';

/**
 * Shared pieces of the ticketing and notification connectors (docs/CONNECTORS-NOTIFY.md): calling
 * out with error mapping, dry-run request views without secrets, and the escaping every vendor
 * format needs so alert-derived text cannot inject markup, mentions or links.
 */

export { failure, type Failure } from './vendor-http.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** A vendor's non-2xx answer as a ConnectorResult (the mapping every connector shares: httpFailure). */
export const statusFailure = (
  vendor: string,
  res: OutboundResponse,
  extra: Record<string, unknown> = {},
): Failure => httpFailure(vendor, res, null, extra);

/**
 * An OutboundError as a ConnectorResult. A timeout or broken connection after the request may have
 * reached the vendor is OUTCOME_UNKNOWN; one that surely never left keeps its own code.
 */
export function outboundFailure(vendor: string, err: unknown): Failure {
  if (err instanceof OutboundError) {
    if (err.code === 'BLOCKED_URL') return failure('BLOCKED_URL', err.message, true);
    if (err.notSent)
      return failure(err.code === 'ABORTED' ? 'NETWORK' : err.code, `${vendor}: ${err.message}`, true);
    if (err.code === 'TOO_LARGE') return failure('VENDOR_ERROR', `${vendor}: ${err.message}`, false);
    return failure(
      'OUTCOME_UNKNOWN',
      `${vendor}: ${err.message}; the call may have been carried out`,
      false,
      {
        cause: err.code,
      },
    );
  }
  return failure(
    'OUTCOME_UNKNOWN',
    `${vendor}: the call failed unexpectedly; it may have been carried out`,
    false,
  );
}

/** UNSUPPORTED when the request's action type is not one this connector runs. */
export function unsupported(actionTypes: readonly string[], request: ConnectorRequest): Failure | null {
  return actionTypes.includes(request.action_type)
    ? null
    : failure('UNSUPPORTED', 'this connector is not configured for the action type', true);
}

/** One HTTP call: the answer, or the failure it maps to (a thrown OutboundError never escapes). */
export async function send(
  http: OutboundHttp,
  vendor: string,
  req: OutboundRequest,
): Promise<{ res: OutboundResponse } | { fail: Failure }> {
  try {
    return { res: await http.request(req) };
  } catch (err) {
    return { fail: outboundFailure(vendor, err) };
  }
}

export function is2xx(res: OutboundResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/** A request as dry-run and results show it: credential headers dropped, secret URL paths hidden. */
export function requestView(
  req: Pick<OutboundRequest, 'method' | 'url' | 'headers' | 'body'>,
  options: { hidePath?: boolean } = {},
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {}))
    headers[k] = /^(authorization|x-webhook-signature|cookie)$/i.test(k) ? '[redacted]' : v;
  let url = req.url;
  if (options.hidePath) {
    try {
      url = `${new URL(req.url).origin}/[redacted]`;
    } catch {
      url = '[redacted]';
    }
  }
  return { method: req.method, url, headers, ...(req.body !== undefined ? { body: req.body } : {}) };
}

// ---- settings ------------------------------------------------------------------------------------

export function str(config: Record<string, unknown>, key: string): string | undefined {
  const v = config[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function num(config: Record<string, unknown>, key: string, fallback: number): number {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function checkUrlSetting(
  problems: ConnectorConfigProblem[],
  field: string,
  value: unknown,
  required: boolean,
): void {
  if (value === undefined || value === null || value === '') {
    if (required) problems.push({ field, message: 'is required' });
    return;
  }
  if (typeof value !== 'string') return void problems.push({ field, message: 'must be a URL string' });
  try {
    const u = new URL(value);
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      problems.push({ field, message: 'must be an http(s) URL' });
    else if (u.username || u.password) problems.push({ field, message: 'must not carry credentials' });
  } catch {
    problems.push({ field, message: 'must be a valid URL' });
  }
}

export function checkTimeout(problems: ConnectorConfigProblem[], config: Record<string, unknown>): void {
  const v = config.timeout_ms;
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 120_000))
    problems.push({ field: 'timeout_ms', message: 'must be an integer between 100 and 120000' });
}

export const TIMEOUT_SETTING = {
  name: 'timeout_ms',
  required: false,
  description: 'Per-call timeout in milliseconds.',
  default: DEFAULT_TIMEOUT_MS,
} as const;

// ---- message content -----------------------------------------------------------------------------

/** Control characters (but tab/newline) removed, length capped. */
export function clean(text: string, max: number): string {
  const t = text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** One line: newlines folded to spaces (subjects, summaries, headers). */
export function oneLine(text: string, max: number): string {
  return clean(text.replace(/[\r\n\t]+/g, ' '), max).trim();
}

/**
 * Defangs URLs (`https://evil.example` → `hxxps[://]evil.example`) so chat clients and mail readers
 * do not turn alert text into clickable links.
 */
export function defang(text: string): string {
  return text
    .replace(/\b(h)(tt)(ps?):\/\//gi, 'hxx$3[://]')
    .replace(/\b(ftp|file|mailto|javascript|data):/gi, '$1[:]');
}

/** The text a notification or ticket carries, built only from the request (never a secret). */
export interface MessageContent {
  /** `[high] Phishing from … (incident 7f…)`: one line. */
  title: string;
  /** The notify message (parameters.message) or ticket summary, when given. */
  message: string | null;
  reason: string | null;
  severity: string;
  incident_id: string;
  incident_title: string;
  action_id: string;
}

export function messageContent(request: ConnectorRequest): MessageContent {
  const p = request.parameters;
  const given = typeof p.message === 'string' ? p.message : typeof p.summary === 'string' ? p.summary : null;
  const incidentTitle = oneLine(request.incident.title, 200);
  const severity = oneLine(request.incident.severity, 20);
  return {
    title: oneLine(`[${severity}] ${incidentTitle}`, 240),
    message: given === null ? null : clean(given, 4000),
    reason: request.reason === null ? null : clean(request.reason, 2000),
    severity,
    incident_id: oneLine(request.incident.id, 100),
    incident_title: incidentTitle,
    action_id: request.action_id,
  };
}

/** Plain text body (email text part, ServiceNow, Jira v2 fallback). */
export function plainBody(c: MessageContent): string {
  const lines = [`Incident: ${c.incident_title}`, `Severity: ${c.severity}`, `Incident id: ${c.incident_id}`];
  if (c.message) lines.push('', c.message);
  if (c.reason) lines.push('', `Reason: ${c.reason}`);
  lines.push('', `Triage Warden action ${c.action_id}`);
  return lines.join('\n');
}

/** Slack mrkdwn: `& < >` escaped (no `<!here>`, `<@U…>`, `<url|text>`), `@` mentions broken, URLs defanged. */
export function slackEscape(text: string): string {
  return defang(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u200b');
}

/**
 * Text for an Adaptive Card TextRun (which renders no markdown, so no `[text](url)` or emphasis):
 * URLs defanged (no auto-links) and `@` broken so `@channel`-style text cannot look like a mention.
 */
export function teamsText(text: string): string {
  return defang(text).replace(/@/g, '@\u200b');
}

export function htmlEscape(text: string): string {
  return defang(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
