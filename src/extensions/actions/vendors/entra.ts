import type {
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import { GRAPH_URL, MICROSOFT_SECRETS, MICROSOFT_SETTINGS, microsoftClient } from './microsoft-auth.ts';
import { unsupported } from './vendor-client.ts';
import { base, failure, requireFields, shown, str, success, urlProblems } from './vendor-http.ts';

const VENDOR = 'Microsoft Entra ID';
const RUNS = ['disable_user', 'enable_user', 'revoke_sessions', 'reset_mfa'] as const;

/**
 * Authentication method types (`@odata.type`) and the collection each is deleted from. Password
 * methods cannot be deleted and are left alone; what is left is the user's second factors.
 */
const METHOD_PATHS: Record<string, string> = {
  '#microsoft.graph.phoneAuthenticationMethod': 'phoneMethods',
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods',
  '#microsoft.graph.softwareOathAuthenticationMethod': 'softwareOathMethods',
  '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods',
  '#microsoft.graph.emailAuthenticationMethod': 'emailMethods',
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': 'temporaryAccessPassMethods',
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': 'windowsHelloForBusinessMethods',
};

/**
 * Microsoft Entra ID users through Microsoft Graph v1.0 (docs/CONNECTORS.md):
 * `PATCH /users/{upn}` `{accountEnabled}`, `POST /users/{upn}/revokeSignInSessions`, and MFA reset by
 * listing `/users/{upn}/authentication/methods` and deleting each second factor. Graph takes no
 * idempotency key; every call here is idempotent by nature (a repeat sets the same state).
 */
export const entraKind: ConnectorKind = {
  kind: 'entra',
  title: 'Microsoft Entra ID',
  actionTypes: RUNS,
  settings: [
    ...MICROSOFT_SETTINGS,
    { name: 'graph_url', required: false, default: GRAPH_URL, description: 'Microsoft Graph base' },
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
    const user = (upn: string) => `${graph}/users/${encodeURIComponent(upn)}`;

    const plan = (type: string, upn: string) => {
      if (type === 'disable_user' || type === 'enable_user')
        return { method: 'PATCH' as const, url: user(upn), body: { accountEnabled: type === 'enable_user' } };
      if (type === 'revoke_sessions')
        return { method: 'POST' as const, url: `${user(upn)}/revokeSignInSessions` };
      return { method: 'GET' as const, url: `${user(upn)}/authentication/methods` };
    };

    const resetMfa = async (upn: string, signal: AbortSignal): Promise<ConnectorResult> => {
      const listed = await client.call(plan('reset_mfa', upn), false, signal);
      if (!listed.ok) return listed.result;
      const methods = (listed.res.json as { value?: { id?: string; '@odata.type'?: string }[] })?.value ?? [];
      const deleted: { type: string; id: string }[] = [];
      for (const m of methods) {
        const path = METHOD_PATHS[m['@odata.type'] ?? ''];
        if (!path || !m.id) continue;
        const r = await client.call(
          { method: 'DELETE', url: `${user(upn)}/authentication/${path}/${encodeURIComponent(m.id)}` },
          true,
          signal,
        );
        if (!r.ok && r.result.code !== 'NOT_FOUND')
          return {
            ...r.result,
            not_applied: r.result.not_applied && deleted.length === 0,
            details: { ...r.result.details, deleted },
          };
        deleted.push({ type: path, id: m.id });
      }
      return success(null, { deleted, methods_deleted: deleted.length });
    };

    const run = async (
      request: ConnectorRequest,
      type: string,
      signal: AbortSignal,
    ): Promise<ConnectorResult> => {
      const bad = unsupported(request, settings.actionTypes, ['user', 'email']);
      if (bad) return bad;
      const upn = request.target.value;
      if (type === 'reset_mfa') return resetMfa(upn, signal);
      const r = await client.call(plan(type, upn), true, signal);
      if (!r.ok) return r.result;
      return success(upn, { status: r.res.status, call: type });
    };

    return {
      name: settings.name,
      kind: 'entra',
      actionTypes: settings.actionTypes,
      execute: (request, signal) => run(request, request.action_type, signal),
      async rollback(request, _previous, signal) {
        const undo = { disable_user: 'enable_user', enable_user: 'disable_user' }[
          request.action_type as string
        ];
        if (!undo) return failure('UNSUPPORTED', `${VENDOR} cannot undo ${request.action_type}`, true);
        return run(request, undo, signal);
      },
      async dryRun(request) {
        const bad = unsupported(request, settings.actionTypes, ['user', 'email']);
        if (bad) return bad;
        const p = plan(request.action_type, request.target.value);
        const requests = [tokenRequest, shown(p)];
        if (request.action_type === 'reset_mfa')
          requests.push(
            shown({
              method: 'DELETE',
              url: `${user(request.target.value)}/authentication/<kind>Methods/<id>`,
            }),
          );
        return success(null, { dry_run: true, requests });
      },
      async test(signal) {
        const r = await client.call(
          { method: 'GET', url: `${graph}/users?$top=1&$select=id` },
          false,
          signal,
        );
        return r.ok
          ? { ok: true, message: `${VENDOR} accepted the credentials` }
          : { ok: false, message: r.result.message, details: { code: r.result.code } };
      },
    };
  },
};
