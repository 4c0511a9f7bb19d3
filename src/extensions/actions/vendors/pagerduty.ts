import { randomUUID } from 'node:crypto';
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
  failure,
  is2xx,
  messageContent,
  num,
  oneLine,
  requestView,
  send,
  statusFailure,
  str,
  TIMEOUT_SETTING,
  unsupported,
} from './notify-common.ts';

/**
 * PagerDuty Events API v2 (docs/CONNECTORS-NOTIFY.md): `POST /v2/enqueue` with the integration's
 * routing key. The dedup_key is the idempotency key: PagerDuty folds a second trigger with the same
 * key into the open alert. Rollback sends `resolve` for the same key.
 */

const SEVERITY: Record<string, string> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
  informational: 'info',
};

class PagerDutyConnector implements ActionConnector {
  readonly kind = 'pagerduty';
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly dedupBy: 'incident' | 'action';

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    private readonly config: Record<string, unknown>,
    private readonly routingKey: string,
    private readonly deps: ConnectorDeps,
  ) {
    this.url = `${(str(config, 'base_url') ?? 'https://events.pagerduty.com').replace(/\/+$/, '')}/v2/enqueue`;
    this.timeoutMs = num(config, 'timeout_ms', DEFAULT_TIMEOUT_MS);
    this.dedupBy = config.dedup_by === 'action' ? 'action' : 'incident';
  }

  /** `tw-<incident id>` (one PagerDuty alert per incident) or `tw-<action id>`. */
  dedupKey(request: ConnectorRequest): string {
    return `tw-${this.dedupBy === 'action' ? request.action_id : request.incident.id}`.slice(0, 255);
  }

  private build(request: ConnectorRequest, action: 'trigger' | 'resolve' | 'acknowledge'): OutboundRequest {
    const c = messageContent(request);
    const body: Record<string, unknown> = {
      routing_key: this.routingKey,
      event_action: action,
      dedup_key: this.dedupKey(request),
    };
    if (action === 'trigger') {
      body.client = 'Triage Warden';
      body.payload = {
        summary: oneLine(c.message ? `${c.title}: ${c.message}` : c.title, 1024),
        source: str(this.config, 'source') ?? 'triage-warden',
        severity: SEVERITY[c.severity.toLowerCase()] ?? 'warning',
        component: oneLine(request.incident.incident_type, 100),
        custom_details: {
          incident_id: c.incident_id,
          incident_title: c.incident_title,
          action_id: c.action_id,
          ...(c.message ? { message: c.message } : {}),
          ...(c.reason ? { reason: c.reason } : {}),
        },
      };
    }
    return { method: 'POST', url: this.url, body, timeoutMs: this.timeoutMs };
  }

  private view(req: OutboundRequest): Record<string, unknown> {
    return requestView({
      ...req,
      body: { ...(req.body as Record<string, unknown>), routing_key: '[redacted]' },
    });
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    return {
      ok: true,
      vendor_ref: null,
      details: { dry_run: true, request: this.view(this.build(request, 'trigger')) },
    };
  }

  private async enqueue(
    request: ConnectorRequest,
    action: 'trigger' | 'resolve',
    signal: AbortSignal,
  ): Promise<ConnectorResult> {
    const sent = await send(this.deps.http, 'PagerDuty', { ...this.build(request, action), signal });
    if ('fail' in sent) return sent.fail;
    const { res } = sent;
    // An invalid routing key is answered 400 `invalid event` by some accounts and 404 by others.
    if (!is2xx(res)) return statusFailure('PagerDuty', res);
    const body = (res.json ?? {}) as { status?: string; dedup_key?: string };
    if (body.status !== undefined && body.status !== 'success')
      return failure('REJECTED', 'PagerDuty did not accept the event', true, { status: res.status });
    return {
      ok: true,
      vendor_ref: body.dedup_key ?? this.dedupKey(request),
      details: {
        status: res.status,
        event_action: action,
        dedup_key: body.dedup_key ?? this.dedupKey(request),
      },
    };
  }

  execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return Promise.resolve(refused);
    return this.enqueue(request, 'trigger', signal);
  }

  /** Resolves the alert the trigger opened (same dedup_key). */
  rollback(
    request: ConnectorRequest,
    _previous: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ConnectorResult> {
    return this.enqueue(request, 'resolve', signal);
  }

  /**
   * An `acknowledge` for a dedup key no alert has: PagerDuty accepts and ignores it, so the call
   * proves the routing key and reachability without paging anyone.
   */
  async test(signal: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const sent = await send(this.deps.http, 'PagerDuty', {
      method: 'POST',
      url: this.url,
      body: {
        routing_key: this.routingKey,
        event_action: 'acknowledge',
        dedup_key: `tw-connector-test-${randomUUID()}`,
      },
      timeoutMs: this.timeoutMs,
      signal,
    });
    if ('fail' in sent) return { ok: false, message: sent.fail.message };
    if (!is2xx(sent.res)) return { ok: false, message: statusFailure('PagerDuty', sent.res).message };
    return { ok: true, message: 'PagerDuty accepted a no-op acknowledge event (nobody was paged)' };
  }
}

export const pagerdutyKind: ConnectorKind = {
  kind: 'pagerduty',
  title: 'PagerDuty Events API v2',
  actionTypes: ['notify'],
  settings: [
    {
      name: 'base_url',
      required: false,
      description: 'Events API origin.',
      default: 'https://events.pagerduty.com',
    },
    {
      name: 'dedup_by',
      required: false,
      description:
        '`incident`: one alert per incident (later notifies fold into it); `action`: one per action.',
      default: 'incident',
    },
    { name: 'source', required: false, description: 'payload.source.', default: 'triage-warden' },
    TIMEOUT_SETTING,
  ],
  secrets: [
    {
      name: 'routing_key',
      required: true,
      description: 'Events API v2 integration (routing) key, 32 characters.',
    },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    if (!secrets.routing_key) problems.push({ field: 'secrets.routing_key', message: 'is required' });
    else if (!/^[A-Za-z0-9+]{32}$/.test(secrets.routing_key))
      problems.push({ field: 'secrets.routing_key', message: 'must be a 32-character integration key' });
    if (config.dedup_by !== undefined && config.dedup_by !== 'incident' && config.dedup_by !== 'action')
      problems.push({ field: 'dedup_by', message: 'must be incident or action' });
    checkUrlSetting(problems, 'base_url', config.base_url, false);
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new PagerDutyConnector(
      settings.name,
      settings.actionTypes,
      settings.config,
      settings.secrets.routing_key ?? '',
      deps,
    );
  },
};
