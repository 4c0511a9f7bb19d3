import type {
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import { VendorClient, unsupported } from './vendor-client.ts';
import { base, failure, requireFields, shown, str, success, urlProblems } from './vendor-http.ts';

const VENDOR = 'Okta';
const RUNS = ['disable_user', 'enable_user', 'revoke_sessions', 'reset_mfa'] as const;
type Run = (typeof RUNS)[number];

/** Each action as Okta calls it; `undo` where Okta can reverse it. */
const CALLS: Record<Run, { method: 'POST' | 'DELETE'; path: string; undo?: Run; skipIf?: string }> = {
  disable_user: { method: 'POST', path: 'lifecycle/suspend', undo: 'enable_user', skipIf: 'SUSPENDED' },
  enable_user: { method: 'POST', path: 'lifecycle/unsuspend', undo: 'disable_user', skipIf: 'ACTIVE' },
  revoke_sessions: { method: 'DELETE', path: 'sessions' },
  reset_mfa: { method: 'POST', path: 'lifecycle/reset_factors' },
};

/**
 * Okta users (docs/CONNECTORS.md): the user found by login with `GET /api/v1/users/{login}`, then
 * `POST /api/v1/users/{id}/lifecycle/suspend|unsuspend|reset_factors` or
 * `DELETE /api/v1/users/{id}/sessions`, with `Authorization: SSWS <token>`. Okta takes no
 * idempotency key: suspend/unsuspend check the user's status first, so a repeat changes nothing.
 */
export const oktaKind: ConnectorKind = {
  kind: 'okta',
  title: 'Okta',
  actionTypes: RUNS,
  settings: [{ name: 'org_url', required: true, description: 'your Okta org, e.g. https://acme.okta.com' }],
  secrets: [
    { name: 'api_token', required: true, description: 'API token of an admin allowed to manage users' },
  ],
  validate: (config, secrets) => [
    ...requireFields(config, secrets, ['org_url'], ['api_token']),
    ...urlProblems(config, ['org_url']),
  ],
  create(settings, deps) {
    const org = base(str(settings.config, 'org_url'));
    const client = new VendorClient(deps.http, VENDOR, {
      headers: async () => ({
        ok: true,
        headers: { authorization: `SSWS ${settings.secrets.api_token ?? ''}` },
      }),
    });
    const userUrl = (login: string) => `${org}/api/v1/users/${encodeURIComponent(login)}`;

    const run = async (
      request: ConnectorRequest,
      type: Run,
      signal: AbortSignal,
    ): Promise<ConnectorResult> => {
      const bad = unsupported(request, settings.actionTypes, ['user', 'email']);
      if (bad) return bad;
      const found = await client.call({ method: 'GET', url: userUrl(request.target.value) }, false, signal);
      if (!found.ok) return found.result;
      const user = found.res.json as { id?: string; status?: string } | undefined;
      if (!user?.id) return failure('VENDOR_ERROR', `${VENDOR} user answer has no id`, true);
      const call = CALLS[type];
      if (call.skipIf && user.status === call.skipIf)
        return success(user.id, { user_id: user.id, already: true, user_status: user.status });
      const r = await client.call(
        { method: call.method, url: `${org}/api/v1/users/${encodeURIComponent(user.id)}/${call.path}` },
        true,
        signal,
      );
      if (!r.ok) return { ...r.result, details: { ...r.result.details, user_id: user.id } };
      return success(user.id, {
        status: r.res.status,
        user_id: user.id,
        previous_status: user.status ?? null,
      });
    };

    return {
      name: settings.name,
      kind: 'okta',
      actionTypes: settings.actionTypes,
      execute: (request, signal) => run(request, request.action_type as Run, signal),
      async rollback(request, _previous, signal) {
        const undo = CALLS[request.action_type as Run]?.undo;
        if (!undo) return failure('UNSUPPORTED', `${VENDOR} cannot undo ${request.action_type}`, true);
        return run(request, undo, signal);
      },
      async dryRun(request) {
        const bad = unsupported(request, settings.actionTypes, ['user', 'email']);
        if (bad) return bad;
        const call = CALLS[request.action_type as Run];
        const auth = { authorization: 'SSWS [redacted]' };
        return success(null, {
          dry_run: true,
          requests: [
            shown({ method: 'GET', url: userUrl(request.target.value), headers: auth }),
            shown({ method: call.method, url: `${org}/api/v1/users/<user id>/${call.path}`, headers: auth }),
          ],
        });
      },
      async test(signal) {
        const r = await client.call({ method: 'GET', url: `${org}/api/v1/users?limit=1` }, false, signal);
        return r.ok
          ? { ok: true, message: `${VENDOR} accepted the API token` }
          : { ok: false, message: r.result.message, details: { code: r.result.code } };
      },
    };
  },
};
