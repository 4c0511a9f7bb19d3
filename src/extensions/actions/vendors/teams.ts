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
  messageContent,
  num,
  requestView,
  send,
  statusFailure,
  teamsText,
  TIMEOUT_SETTING,
  unsupported,
} from './notify-common.ts';

/**
 * Microsoft Teams (docs/CONNECTORS-NOTIFY.md): an Adaptive Card posted to an incoming webhook or a
 * Workflows (Power Automate) webhook. Neither takes an idempotency key: the action id is shown on
 * the card, and the executor's at-most-once claim is what prevents a second post.
 */

/** A TextRun renders no markdown, so alert text stays literal (no links, emphasis or mentions). */
function run(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'TextRun', text: teamsText(text), ...extra };
}

/** The message: `{type:'message', attachments:[adaptive card]}`, the shape both webhook kinds take. */
export function teamsCard(request: ConnectorRequest): Record<string, unknown> {
  const c = messageContent(request);
  const body: Record<string, unknown>[] = [
    { type: 'RichTextBlock', inlines: [run(c.title, { weight: 'Bolder', size: 'Medium' })] },
    {
      type: 'FactSet',
      facts: [
        // FactSet values render markdown, so only fixed-alphabet values go here.
        { title: 'Severity', value: /^[a-z]{1,20}$/i.test(c.severity) ? c.severity : 'see title' },
        { title: 'Action', value: /^[\w-]{1,80}$/.test(c.action_id) ? c.action_id : 'see below' },
      ],
    },
    { type: 'RichTextBlock', inlines: [run(`Incident ${c.incident_id}`, { isSubtle: true })] },
  ];
  if (c.message) body.push({ type: 'RichTextBlock', inlines: [run(c.message)] });
  if (c.reason)
    body.push({ type: 'RichTextBlock', inlines: [run(`Reason: ${c.reason}`, { isSubtle: true })] });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}

class TeamsConnector implements ActionConnector {
  readonly kind = 'teams';
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    config: Record<string, unknown>,
    private readonly webhookUrl: string,
    private readonly deps: ConnectorDeps,
  ) {
    this.timeoutMs = num(config, 'timeout_ms', DEFAULT_TIMEOUT_MS);
  }

  private build(request: ConnectorRequest): OutboundRequest {
    return { method: 'POST', url: this.webhookUrl, body: teamsCard(request), timeoutMs: this.timeoutMs };
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    return {
      ok: true,
      vendor_ref: null,
      details: { dry_run: true, request: requestView(this.build(request), { hidePath: true }) },
    };
  }

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    const sent = await send(this.deps.http, 'Teams', { ...this.build(request), signal });
    if ('fail' in sent) return sent.fail;
    const { res } = sent;
    if (!is2xx(res)) return statusFailure('Teams', res);
    // Legacy connectors answer 200 `1`; a 200 with other text is an error they report in-band.
    if (res.status === 200 && res.text.trim() !== '' && res.text.trim() !== '1' && res.json === undefined)
      return statusFailure('Teams', { ...res, status: /429|too many/i.test(res.text) ? 429 : 400 });
    return { ok: true, vendor_ref: null, details: { status: res.status } };
  }

  async test(): Promise<{ ok: boolean; message: string }> {
    try {
      await this.deps.http.checkUrl(this.webhookUrl);
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : 'the webhook URL is refused' };
    }
    return {
      ok: true,
      message: 'webhook URL accepted (not called: a Teams webhook has no harmless call, nothing was posted)',
    };
  }
}

export const teamsKind: ConnectorKind = {
  kind: 'teams',
  title: 'Microsoft Teams',
  actionTypes: ['notify'],
  settings: [TIMEOUT_SETTING],
  secrets: [
    {
      name: 'webhook_url',
      required: true,
      description: 'Incoming webhook or Workflows (Power Automate) webhook URL; the URL is the credential.',
    },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    checkUrlSetting(problems, 'secrets.webhook_url', secrets.webhook_url, true);
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new TeamsConnector(
      settings.name,
      settings.actionTypes,
      settings.config,
      settings.secrets.webhook_url ?? '',
      deps,
    );
  },
};
