import { FakeVendor, TokenIssuer, type VendorAnswer } from './fake-vendor.ts';

const csError = (status: number, message: string): VendorAnswer => ({
  status,
  body: {
    meta: { query_time: 0.001, trace_id: 'trace' },
    resources: [],
    errors: [{ code: status, message }],
  },
});

/**
 * A loopback CrowdStrike Falcon API: `POST /oauth2/token` (form client_id/client_secret, 201),
 * `GET /devices/queries/devices/v1?filter=hostname:'X'` and
 * `POST /devices/entities/devices-actions/v2?action_name=contain|lift_containment` `{ids}` with a
 * bearer token, the Falcon `{meta, resources, errors}` envelope, 401 for a missing or expired token.
 */
export function fakeCrowdStrike(options: {
  clientId: string;
  clientSecret: string;
  hosts: Record<string, string>;
}) {
  const tokens = new TokenIssuer(options.clientId, options.clientSecret);
  const contained = new Set<string>();
  const actions: { action: string; id: string }[] = [];
  const server = new FakeVendor((r) => {
    if (r.method === 'POST' && r.path === '/oauth2/token') return tokens.issue(r, 201);
    if (!tokens.authorised(r)) return csError(401, 'access denied, authorization failed');
    if (r.method === 'GET' && r.path === '/devices/queries/devices/v1') {
      const m = /^hostname:'([^']*)'$/.exec(r.query.get('filter') ?? '');
      const ids = m
        ? Object.entries(options.hosts).filter(([h]) => h.toLowerCase() === m[1]!.toLowerCase())
        : [];
      const all =
        r.query.get('filter') === null
          ? Object.values(options.hosts).slice(0, Number(r.query.get('limit') ?? 100))
          : ids.map(([, id]) => id);
      return {
        status: 200,
        body: { meta: { pagination: { total: all.length } }, resources: all, errors: [] },
      };
    }
    if (r.method === 'POST' && r.path === '/devices/entities/devices-actions/v2') {
      const action = r.query.get('action_name') ?? '';
      if (!['contain', 'lift_containment'].includes(action)) return csError(400, 'invalid action_name');
      const ids = (r.json as { ids?: string[] })?.ids ?? [];
      const id = ids[0] ?? '';
      if (!Object.values(options.hosts).includes(id)) return csError(404, 'Device not found');
      actions.push({ action, id });
      if (action === 'contain') contained.add(id);
      else contained.delete(id);
      return { status: 202, body: { meta: {}, resources: [{ id, path: '' }], errors: [] } };
    }
    return csError(404, 'route not found');
  });
  return { server, tokens, contained, actions };
}
