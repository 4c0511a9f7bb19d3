import { hmacHex } from '../../../core/webhooks/signature.ts';
import type {
  ActionConnector,
  ConnectorConfigProblem,
  ConnectorDeps,
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
  OutboundRequest,
} from '../../../ports/action-connector.port.ts';
import {
  checkTimeout,
  checkUrlSetting,
  DEFAULT_TIMEOUT_MS,
  is2xx,
  num,
  requestView,
  send,
  statusFailure,
  str,
  TIMEOUT_SETTING,
  unsupported,
} from './notify-common.ts';

/**
 * Signed generic webhook (docs/CONNECTORS-NOTIFY.md): POSTs the action as JSON, signed the way our
 * own inbound webhooks verify (src/core/webhooks/signature.ts): `X-Webhook-Signature: sha256=<hex>`,
 * HMAC-SHA256 over `<timestamp>.<raw body>` (default, binds the timestamp) or over the raw body,
 * with `X-Webhook-Timestamp` (unix seconds) and `Idempotency-Key: <action id>`.
 */

export type SignatureMode = 'timestamped' | 'body';

/** The three headers a receiver checks. */
export function signHeaders(
  secret: string,
  body: string,
  now: Date,
  mode: SignatureMode,
): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = mode === 'body' ? hmacHex(secret, body) : hmacHex(secret, `${timestamp}.`, body);
  return { 'x-webhook-timestamp': timestamp, 'x-webhook-signature': `sha256=${signature}` };
}

class SignedWebhookConnector implements ActionConnector {
  readonly kind = 'webhook';
  private readonly url: string;
  private readonly mode: SignatureMode;
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    config: Record<string, unknown>,
    private readonly secret: string,
    private readonly deps: ConnectorDeps,
  ) {
    this.url = str(config, 'url') ?? '';
    this.mode = config.signature === 'body' ? 'body' : 'timestamped';
    this.timeoutMs = num(config, 'timeout_ms', DEFAULT_TIMEOUT_MS);
  }

  private build(payload: Record<string, unknown>, idempotencyKey: string): OutboundRequest {
    const body = JSON.stringify(payload);
    return {
      method: 'POST',
      url: this.url,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        ...signHeaders(this.secret, body, this.deps.now(), this.mode),
      },
      body,
      timeoutMs: this.timeoutMs,
    };
  }

  private payload(request: ConnectorRequest): Record<string, unknown> {
    return {
      event: 'triage_warden.action',
      action_id: request.action_id,
      action_type: request.action_type,
      target: request.target,
      parameters: request.parameters,
      incident: request.incident,
      reason: request.reason,
      sent_at: this.deps.now().toISOString(),
    };
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    const req = this.build(this.payload(request), request.action_id);
    return {
      ok: true,
      vendor_ref: null,
      details: {
        dry_run: true,
        request: requestView({ ...req, body: JSON.parse(req.body as string) as unknown[] }),
      },
    };
  }

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    const sent = await send(this.deps.http, 'Webhook', {
      ...this.build(this.payload(request), request.action_id),
      signal,
    });
    if ('fail' in sent) return sent.fail;
    const { res } = sent;
    if (!is2xx(res)) return statusFailure('Webhook', res);
    const body = (res.json ?? {}) as Record<string, unknown>;
    const ref = ['id', 'key', 'ticket', 'reference']
      .map((k) => body[k])
      .find((v) => typeof v === 'string' || typeof v === 'number');
    return {
      ok: true,
      vendor_ref: ref === undefined ? null : String(ref).slice(0, 200),
      details: { status: res.status },
    };
  }

  /** A signed `ping` event (GitHub's convention): receivers acknowledge it and act on nothing. */
  async test(signal: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const sent = await send(this.deps.http, 'Webhook', {
      ...this.build(
        { event: 'ping', sent_at: this.deps.now().toISOString() },
        `ping-${this.deps.now().getTime()}`,
      ),
      signal,
    });
    if ('fail' in sent) return { ok: false, message: sent.fail.message };
    if (!is2xx(sent.res)) return { ok: false, message: statusFailure('Webhook', sent.res).message };
    return { ok: true, message: `the receiver accepted a signed ping (HTTP ${sent.res.status})` };
  }
}

export const signedWebhookKind: ConnectorKind = {
  kind: 'webhook',
  title: 'Signed webhook',
  actionTypes: ['notify', 'create_ticket'],
  settings: [
    { name: 'url', required: true, description: 'Receiver URL (https unless response.outbound.allow_http).' },
    {
      name: 'signature',
      required: false,
      description: '`timestamped`: HMAC over `<timestamp>.<body>`; `body`: HMAC over the raw body.',
      default: 'timestamped',
    },
    TIMEOUT_SETTING,
  ],
  secrets: [
    {
      name: 'signing_secret',
      required: true,
      description: 'HMAC-SHA256 key shared with the receiver (16+ characters).',
    },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    checkUrlSetting(problems, 'url', config.url, true);
    if (config.signature !== undefined && config.signature !== 'timestamped' && config.signature !== 'body')
      problems.push({ field: 'signature', message: 'must be timestamped or body' });
    if (!secrets.signing_secret || secrets.signing_secret.length < 16)
      problems.push({ field: 'secrets.signing_secret', message: 'is required, at least 16 characters' });
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new SignedWebhookConnector(
      settings.name,
      settings.actionTypes,
      settings.config,
      settings.secrets.signing_secret ?? '',
      deps,
    );
  },
};
