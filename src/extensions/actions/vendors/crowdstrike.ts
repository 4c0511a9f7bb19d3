import type {
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import { ClientCredentialsToken } from './oauth-token.ts';
import { VendorClient, filterSafe, unsupported, type Called } from './vendor-client.ts';
import { base, failure, requireFields, shown, str, success, urlProblems } from './vendor-http.ts';

const VENDOR = 'CrowdStrike';
const RUNS = ['isolate_host', 'unisolate_host'] as const;
const ACTION_NAME = { isolate_host: 'contain', unisolate_host: 'lift_containment' } as const;
const UNDO = { isolate_host: 'lift_containment', unisolate_host: 'contain' } as const;

/**
 * CrowdStrike Falcon host containment (docs/CONNECTORS.md): OAuth2 client credentials at
 * `POST /oauth2/token`, the host found by hostname with `GET /devices/queries/devices/v1`, then
 * `POST /devices/entities/devices-actions/v2?action_name=contain|lift_containment`. Falcon takes no
 * idempotency key; containing a contained host is a no-op at the vendor.
 */
export const crowdstrikeKind: ConnectorKind = {
  kind: 'crowdstrike',
  title: 'CrowdStrike Falcon',
  actionTypes: RUNS,
  settings: [
    {
      name: 'base_url',
      required: false,
      default: 'https://api.crowdstrike.com',
      description:
        'regional API base: https://api.crowdstrike.com (US-1), https://api.us-2.crowdstrike.com, https://api.eu-1.crowdstrike.com, https://api.laggar.gcw.crowdstrike.com',
    },
  ],
  secrets: [
    { name: 'client_id', required: true, description: 'API client id (scope Hosts: write)' },
    { name: 'client_secret', required: true, description: 'API client secret' },
  ],
  validate: (config, secrets) => [
    ...requireFields(config, secrets, [], ['client_id', 'client_secret']),
    ...urlProblems(config, ['base_url']),
  ],
  create(settings, deps) {
    const root = base(str(settings.config, 'base_url', 'https://api.crowdstrike.com'));
    const token = new ClientCredentialsToken(deps.http, {
      vendor: VENDOR,
      tokenUrl: `${root}/oauth2/token`,
      clientId: settings.secrets.client_id ?? '',
      clientSecret: settings.secrets.client_secret ?? '',
      now: deps.now,
    });
    const client = new VendorClient(deps.http, VENDOR, {
      headers: async (signal) => {
        const t = await token.get(signal);
        return t.ok ? { ok: true, headers: { authorization: `Bearer ${t.token}` } } : t;
      },
      invalidate: () => token.invalidate(),
    });
    const lookupUrl = (host: string) =>
      `${root}/devices/queries/devices/v1?filter=${encodeURIComponent(`hostname:'${host}'`)}`;
    const actionUrl = (name: string) => `${root}/devices/entities/devices-actions/v2?action_name=${name}`;

    const findDevice = async (host: string, signal: AbortSignal): Promise<Called & { id?: string }> => {
      const r = await client.call({ method: 'GET', url: lookupUrl(host) }, false, signal);
      if (!r.ok) return r;
      const ids = (r.res.json as { resources?: unknown })?.resources;
      if (!Array.isArray(ids) || ids.length === 0)
        return {
          ok: false,
          result: failure('NOT_FOUND', `${VENDOR} knows no host with that hostname`, true),
        };
      if (ids.length > 1)
        return {
          ok: false,
          result: failure(
            'REJECTED',
            `${VENDOR} has ${ids.length} hosts with that hostname; refusing to guess`,
            true,
          ),
        };
      return { ...r, id: String(ids[0]) };
    };

    const run = async (
      request: ConnectorRequest,
      name: string,
      signal: AbortSignal,
    ): Promise<ConnectorResult> => {
      const bad = unsupported(request, settings.actionTypes, ['host']);
      if (bad) return bad;
      if (!filterSafe(request.target.value))
        return failure('REJECTED', 'the hostname has characters a Falcon filter cannot carry', true);
      const device = await findDevice(request.target.value, signal);
      if (!device.ok) return device.result;
      const r = await client.call(
        { method: 'POST', url: actionUrl(name), body: { ids: [device.id!] } },
        true,
        signal,
      );
      if (!r.ok) return { ...r.result, details: { ...r.result.details, device_id: device.id } };
      return success(device.id!, { status: r.res.status, device_id: device.id, action_name: name });
    };

    return {
      name: settings.name,
      kind: 'crowdstrike',
      actionTypes: settings.actionTypes,
      execute: (request, signal) =>
        run(request, ACTION_NAME[request.action_type as keyof typeof ACTION_NAME] ?? 'contain', signal),
      async dryRun(request) {
        const bad = unsupported(request, settings.actionTypes, ['host']);
        if (bad) return bad;
        const name = ACTION_NAME[request.action_type as keyof typeof ACTION_NAME];
        return success(null, {
          dry_run: true,
          requests: [
            shown({
              method: 'POST',
              url: `${root}/oauth2/token`,
              body: 'grant_type=client_credentials&client_id=[redacted]&client_secret=[redacted]',
            }),
            shown({ method: 'GET', url: lookupUrl(request.target.value) }),
            shown({ method: 'POST', url: actionUrl(name), body: { ids: ['<device id found above>'] } }),
          ],
        });
      },
      rollback: (request, _previous, signal) =>
        run(request, UNDO[request.action_type as keyof typeof UNDO] ?? 'lift_containment', signal),
      async test(signal) {
        const r = await client.call(
          { method: 'GET', url: `${root}/devices/queries/devices/v1?limit=1` },
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
