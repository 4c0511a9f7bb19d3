import type {
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import { MICROSOFT_SECRETS, MICROSOFT_SETTINGS, microsoftClient, odata } from './microsoft-auth.ts';
import { comment, unsupported } from './vendor-client.ts';
import { base, failure, requireFields, shown, str, success, urlProblems } from './vendor-http.ts';

const VENDOR = 'Microsoft Defender for Endpoint';
const API_URL = 'https://api.securitycenter.microsoft.com';
const RUNS = ['isolate_host', 'unisolate_host'] as const;

/**
 * Microsoft Defender for Endpoint isolation (docs/CONNECTORS.md): the machine found by
 * `GET /api/machines?$filter=computerDnsName eq '…'`, then `POST /api/machines/{id}/isolate`
 * `{Comment, IsolationType}` or `/unisolate` `{Comment}`. Defender takes no idempotency key; the
 * comment carries the action id, and a second isolate of an isolated machine is refused (REJECTED).
 */
export const defenderKind: ConnectorKind = {
  kind: 'defender',
  title: 'Microsoft Defender for Endpoint',
  actionTypes: RUNS,
  settings: [
    ...MICROSOFT_SETTINGS,
    {
      name: 'api_url',
      required: false,
      default: API_URL,
      description:
        'Defender API base (also https://api.security.microsoft.com or a regional host such as https://eu.api.security.microsoft.com)',
    },
    {
      name: 'isolation_type',
      required: false,
      default: 'Full',
      description: 'Full or Selective (Outlook, Teams and Skype keep working)',
    },
  ],
  secrets: MICROSOFT_SECRETS,
  validate: (config, secrets) => [
    ...requireFields(config, secrets, ['tenant_id'], ['client_id', 'client_secret']),
    ...urlProblems(config, ['api_url', 'login_url']),
    ...(['Full', 'Selective'].includes(str(config, 'isolation_type', 'Full'))
      ? []
      : [{ field: 'config.isolation_type', message: 'Full or Selective' }]),
  ],
  create(settings, deps) {
    const api = base(str(settings.config, 'api_url', API_URL));
    const { client, tokenRequest } = microsoftClient(
      VENDOR,
      'https://api.securitycenter.microsoft.com',
      settings.config,
      settings.secrets,
      deps,
    );
    const isolationType = str(settings.config, 'isolation_type', 'Full');
    const lookupUrl = (host: string) =>
      `${api}/api/machines?$filter=${encodeURIComponent(`computerDnsName eq ${odata(host.toLowerCase())}`)}`;
    const verb = (undo: boolean, type: string) =>
      (type === 'isolate_host') !== undo ? 'isolate' : 'unisolate';
    const bodyFor = (v: string, request: ConnectorRequest) =>
      v === 'isolate'
        ? { Comment: comment(request), IsolationType: isolationType }
        : { Comment: comment(request) };

    const run = async (
      request: ConnectorRequest,
      undo: boolean,
      signal: AbortSignal,
    ): Promise<ConnectorResult> => {
      const bad = unsupported(request, settings.actionTypes, ['host']);
      if (bad) return bad;
      const found = await client.call({ method: 'GET', url: lookupUrl(request.target.value) }, false, signal);
      if (!found.ok) return found.result;
      const machines = (found.res.json as { value?: { id?: string }[] })?.value ?? [];
      if (machines.length === 0)
        return failure('NOT_FOUND', `${VENDOR} knows no machine with that DNS name`, true);
      if (machines.length > 1)
        return failure(
          'REJECTED',
          `${VENDOR} has ${machines.length} machines with that DNS name; refusing to guess`,
          true,
        );
      const id = String(machines[0]!.id);
      const v = verb(undo, request.action_type);
      const r = await client.call(
        {
          method: 'POST',
          url: `${api}/api/machines/${encodeURIComponent(id)}/${v}`,
          body: bodyFor(v, request),
        },
        true,
        signal,
      );
      if (!r.ok) return { ...r.result, details: { ...r.result.details, machine_id: id } };
      const action = r.res.json as { id?: string; status?: string } | undefined;
      return success(action?.id ?? null, {
        status: r.res.status,
        machine_id: id,
        machine_action_id: action?.id ?? null,
        machine_action_status: action?.status ?? null,
        verb: v,
      });
    };

    return {
      name: settings.name,
      kind: 'defender',
      actionTypes: settings.actionTypes,
      execute: (request, signal) => run(request, false, signal),
      rollback: (request, _previous, signal) => run(request, true, signal),
      async dryRun(request) {
        const bad = unsupported(request, settings.actionTypes, ['host']);
        if (bad) return bad;
        const v = verb(false, request.action_type);
        return success(null, {
          dry_run: true,
          requests: [
            tokenRequest,
            shown({ method: 'GET', url: lookupUrl(request.target.value) }),
            shown({
              method: 'POST',
              url: `${api}/api/machines/<machine id>/${v}`,
              body: bodyFor(v, request),
            }),
          ],
        });
      },
      async test(signal) {
        const r = await client.call({ method: 'GET', url: `${api}/api/machines?$top=1` }, false, signal);
        return r.ok
          ? { ok: true, message: `${VENDOR} accepted the credentials` }
          : { ok: false, message: r.result.message, details: { code: r.result.code } };
      },
    };
  },
};
