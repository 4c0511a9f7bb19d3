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
  type Failure,
  is2xx,
  type MessageContent,
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
 * Jira (docs/CONNECTORS-NOTIFY.md): Cloud REST v3 (ADF bodies; basic auth with e-mail + API token)
 * or Data Center REST v2 (wiki-markup bodies; bearer personal access token). Jira takes no
 * idempotency key: a created issue carries the label `tw-<action id>` and is looked up by JQL before
 * creating; a comment carries the entity property `triage-warden` = {action_id} and is looked up on
 * the issue before commenting.
 */

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-\d{1,10}$/;
const PROPERTY = 'triage-warden';

/** An Atlassian Document Format document: one paragraph per line, text nodes only (literal). */
export function adf(c: MessageContent): Record<string, unknown> {
  const para = (text: string, strong = false) => ({
    type: 'paragraph',
    content: text === '' ? [] : [{ type: 'text', text, ...(strong ? { marks: [{ type: 'strong' }] } : {}) }],
  });
  return {
    type: 'doc',
    version: 1,
    content: plainBody(c)
      .split('\n')
      .map((line, i) => para(line, i === 0)),
  };
}

/** Wiki markup for v2: the text inside {noformat} (which it cannot close), so nothing renders as markup. */
export function wiki(c: MessageContent): string {
  return `{noformat}\n${plainBody(c).replace(/\{noformat\}/gi, '{ noformat }')}\n{noformat}`;
}

class JiraConnector implements ActionConnector {
  readonly kind = 'jira';
  private readonly base: string;
  private readonly api: string;
  private readonly v3: boolean;
  private readonly timeoutMs: number;
  private readonly auth: string;

  constructor(
    readonly name: string,
    readonly actionTypes: ConnectorKind['actionTypes'],
    private readonly config: Record<string, unknown>,
    secrets: Record<string, string>,
    private readonly deps: ConnectorDeps,
  ) {
    this.base = (str(config, 'base_url') ?? '').replace(/\/+$/, '');
    this.v3 = String(config.api_version ?? '3') !== '2';
    this.api = `${this.base}/rest/api/${this.v3 ? '3' : '2'}`;
    this.timeoutMs = num(config, 'timeout_ms', DEFAULT_TIMEOUT_MS);
    this.auth = secrets.personal_access_token
      ? `Bearer ${secrets.personal_access_token}`
      : `Basic ${Buffer.from(`${secrets.email ?? ''}:${secrets.api_token ?? ''}`).toString('base64')}`;
  }

  private req(
    method: OutboundRequest['method'],
    path: string,
    body?: Record<string, unknown>,
  ): OutboundRequest {
    return {
      method,
      url: `${this.api}${path}`,
      headers: { authorization: this.auth, accept: 'application/json' },
      ...(body ? { body } : {}),
      timeoutMs: this.timeoutMs,
    };
  }

  private body(c: MessageContent): unknown {
    return this.v3 ? adf(c) : wiki(c);
  }

  private searchReq(request: ConnectorRequest): OutboundRequest {
    const jql = `labels = "tw-${request.action_id.replace(/["\\]/g, '')}"`;
    const q = new URLSearchParams({ jql, fields: 'key', maxResults: '1' });
    return this.req('GET', `${this.v3 ? '/search/jql' : '/search'}?${q.toString()}`);
  }

  private createReq(request: ConnectorRequest): OutboundRequest {
    const c = messageContent(request);
    const labels = Array.isArray(this.config.labels)
      ? this.config.labels.filter((l) => typeof l === 'string')
      : [];
    const priorities = (this.config.priorities ?? {}) as Record<string, unknown>;
    const priority = priorities[c.severity.toLowerCase()];
    const summary =
      typeof request.parameters.summary === 'string' ? oneLine(request.parameters.summary, 240) : c.title;
    return this.req('POST', '/issue', {
      fields: {
        project: { key: str(this.config, 'project_key') },
        issuetype: { name: str(this.config, 'issue_type') ?? 'Task' },
        summary: oneLine(summary, 254),
        description: this.body(c),
        labels: [...labels, 'triage-warden', `tw-${request.action_id}`],
        ...(typeof priority === 'string' ? { priority: { name: priority } } : {}),
      },
    });
  }

  private commentReq(key: string, request: ConnectorRequest): OutboundRequest {
    return this.req('POST', `/issue/${key}/comment`, {
      body: this.body(messageContent(request)),
      properties: [{ key: PROPERTY, value: { action_id: request.action_id } }],
    });
  }

  private plan(request: ConnectorRequest): OutboundRequest[] | Failure {
    const refused = unsupported(this.actionTypes, request);
    if (refused) return refused;
    if (request.action_type === 'create_ticket') return [this.searchReq(request), this.createReq(request)];
    if (request.action_type !== 'update_ticket')
      return failure('UNSUPPORTED', 'Jira runs create_ticket and update_ticket', true);
    const key = request.target.value.trim().toUpperCase();
    if (request.target.type !== 'ticket' || !ISSUE_KEY.test(key))
      return failure('REJECTED', 'update_ticket needs a ticket target with a Jira issue key (ABC-123)', true);
    const steps = [
      this.req('GET', `/issue/${key}/comment?expand=properties&orderBy=-created&maxResults=100`),
      this.commentReq(key, request),
    ];
    const t = request.parameters.transition_id;
    if (typeof t === 'string' || typeof t === 'number') {
      if (!/^\d{1,10}$/.test(String(t))) return failure('REJECTED', 'transition_id must be a number', true);
      steps.push(this.req('POST', `/issue/${key}/transitions`, { transition: { id: String(t) } }));
    }
    return steps;
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    const steps = this.plan(request);
    if (!Array.isArray(steps)) return steps;
    const views = steps.map((s) => requestView(s));
    return { ok: true, vendor_ref: null, details: { dry_run: true, request: views[1], steps: views } };
  }

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    const steps = this.plan(request);
    if (!Array.isArray(steps)) return steps;
    const [lookup, write, transition] = steps as [OutboundRequest, OutboundRequest, OutboundRequest?];
    const found = await send(this.deps.http, 'Jira', { ...lookup, signal });
    // A failed lookup has changed nothing: report it rather than risk a duplicate.
    if ('fail' in found) return { ...found.fail, not_applied: true };
    if (!is2xx(found.res)) return { ...statusFailure('Jira', found.res), not_applied: true };
    if (request.action_type === 'create_ticket') {
      const hit = ((found.res.json ?? {}) as { issues?: { key?: string; id?: string }[] }).issues?.[0];
      if (hit?.key)
        return {
          ok: true,
          vendor_ref: hit.key,
          details: { key: hit.key, id: hit.id ?? null, deduplicated: true },
        };
      const created = await send(this.deps.http, 'Jira', { ...write, signal });
      if ('fail' in created) return created.fail;
      if (!is2xx(created.res)) return statusFailure('Jira', created.res);
      const issue = (created.res.json ?? {}) as { key?: string; id?: string };
      return {
        ok: true,
        vendor_ref: issue.key ?? null,
        details: {
          status: created.res.status,
          key: issue.key ?? null,
          id: issue.id ?? null,
          deduplicated: false,
        },
      };
    }
    const key = request.target.value.trim().toUpperCase();
    const comments = (
      (found.res.json ?? {}) as {
        comments?: { id?: string; properties?: { key?: string; value?: { action_id?: unknown } }[] }[];
      }
    ).comments;
    const prior = comments?.find((cm) =>
      cm.properties?.some((p) => p.key === PROPERTY && p.value?.action_id === request.action_id),
    );
    let commentId = prior?.id ?? null;
    if (!prior) {
      const posted = await send(this.deps.http, 'Jira', { ...write, signal });
      if ('fail' in posted) return posted.fail;
      if (!is2xx(posted.res)) return statusFailure('Jira', posted.res);
      commentId = ((posted.res.json ?? {}) as { id?: string }).id ?? null;
    }
    const details: Record<string, unknown> = { key, comment_id: commentId, deduplicated: Boolean(prior) };
    if (transition) {
      const moved = await send(this.deps.http, 'Jira', { ...transition, signal });
      // The comment stands: a failed transition is reported with not_applied false.
      if ('fail' in moved)
        return { ...moved.fail, not_applied: false, details: { ...moved.fail.details, ...details } };
      if (!is2xx(moved.res)) return { ...statusFailure('Jira', moved.res, details), not_applied: false };
      details.transitioned = true;
    }
    return { ok: true, vendor_ref: key, details };
  }

  async test(
    signal: AbortSignal,
  ): Promise<{ ok: boolean; message: string; details?: Record<string, unknown> }> {
    const sent = await send(this.deps.http, 'Jira', { ...this.req('GET', '/myself'), signal });
    if ('fail' in sent) return { ok: false, message: sent.fail.message };
    if (!is2xx(sent.res)) return { ok: false, message: statusFailure('Jira', sent.res).message };
    const me = (sent.res.json ?? {}) as { accountId?: string; name?: string };
    return {
      ok: true,
      message: 'Jira accepted the credentials (myself)',
      details: { account: me.accountId ?? me.name ?? null },
    };
  }
}

export const jiraKind: ConnectorKind = {
  kind: 'jira',
  title: 'Jira',
  actionTypes: ['create_ticket', 'update_ticket'],
  settings: [
    { name: 'base_url', required: true, description: 'Site URL, e.g. https://acme.atlassian.net.' },
    { name: 'project_key', required: true, description: 'Project for new issues (SEC).' },
    { name: 'issue_type', required: false, description: 'Issue type name for new issues.', default: 'Task' },
    {
      name: 'api_version',
      required: false,
      description: '`3` (Cloud, ADF) or `2` (Data Center, wiki markup).',
      default: '3',
    },
    { name: 'labels', required: false, description: 'Extra labels on new issues.', default: [] },
    {
      name: 'priorities',
      required: false,
      description: 'Severity → priority name ({"critical":"Highest"}); unset: no priority sent.',
      default: {},
    },
    TIMEOUT_SETTING,
  ],
  secrets: [
    { name: 'email', required: false, description: 'Account e-mail (Cloud basic auth, with api_token).' },
    { name: 'api_token', required: false, description: 'Atlassian API token (Cloud).' },
    {
      name: 'personal_access_token',
      required: false,
      description: 'Data Center personal access token (bearer), instead of e-mail + token.',
    },
  ],
  validate(config, secrets) {
    const problems: ConnectorConfigProblem[] = [];
    checkUrlSetting(problems, 'base_url', config.base_url, true);
    const project = config.project_key;
    if (typeof project !== 'string' || !/^[A-Z][A-Z0-9_]{0,49}$/.test(project))
      problems.push({ field: 'project_key', message: 'is required: an upper-case project key' });
    if (config.api_version !== undefined && !['2', '3'].includes(String(config.api_version)))
      problems.push({ field: 'api_version', message: 'must be 2 or 3' });
    if (
      config.labels !== undefined &&
      (!Array.isArray(config.labels) || config.labels.some((l) => typeof l !== 'string' || /\s/.test(l)))
    )
      problems.push({ field: 'labels', message: 'must be a list of labels without spaces' });
    if (
      config.priorities !== undefined &&
      (typeof config.priorities !== 'object' ||
        config.priorities === null ||
        Array.isArray(config.priorities))
    )
      problems.push({ field: 'priorities', message: 'must map severities to priority names' });
    if (!secrets.personal_access_token && !(secrets.email && secrets.api_token))
      problems.push({
        field: 'secrets.api_token',
        message: 'set email + api_token, or personal_access_token',
      });
    checkTimeout(problems, config);
    return problems;
  },
  create(settings, deps) {
    return new JiraConnector(settings.name, settings.actionTypes, settings.config, settings.secrets, deps);
  },
};
