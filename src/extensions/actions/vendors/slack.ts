import type {
  ActionConnector,
  ConnectorConfigProblem,
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
  OutboundRequest,
} from '../../../ports/action-connector.port.ts';
import {
  checkTimeout,
  checkUrlSetting,
  DEFAULT_TIMEOUT_MS,
  failure,
  is2xx,
  type Failure,
  messageContent,
  num,
  requestView,
  send,
  slackEscape,
  statusFailure,
  str,
  TIMEOUT_SETTING,
  unsupported,
} from './notify-common.ts';

/**
 * Slack (docs/CONNECTORS-NOTIFY.md): `chat.postMessage` with a bot token, or an incoming webhook.
 * Slack has no idempotency key: the action id travels in the message metadata so a duplicate can be
 * recognised; the executor's at-most-once claim is what prevents a second post.
 */

const AUTH_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'no_permission',
  'ekm_access_denied',
  'invalid_token',
]);
const NOT_FOUND_ERRORS = new Set(['channel_not_found', 'channel_is_archived', 'is_archived', 'no_service']);

/** A Slack `{ok:false, error}` (or a webhook's plain-text error) as a ConnectorResult. */
export function slackError(error: string, status: number): Failure {
  const code = /^[a-z_]{1,60}$/.test(error) ? error : 'unknown_error';
  const details = { status, slack_error: code };
  if (AUTH_ERRORS.has(code))
    return failure('AUTH_FAILED', `Slack refused the token (${code})`, true, details);
  if (NOT_FOUND_ERRORS.has(code))
    return failure('NOT_FOUND', `Slack does not know the channel (${code})`, true, details);
  if (code === 'ratelimited' || code === 'rate_limited')
    return failure('RATE_LIMITED', 'Slack rate-limited the call', true, details);
  if (code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable')
    return failure('VENDOR_ERROR', `Slack failed (${code})`, false, details);
  return failure('REJECTED', `Slack rejected the message (${code})`, true, details);
}

/** The Block Kit message: every alert-derived string escaped for mrkdwn. */
export function slackMessage(request: ConnectorRequest): Record<string, unknown> {
  const c = messageContent(request);
  const fields = [
    { type: 'mrkdwn', text: `*Severity*\n${slackEscape(c.severity)}` },
    { type: 'mrkdwn', text: `*Incident*\n\`${slackEscape(c.incident_id)}\`` },
  ];
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(c.title)}*` } },
    { type: 'section', fields },
  ];
  if (c.message)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: slackEscape(c.message).slice(0, 2900) } });
  if (c.reason)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Reason: ${slackEscape(c.reason)}`.slice(0, 2000) }],
    });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Triage Warden action \`${slackEscape(c.action_id)}\`` }],
  });
  return {
    text: slackEscape(c.message ? `${c.title}: ${c.message}` : c.title).slice(0, 3000),
    blocks,
    // Literal text only: no @-name linking, no link previews.
    link_names: false,
    parse: 'none',
    unfurl_links: false,
    unfurl_media: false,
  };
}

class SlackConnector implements ActionConnector {
  readonly kind = 'slack';
  private readonly apiBase: string;
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    private readonly config: Record<string, unknown>,
    private readonly secrets: Record<string, string>,
    private readonly deps: Parameters<ConnectorKind['create']>[1],
  ) {
    this.apiBase = (str(config, 'api_base_url') ?? 'https://slack.com/api').replace(/\/+$/, '');
    this.timeoutMs = num(config, 'timeout_ms', DEFAULT_TIMEOUT_MS);
  }

  private build(request: ConnectorRequest): { req: OutboundRequest; viaWebhook: boolean } | Failure {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    const message = slackMessage(request);
    const webhook = this.secrets.webhook_url;
    if (webhook && !this.secrets.bot_token)
      return {
        req: { method: 'POST', url: webhook, body: message, timeoutMs: this.timeoutMs },
        viaWebhook: true,
      };
    const channel =
      request.target.type === 'channel' ? request.target.value : str(this.config, 'default_channel');
    if (!channel) return failure('REJECTED', 'no channel: target a channel or set default_channel', true);
    return {
      req: {
        method: 'POST',
        url: `${this.apiBase}/chat.postMessage`,
        headers: {
          authorization: `Bearer ${this.secrets.bot_token ?? ''}`,
          'content-type': 'application/json; charset=utf-8',
        },
        body: {
          channel,
          ...message,
          metadata: {
            event_type: 'triage_warden_action',
            event_payload: { action_id: request.action_id, incident_id: request.incident.id },
          },
        },
        timeoutMs: this.timeoutMs,
      },
      viaWebhook: false,
    };
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const built = this.build(request);
    if ('ok' in built) return built;
    return {
      ok: true,
      vendor_ref: null,
      details: { dry_run: true, request: requestView(built.req, { hidePath: built.viaWebhook }) },
    };
  }

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const built = this.build(request);
    if ('ok' in built) return built;
    const sent = await send(this.deps.http, 'Slack', { ...built.req, signal });
    if ('fail' in sent) return sent.fail;
    const { res } = sent;
    if (built.viaWebhook) {
      // Incoming webhooks answer 200 `ok`, or a 4xx with a plain-text error code.
      if (is2xx(res)) return { ok: true, vendor_ref: null, details: { status: res.status, via: 'webhook' } };
      if (res.status === 429 || res.status >= 500) return statusFailure('Slack', res);
      return slackError(res.text.trim(), res.status);
    }
    if (!is2xx(res)) return statusFailure('Slack', res);
    const body = (res.json ?? {}) as { ok?: boolean; error?: string; channel?: string; ts?: string };
    if (body.ok !== true) return slackError(String(body.error ?? 'unknown_error'), res.status);
    return {
      ok: true,
      vendor_ref: body.channel && body.ts ? `${body.channel}:${body.ts}` : null,
      details: { status: res.status, channel: body.channel ?? null, ts: body.ts ?? null },
    };
  }

  async test(
    signal: AbortSignal,
  ): Promise<{ ok: boolean; message: string; details?: Record<string, unknown> }> {
    if (!this.secrets.bot_token) {
      try {
        await this.deps.http.checkUrl(this.secrets.webhook_url ?? '');
      } catch (err) {
        return { ok: false, message: err instanceof Error ? err.message : 'the webhook URL is refused' };
      }
      return { ok: true, message: 'webhook URL accepted (not called: Slack webhooks have no harmless call)' };
    }
    const sent = await send(this.deps.http, 'Slack', {
      method: 'POST',
      url: `${this.apiBase}/auth.test`,
      headers: { authorization: `Bearer ${this.secrets.bot_token}` },
      timeoutMs: this.timeoutMs,
      signal,
    });
    if ('fail' in sent) return { ok: false, message: sent.fail.message };
    if (!is2xx(sent.res)) return { ok: false, message: statusFailure('Slack', sent.res).message };
    const body = (sent.res.json ?? {}) as { ok?: boolean; error?: string; team?: string; user?: string };
    if (body.ok !== true)
      return { ok: false, message: slackError(String(body.error), sent.res.status).message };
    return {
      ok: true,
      message: 'Slack accepted the token (auth.test)',
      details: { team: body.team ?? null },
    };
  }
}

export const slackKind: ConnectorKind = {
  kind: 'slack',
  title: 'Slack',
  actionTypes: ['notify'],
  settings: [
    {
      name: 'default_channel',
      required: false,
      description: 'Channel id or name when the action targets none (bot token only).',
    },
    {
      name: 'api_base_url',
      required: false,
      description: 'Slack Web API base URL.',
      default: 'https://slack.com/api',
    },
    TIMEOUT_SETTING,
  ],
  secrets: [
    {
      name: 'bot_token',
      required: false,
      description: 'Bot token (xoxb-…) with chat:write; used with chat.postMessage.',
    },
    {
      name: 'webhook_url',
      required: false,
      description: 'Incoming webhook URL (the URL is the credential), when no bot token.',
    },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    if (!secrets.bot_token && !secrets.webhook_url)
      problems.push({ field: 'secrets.bot_token', message: 'set bot_token or webhook_url' });
    if (secrets.bot_token && !/^xox[a-z]-[\w-]+$/i.test(secrets.bot_token))
      problems.push({ field: 'secrets.bot_token', message: 'must be a Slack token (xoxb-…)' });
    if (secrets.webhook_url) checkUrlSetting(problems, 'secrets.webhook_url', secrets.webhook_url, true);
    checkUrlSetting(problems, 'api_base_url', config.api_base_url, false);
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new SlackConnector(settings.name, settings.actionTypes, settings.config, settings.secrets, deps);
  },
};
