import { FakeVendor } from './fake-vendor.ts';
import { microsoftLogin, msError, odataEq } from './microsoft.ts';

/**
 * A loopback Microsoft Defender for Endpoint API with its Entra token endpoint on the same origin:
 * `GET /api/machines?$filter=computerDnsName eq '…'`, `POST /api/machines/{id}/isolate`
 * `{Comment, IsolationType}` and `/unisolate` `{Comment}` answering a MachineAction (201). Isolating
 * an isolated machine is 400 `ActiveRequestAlreadyExists`, as the vendor answers.
 */
export function fakeDefender(options: {
  tenant: string;
  clientId: string;
  clientSecret: string;
  machines: Record<string, string>;
}) {
  const login = microsoftLogin({ ...options, scope: 'https://api.securitycenter.microsoft.com/.default' });
  const isolated = new Set<string>();
  const actions: { verb: string; id: string; body: unknown }[] = [];
  const server = new FakeVendor((r) => {
    const token = login.handle(r);
    if (token) return token;
    if (!login.tokens.authorised(r)) return msError(401, 'Unauthorized', 'Authorization has been denied');
    if (r.method === 'GET' && r.path === '/api/machines') {
      const dns = odataEq(r.query.get('$filter'), 'computerDnsName');
      const value = Object.entries(options.machines)
        .filter(([name]) => dns === undefined || name === dns)
        .map(([name, id]) => ({ id, computerDnsName: name, healthStatus: 'Active' }));
      return { status: 200, body: { '@odata.context': 'machines', value } };
    }
    const m = /^\/api\/machines\/([^/]+)\/(isolate|unisolate)$/.exec(r.path);
    if (r.method === 'POST' && m) {
      const [, id, verb] = m as unknown as [string, string, string];
      if (!Object.values(options.machines).includes(id))
        return msError(404, 'ResourceNotFound', 'Machine not found');
      const body = r.json as { Comment?: string; IsolationType?: string };
      if (!body?.Comment) return msError(400, 'InvalidRequestBody', 'Comment is required');
      if (verb === 'isolate' && !['Full', 'Selective'].includes(body.IsolationType ?? ''))
        return msError(400, 'InvalidRequestBody', 'IsolationType');
      if ((verb === 'isolate') === isolated.has(id))
        return msError(400, 'ActiveRequestAlreadyExists', 'Action is already in progress');
      if (verb === 'isolate') isolated.add(id);
      else isolated.delete(id);
      actions.push({ verb, id, body });
      return {
        status: 201,
        body: {
          id: `ma-${actions.length}`,
          type: verb === 'isolate' ? 'Isolate' : 'Unisolate',
          status: 'Pending',
          machineId: id,
        },
      };
    }
    return msError(404, 'ResourceNotFound', 'route');
  });
  return { server, tokens: login.tokens, isolated, actions };
}
