import type { OutboundHttp } from '../../../ports/action-connector.port.ts';
import { failure, send, statusFailure, type Failure } from './vendor-http.ts';

/** Refresh this long before the vendor's expiry, so a token never expires mid-call. */
const EARLY_MS = 60_000;

/**
 * OAuth 2.0 client-credentials tokens (RFC 6749 §4.4) for CrowdStrike and Microsoft Entra: fetched on
 * first use, reused until shortly before `expires_in`, dropped when the vendor answers 401 (the caller
 * then asks once more). The token is held in memory only and never appears in a result.
 */
export class ClientCredentialsToken {
  private token?: { value: string; until: number };

  constructor(
    private readonly http: OutboundHttp,
    private readonly opts: {
      vendor: string;
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      /** Microsoft: `https://graph.microsoft.com/.default`; CrowdStrike takes none. */
      scope?: string;
      now: () => Date;
      timeoutMs?: number;
    },
  ) {}

  private pending?: Promise<{ ok: true; token: string } | { ok: false; result: Failure }>;

  /**
   * A live token; concurrent callers share one token request, which is bounded by its own timeout
   * (10 s) rather than by one caller's signal, so one cancelled action does not fail the others.
   */
  async get(signal: AbortSignal): Promise<{ ok: true; token: string } | { ok: false; result: Failure }> {
    const now = this.opts.now().getTime();
    if (this.token && this.token.until > now) return { ok: true, token: this.token.value };
    if (signal.aborted)
      return {
        ok: false,
        result: failure('TIMEOUT', `${this.opts.vendor}: cancelled before the token request`, true),
      };
    this.pending ??= this.fetch(now).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(now: number): Promise<{ ok: true; token: string } | { ok: false; result: Failure }> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
      ...(this.opts.scope ? { scope: this.opts.scope } : {}),
    });
    const req = {
      method: 'POST' as const,
      url: this.opts.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
    };
    const sent = await send(this.http, req, false, this.opts.vendor);
    if (!sent.ok) return sent;
    const res = sent.res;
    if (res.status === 400 || res.status === 401 || res.status === 403)
      return {
        ok: false,
        result: failure('AUTH_FAILED', `${this.opts.vendor} refused the client credentials`, true, {
          status: res.status,
        }),
      };
    if (res.status < 200 || res.status >= 300)
      return { ok: false, result: statusFailure(res, req, this.opts.vendor) };
    const body = res.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string')
      return {
        ok: false,
        result: failure('VENDOR_ERROR', `${this.opts.vendor} token answer has no access_token`, true),
      };
    const ttl = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 300_000;
    this.token = { value: body.access_token, until: now + Math.max(0, ttl - EARLY_MS) };
    return { ok: true, token: body.access_token };
  }

  invalidate(): void {
    this.token = undefined;
  }
}
