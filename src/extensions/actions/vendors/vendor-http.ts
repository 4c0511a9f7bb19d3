import type {
  ConnectorResult,
  OutboundHttp,
  OutboundRequest,
  OutboundResponse,
} from '../../../ports/action-connector.port.ts';

/** A failed ConnectorResult. */
export type Failure = Extract<ConnectorResult, { ok: false }>;

export function failure(
  code: string,
  message: string,
  notApplied: boolean,
  details: Record<string, unknown> = {},
): Failure {
  return { ok: false, code, message, not_applied: notApplied, details };
}

export function success(vendorRef: string | null, details: Record<string, unknown>): ConnectorResult {
  return { ok: true, vendor_ref: vendorRef, details };
}

/** Header names whose values never appear in a dry run or a result. */
const SECRET_HEADERS = /^(authorization|x-api-key|x-webhook-signature|cookie)$/i;

/** A request as a dry run shows it: method, URL, headers with credentials masked, body. */
export function shown(req: OutboundRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {}))
    headers[k] = SECRET_HEADERS.test(k) ? '[redacted]' : v;
  return { method: req.method, url: req.url, headers, ...(req.body !== undefined ? { body: req.body } : {}) };
}

/** Path of a URL without its query (error messages name where, never the query's values). */
const where = (req: OutboundRequest) => {
  try {
    return `${req.method} ${new URL(req.url).pathname}`;
  } catch {
    return req.method;
  }
};

/**
 * Sends one vendor request. `changes`: whether the call changes something at the vendor; a read that
 * times out did nothing, a write that timed out after connecting may have happened (OUTCOME_UNKNOWN).
 */
export async function send(
  http: OutboundHttp,
  req: OutboundRequest,
  changes: boolean,
  vendor: string,
): Promise<{ ok: true; res: OutboundResponse } | { ok: false; result: Failure }> {
  try {
    return { ok: true, res: await http.request(req) };
  } catch (err) {
    const e = err as { code?: string; notSent?: boolean; message?: string };
    const code = e.code ?? 'NETWORK';
    if (code === 'BLOCKED_URL')
      return { ok: false, result: failure('BLOCKED_URL', `${vendor}: ${e.message ?? 'URL refused'}`, true) };
    const notSent = e.notSent === true || !changes;
    if (notSent)
      return {
        ok: false,
        result: failure(
          code === 'TIMEOUT' || code === 'ABORTED' ? 'TIMEOUT' : 'NETWORK',
          `${vendor} did not answer ${where(req)} (${code.toLowerCase()})`,
          true,
        ),
      };
    return {
      ok: false,
      result: failure(
        'OUTCOME_UNKNOWN',
        `${vendor} did not answer ${where(req)} (${code.toLowerCase()}); the change may have been applied`,
        false,
        { cause: code },
      ),
    };
  }
}

/**
 * A vendor's non-2xx answer as a ConnectorResult, for every connector family (docs/CONNECTORS.md):
 * 401/403 AUTH_FAILED, 404 NOT_FOUND, 429 RATE_LIMITED (Retry-After kept: seconds as a number, an
 * HTTP date as text; Okta's X-Rate-Limit-Reset and CrowdStrike's X-RateLimit-RetryAfter as the epoch
 * second), other 4xx REJECTED, 5xx VENDOR_ERROR (the vendor may have acted: not_applied false). Only
 * the status and where go into the message: vendor text can echo attacker input.
 */
export function httpFailure(
  vendor: string,
  res: OutboundResponse,
  at: string | null,
  extra: Record<string, unknown> = {},
): Failure {
  const s = res.status;
  const details: Record<string, unknown> = { status: s, ...extra };
  const said = `${vendor} answered HTTP ${s}${at ? ` to ${at}` : ''}`;
  if (s === 401 || s === 403) return failure('AUTH_FAILED', `${said}: credentials refused`, true, details);
  if (s === 404) return failure('NOT_FOUND', `${said}: target not found`, true, details);
  if (s === 429) {
    const retry = res.headers['retry-after'];
    if (retry !== undefined && /^\d{1,10}$/.test(retry)) details.retry_after = Number(retry);
    else if (retry !== undefined && /^[\w :,-]{1,40}$/.test(retry)) details.retry_after = retry;
    const reset = res.headers['x-rate-limit-reset'] ?? res.headers['x-ratelimit-retryafter'];
    if (reset && /^\d{1,12}$/.test(reset)) details.rate_limit_reset = Number(reset);
    return failure('RATE_LIMITED', `${said}: rate limited`, true, details);
  }
  if (s >= 500) return failure('VENDOR_ERROR', `${said}: vendor error`, false, details);
  return failure('REJECTED', `${said}: request refused`, true, details);
}

/** httpFailure naming the request's method and path (EDR, identity and mail connectors). */
export const statusFailure = (res: OutboundResponse, req: OutboundRequest, vendor: string): Failure =>
  httpFailure(vendor, res, where(req));

/** True for a 2xx answer. */
export const ok2xx = (res: OutboundResponse) => res.status >= 200 && res.status < 300;

/** A string setting, or the fallback. */
export function str(config: Record<string, unknown>, key: string, fallback = ''): string {
  const v = config[key];
  return typeof v === 'string' ? v : fallback;
}

/** The base URL without trailing slashes. */
export const base = (url: string) => url.replace(/\/+$/, '');

/** Problems for required settings and secrets that are missing or not strings. */
export function requireFields(
  config: Record<string, unknown>,
  secrets: Record<string, string>,
  settings: readonly string[],
  secretNames: readonly string[],
): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const s of settings)
    if (typeof config[s] !== 'string' || (config[s] as string).trim() === '')
      out.push({ field: `config.${s}`, message: 'required' });
  for (const s of secretNames) if (!secrets[s]) out.push({ field: `secrets.${s}`, message: 'required' });
  return out;
}

/** Problems for URL settings that are not absolute https/http URLs. */
export function urlProblems(config: Record<string, unknown>, keys: readonly string[]) {
  const out: { field: string; message: string }[] = [];
  for (const k of keys) {
    const v = config[k];
    if (v === undefined) continue;
    try {
      const u = new URL(String(v));
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    } catch {
      out.push({ field: `config.${k}`, message: 'an absolute https URL' });
    }
  }
  return out;
}
