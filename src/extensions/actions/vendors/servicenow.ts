import type {
  ActionConnector,
  ConnectorConfigProblem,
  ConnectorDeps,
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
  OutboundRequest,
  OutboundResponse,
} from '../../../ports/action-connector.port.ts';
import {
  checkTimeout,
  checkUrlSetting,
  DEFAULT_TIMEOUT_MS,
  failure,
  type Failure,
  is2xx,
  messageContent,
  num,
  oneLine,
  plainBody,
  requestView,
  send,
  statusFailure,
  str,
  TIMEOUT_SETTING,
  unsupported,
} from './notify-common.ts';

/**
 * ServiceNow Table API (docs/CONNECTORS-NOTIFY.md): incidents created with `correlation_id` = action
 * id, looked up by it before creating (the Table API takes no idempotency key); updates add a work
 * note (not deduplicated: journal entries cannot be looked up without sys_journal_field access; the
 * note names the action id). Basic auth, or OAuth (`/oauth_token.do`, password or client_credentials).
 */

const SYS_ID = /^[0-9a-f]{32}$/;
const NUMBER = /^[A-Z]{2,8}\d{4,12}$/;
/** severity → [urgency, impact] (ServiceNow derives priority from both). */
const URGENCY_IMPACT: Record<string, [string, string]> = {
  critical: ['1', '1'],
  high: ['1', '2'],
  medium: ['2', '2'],
  low: ['3', '3'],
  info: ['3', '3'],
};

/** Journal fields render HTML between [code] tags: alert text must not open one. */
export function snText(text: string): string {
  return text.replace(/\[\s*\/?\s*code\s*\]/gi, '[ code ]');
}

class ServiceNowConnector implements ActionConnector {
  readonly kind = 'servicenow';
  private readonly base: string;
  private readonly table: string;
  private readonly timeoutMs: number;
  private token: { value: string; expires: number } | null = null;

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    private readonly config: Record<string, unknown>,
    private readonly secrets: Record<string, string>,
    private readonly deps: ConnectorDeps,
  ) {
    this.base = (str(config, 'instance_url') ?? '').replace(/\/+$/, '');
    this.table = `${this.base}/api/now/table/incident`;
    this.timeoutMs = num(config, 'timeout_ms', DEFAULT_TIMEOUT_MS);
  }

  private get oauth(): boolean {
    return Boolean(this.secrets.client_id);
  }

  private async authHeader(signal: AbortSignal, fresh = false): Promise<string | Failure> {
    if (!this.oauth)
      return `Basic ${Buffer.from(`${this.secrets.username ?? ''}:${this.secrets.password ?? ''}`).toString('base64')}`;
    const now = this.deps.now().getTime();
    if (!fresh && this.token && this.token.expires > now) return `Bearer ${this.token.value}`;
    const form = new URLSearchParams({
      grant_type: this.secrets.username ? 'password' : 'client_credentials',
      client_id: this.secrets.client_id ?? '',
      client_secret: this.secrets.client_secret ?? '',
      ...(this.secrets.username
        ? { username: this.secrets.username, password: this.secrets.password ?? '' }
        : {}),
    });
    const sent = await send(this.deps.http, 'ServiceNow', {
      method: 'POST',
      url: `${this.base}/oauth_token.do`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    if ('fail' in sent) return { ...sent.fail, not_applied: true };
    const body = (sent.res.json ?? {}) as { access_token?: string; expires_in?: number };
    if (!is2xx(sent.res) || !body.access_token)
      return failure('AUTH_FAILED', `ServiceNow refused the OAuth client (HTTP ${sent.res.status})`, true);
    this.token = {
      value: body.access_token,
      expires: now + Math.max(60, (body.expires_in ?? 1800) - 60) * 1000,
    };
    return `Bearer ${body.access_token}`;
  }

  private req(
    method: OutboundRequest['method'],
    url: string,
    body?: Record<string, unknown>,
  ): OutboundRequest {
    return {
      method,
      url,
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
      timeoutMs: this.timeoutMs,
    };
  }

  /** Sends with auth; with OAuth, one retry on 401 with a fresh token (a 401 changed nothing). */
  private async call(
    req: OutboundRequest,
    signal: AbortSignal,
  ): Promise<{ res: OutboundResponse } | { fail: Failure }> {
    for (let attempt = 0; ; attempt++) {
      const auth = await this.authHeader(signal, attempt > 0);
      if (typeof auth !== 'string') return { fail: auth };
      const sent = await send(this.deps.http, 'ServiceNow', {
        ...req,
        headers: { ...req.headers, authorization: auth },
        signal,
      });
      if ('res' in sent && sent.res.status === 401 && this.oauth && attempt === 0) continue;
      return sent;
    }
  }

  private lookupReq(query: string): OutboundRequest {
    const q = new URLSearchParams({
      sysparm_query: query,
      sysparm_fields: 'sys_id,number',
      sysparm_limit: '1',
    });
    return this.req('GET', `${this.table}?${q.toString()}`);
  }

  private correlation(request: ConnectorRequest): string {
    return request.action_id.replace(/[^\w-]/g, '').slice(0, 100);
  }

  private createReq(request: ConnectorRequest): OutboundRequest {
    const c = messageContent(request);
    const [urgency, impact] = URGENCY_IMPACT[c.severity.toLowerCase()] ?? ['2', '2'];
    const summary = typeof request.parameters.summary === 'string' ? request.parameters.summary : c.title;
    const fields: Record<string, unknown> = {
      short_description: snText(oneLine(summary, 160)),
      description: snText(plainBody(c)),
      correlation_id: this.correlation(request),
      correlation_display: 'Triage Warden',
      urgency,
      impact,
    };
    for (const k of ['assignment_group', 'caller_id', 'category', 'contact_type'] as const) {
      const v = str(this.config, k);
      if (v) fields[k] = v;
    }
    return this.req('POST', `${this.table}?sysparm_fields=sys_id,number`, fields);
  }

  private updateReq(sysId: string, request: ConnectorRequest): OutboundRequest {
    const state = request.parameters.state;
    return this.req('PATCH', `${this.table}/${sysId}?sysparm_fields=sys_id,number`, {
      work_notes: snText(plainBody(messageContent(request))),
      ...(typeof state === 'string' || typeof state === 'number' ? { state: String(state) } : {}),
    });
  }

  private check(request: ConnectorRequest): Failure | null {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    if (request.action_type === 'create_ticket') return null;
    if (request.action_type !== 'update_ticket')
      return failure('UNSUPPORTED', 'ServiceNow runs create_ticket and update_ticket', true);
    const v = request.target.value.trim();
    if (request.target.type !== 'ticket' || !(SYS_ID.test(v) || NUMBER.test(v)))
      return failure(
        'REJECTED',
        'update_ticket needs a ticket target: an incident sys_id or number (INC0010001)',
        true,
      );
    const s = request.parameters.state;
    if (s !== undefined && !/^\d{1,2}$/.test(String(s)))
      return failure('REJECTED', 'state must be a numeric incident state', true);
    return null;
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const bad = this.check(request);
    if (bad) return bad;
    const v = request.target.value.trim();
    const steps =
      request.action_type === 'create_ticket'
        ? [this.lookupReq(`correlation_id=${this.correlation(request)}`), this.createReq(request)]
        : [
            ...(SYS_ID.test(v) ? [] : [this.lookupReq(`number=${v}`)]),
            this.updateReq(SYS_ID.test(v) ? v : '{sys_id}', request),
          ];
    const views = steps.map((s) => requestView(s));
    return { ok: true, vendor_ref: null, details: { dry_run: true, request: views.at(-1), steps: views } };
  }

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const bad = this.check(request);
    if (bad) return bad;
    const v = request.target.value.trim();
    let sysId: string | null = SYS_ID.test(v) && request.action_type === 'update_ticket' ? v : null;
    if (!sysId) {
      const query =
        request.action_type === 'create_ticket'
          ? `correlation_id=${this.correlation(request)}`
          : `number=${v}`;
      const found = await this.call(this.lookupReq(query), signal);
      // A failed lookup changed nothing.
      if ('fail' in found) return { ...found.fail, not_applied: true };
      if (!is2xx(found.res)) return { ...statusFailure('ServiceNow', found.res), not_applied: true };
      const hit = ((found.res.json ?? {}) as { result?: { sys_id?: string; number?: string }[] }).result?.[0];
      if (request.action_type === 'create_ticket' && hit?.sys_id)
        return {
          ok: true,
          vendor_ref: hit.number ?? hit.sys_id,
          details: { sys_id: hit.sys_id, number: hit.number ?? null, deduplicated: true },
        };
      if (request.action_type === 'update_ticket') {
        if (!hit?.sys_id) return failure('NOT_FOUND', 'ServiceNow has no incident with that number', true);
        sysId = hit.sys_id;
      }
    }
    const write =
      request.action_type === 'create_ticket' ? this.createReq(request) : this.updateReq(sysId!, request);
    const sent = await this.call(write, signal);
    if ('fail' in sent) return sent.fail;
    if (!is2xx(sent.res)) return statusFailure('ServiceNow', sent.res);
    const rec = ((sent.res.json ?? {}) as { result?: { sys_id?: string; number?: string } }).result ?? {};
    return {
      ok: true,
      vendor_ref: rec.number ?? rec.sys_id ?? null,
      details: {
        status: sent.res.status,
        sys_id: rec.sys_id ?? null,
        number: rec.number ?? null,
        deduplicated: false,
      },
    };
  }

  async test(signal: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const sent = await this.call(
      this.req('GET', `${this.base}/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=sys_id`),
      signal,
    );
    if ('fail' in sent) return { ok: false, message: sent.fail.message };
    if (!is2xx(sent.res)) return { ok: false, message: statusFailure('ServiceNow', sent.res).message };
    return { ok: true, message: 'ServiceNow accepted the credentials (sys_user read)' };
  }
}

export const servicenowKind: ConnectorKind = {
  kind: 'servicenow',
  title: 'ServiceNow',
  actionTypes: ['create_ticket', 'update_ticket'],
  settings: [
    { name: 'instance_url', required: true, description: 'Instance URL, e.g. https://acme.service-now.com.' },
    {
      name: 'assignment_group',
      required: false,
      description: 'sys_id or name of the group new incidents go to.',
    },
    { name: 'caller_id', required: false, description: 'Caller (sys_id or user name) on new incidents.' },
    { name: 'category', required: false, description: 'Incident category.' },
    { name: 'contact_type', required: false, description: 'Incident contact type (e.g. `monitoring`).' },
    TIMEOUT_SETTING,
  ],
  secrets: [
    {
      name: 'username',
      required: false,
      description: 'Integration user (basic auth, or the OAuth password grant).',
    },
    { name: 'password', required: false, description: 'Its password.' },
    {
      name: 'client_id',
      required: false,
      description: 'OAuth client id (Application Registry); enables OAuth.',
    },
    { name: 'client_secret', required: false, description: 'OAuth client secret.' },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    checkUrlSetting(problems, 'instance_url', config.instance_url, true);
    if (secrets.client_id && !secrets.client_secret)
      problems.push({ field: 'secrets.client_secret', message: 'is required with client_id' });
    if (!secrets.client_id && !(secrets.username && secrets.password))
      problems.push({
        field: 'secrets.password',
        message: 'set username + password, or client_id + client_secret',
      });
    if (secrets.client_id && secrets.username && !secrets.password)
      problems.push({ field: 'secrets.password', message: 'is required with username' });
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new ServiceNowConnector(
      settings.name,
      settings.actionTypes,
      settings.config,
      settings.secrets,
      deps,
    );
  },
};
