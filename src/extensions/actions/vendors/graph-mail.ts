import type {
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import {
  GRAPH_URL,
  MICROSOFT_SECRETS,
  MICROSOFT_SETTINGS,
  microsoftClient,
  odata,
} from './microsoft-auth.ts';
import { unsupported } from './vendor-client.ts';
import { base, failure, requireFields, shown, str, success, urlProblems } from './vendor-http.ts';

const VENDOR = 'Microsoft Graph mail';
const RUNS = ['quarantine_email', 'block_sender'] as const;
const SENDER = /^[^\s@<>'"]{1,128}@[A-Za-z0-9.-]{1,253}$/;
const MAILBOX = /^[^\s<>'"/]{1,256}$/;

/**
 * Microsoft 365 mail through Microsoft Graph v1.0 (docs/CONNECTORS.md).
 *
 * `quarantine_email`: the message found by `internetMessageId` in the recipient's mailbox
 * (`parameters.mailbox`, else the `mailbox` setting), then `POST /users/{mailbox}/messages/{id}/move`
 * `{destinationId}` into `quarantine_folder`; rollback moves it back to the inbox.
 *
 * `block_sender`: Graph has no documented call for the tenant block list (that is Exchange Online
 * PowerShell's `New-TenantAllowBlockListItems`), so this adds an inbox message rule to the mailbox
 * (`POST /users/{mailbox}/mailFolders/inbox/messageRules`, `senderContains` → delete); rollback
 * deletes the rule. The rule's name carries the action id, which makes a repeat a no-op (the
 * rules are listed first), Graph itself taking no idempotency key.
 */
export const graphMailKind: ConnectorKind = {
  kind: 'graph_mail',
  title: 'Microsoft Graph mail (Exchange Online)',
  actionTypes: RUNS,
  settings: [
    ...MICROSOFT_SETTINGS,
    { name: 'graph_url', required: false, default: GRAPH_URL, description: 'Microsoft Graph base' },
    {
      name: 'quarantine_folder',
      required: false,
      default: 'junkemail',
      description:
        'folder id or well-known name messages are moved to (junkemail, deleteditems, or a folder id)',
    },
    {
      name: 'mailbox',
      required: false,
      description: 'mailbox (UPN) used when the action has no parameters.mailbox',
    },
  ],
  secrets: MICROSOFT_SECRETS,
  validate: (config, secrets) => [
    ...requireFields(config, secrets, ['tenant_id'], ['client_id', 'client_secret']),
    ...urlProblems(config, ['graph_url', 'login_url']),
  ],
  create(settings, deps) {
    const graph = `${base(str(settings.config, 'graph_url', GRAPH_URL))}/v1.0`;
    const { client, tokenRequest } = microsoftClient(
      VENDOR,
      GRAPH_URL,
      settings.config,
      settings.secrets,
      deps,
    );
    const folder = str(settings.config, 'quarantine_folder', 'junkemail');
    const mailboxOf = (request: ConnectorRequest) => {
      const p = request.parameters.mailbox;
      return typeof p === 'string' && p ? p : str(settings.config, 'mailbox');
    };
    const users = (mailbox: string) => `${graph}/users/${encodeURIComponent(mailbox)}`;
    const findUrl = (mailbox: string, messageId: string) =>
      `${users(mailbox)}/messages?$filter=${encodeURIComponent(`internetMessageId eq ${odata(messageId)}`)}&$select=id,parentFolderId`;
    const rulesUrl = (mailbox: string) => `${users(mailbox)}/mailFolders/inbox/messageRules`;
    const ruleBody = (request: ConnectorRequest) => ({
      displayName: `Triage Warden block ${request.action_id}`,
      sequence: 1,
      isEnabled: true,
      conditions: { senderContains: [request.target.value] },
      actions: { delete: true, stopProcessingRules: true },
    });

    const check = (request: ConnectorRequest) => {
      const bad =
        request.action_type === 'quarantine_email'
          ? unsupported(request, settings.actionTypes, ['email_message'])
          : unsupported(request, settings.actionTypes, ['email']);
      if (bad) return bad;
      if (!MAILBOX.test(mailboxOf(request)))
        return failure('REJECTED', 'no mailbox: give parameters.mailbox or the mailbox setting', true);
      if (request.action_type === 'block_sender' && !SENDER.test(request.target.value))
        return failure('REJECTED', 'the sender is not an email address', true);
      return null;
    };

    const move = async (mailbox: string, id: string, to: string, signal: AbortSignal) =>
      client.call(
        {
          method: 'POST',
          url: `${users(mailbox)}/messages/${encodeURIComponent(id)}/move`,
          body: { destinationId: to },
        },
        true,
        signal,
      );

    const quarantine = async (request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> => {
      const mailbox = mailboxOf(request);
      const found = await client.call(
        { method: 'GET', url: findUrl(mailbox, request.target.value) },
        false,
        signal,
      );
      if (!found.ok) return found.result;
      const messages = (found.res.json as { value?: { id?: string }[] })?.value ?? [];
      if (messages.length === 0)
        return failure(
          'NOT_FOUND',
          `${VENDOR}: no message with that Internet Message-ID in the mailbox`,
          true,
        );
      const moved: string[] = [];
      for (const m of messages) {
        const r = await move(mailbox, String(m.id), folder, signal);
        if (!r.ok)
          return {
            ...r.result,
            not_applied: r.result.not_applied && moved.length === 0,
            details: { ...r.result.details, moved },
          };
        moved.push(String((r.res.json as { id?: string })?.id ?? m.id));
      }
      return success(moved[0] ?? null, { mailbox, folder, moved_ids: moved });
    };

    const block = async (request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> => {
      const mailbox = mailboxOf(request);
      const listed = await client.call({ method: 'GET', url: rulesUrl(mailbox) }, false, signal);
      if (!listed.ok) return listed.result;
      const name = ruleBody(request).displayName;
      const existing = (
        (listed.res.json as { value?: { id?: string; displayName?: string }[] })?.value ?? []
      ).find((r) => r.displayName === name);
      if (existing?.id) return success(existing.id, { mailbox, rule_id: existing.id, already: true });
      const r = await client.call(
        { method: 'POST', url: rulesUrl(mailbox), body: ruleBody(request) },
        true,
        signal,
      );
      if (!r.ok) return r.result;
      const id = (r.res.json as { id?: string })?.id ?? null;
      return success(id, { status: r.res.status, mailbox, rule_id: id });
    };

    return {
      name: settings.name,
      kind: 'graph_mail',
      actionTypes: settings.actionTypes,
      async execute(request, signal) {
        const bad = check(request);
        if (bad) return bad;
        return request.action_type === 'quarantine_email'
          ? quarantine(request, signal)
          : block(request, signal);
      },
      async rollback(request, previous, signal) {
        const bad = check(request);
        if (bad) return bad;
        const mailbox = mailboxOf(request);
        if (request.action_type === 'block_sender') {
          const ruleId = previous.rule_id;
          if (typeof ruleId !== 'string')
            return failure('REJECTED', 'the action result names no rule to delete', true);
          const r = await client.call(
            { method: 'DELETE', url: `${rulesUrl(mailbox)}/${encodeURIComponent(ruleId)}` },
            true,
            signal,
          );
          return r.ok ? success(ruleId, { mailbox, rule_deleted: ruleId }) : r.result;
        }
        const ids = Array.isArray(previous.moved_ids) ? previous.moved_ids.map(String) : [];
        if (ids.length === 0) return failure('REJECTED', 'the action result names no moved message', true);
        const back: string[] = [];
        for (const id of ids) {
          const r = await move(mailbox, id, 'inbox', signal);
          if (!r.ok)
            return {
              ...r.result,
              not_applied: r.result.not_applied && back.length === 0,
              details: { ...r.result.details, restored: back },
            };
          back.push(String((r.res.json as { id?: string })?.id ?? id));
        }
        return success(back[0] ?? null, { mailbox, folder: 'inbox', restored_ids: back });
      },
      async dryRun(request) {
        const bad = check(request);
        if (bad) return bad;
        const mailbox = mailboxOf(request);
        const requests =
          request.action_type === 'quarantine_email'
            ? [
                tokenRequest,
                shown({ method: 'GET', url: findUrl(mailbox, request.target.value) }),
                shown({
                  method: 'POST',
                  url: `${users(mailbox)}/messages/<message id>/move`,
                  body: { destinationId: folder },
                }),
              ]
            : [
                tokenRequest,
                shown({ method: 'GET', url: rulesUrl(mailbox) }),
                shown({ method: 'POST', url: rulesUrl(mailbox), body: ruleBody(request) }),
              ];
        return success(null, { dry_run: true, requests });
      },
      async test(signal) {
        const mailbox = str(settings.config, 'mailbox');
        const url = mailbox
          ? `${users(mailbox)}/mailFolders/inbox?$select=id`
          : `${graph}/users?$top=1&$select=id`;
        const r = await client.call({ method: 'GET', url }, false, signal);
        return r.ok
          ? { ok: true, message: `${VENDOR} accepted the credentials` }
          : { ok: false, message: r.result.message, details: { code: r.result.code } };
      },
    };
  },
};
