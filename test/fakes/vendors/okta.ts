import { FakeVendor, type VendorAnswer } from './fake-vendor.ts';

const oktaError = (status: number, code: string, summary: string): VendorAnswer => ({
  status,
  body: { errorCode: code, errorSummary: summary, errorLink: code, errorId: 'oae123', errorCauses: [] },
});

interface User {
  id: string;
  status: 'ACTIVE' | 'SUSPENDED';
  login: string;
  sessions: number;
  factors: number;
}

/**
 * A loopback Okta org: `Authorization: SSWS <token>` (401 E0000011 otherwise), `GET /api/v1/users/{id|login}`,
 * `POST /api/v1/users/{id}/lifecycle/suspend|unsuspend|reset_factors`, `DELETE /api/v1/users/{id}/sessions`,
 * with Okta's lifecycle rules (suspend only an ACTIVE user, unsuspend only a SUSPENDED one: 400 E0000001).
 */
export function fakeOkta(options: { apiToken: string; users: { id: string; login: string }[] }) {
  const users = new Map<string, User>(
    options.users.map((u) => [u.id, { ...u, status: 'ACTIVE', sessions: 2, factors: 2 } satisfies User]),
  );
  const byRef = (ref: string) => users.get(ref) ?? [...users.values()].find((u) => u.login === ref);
  const server = new FakeVendor((r) => {
    if (r.headers.authorization !== `SSWS ${options.apiToken}`)
      return oktaError(401, 'E0000011', 'Invalid token provided');
    if (r.method === 'GET' && r.path === '/api/v1/users')
      return {
        status: 200,
        body: [...users.values()].slice(0, 1).map((u) => ({ id: u.id, status: u.status })),
      };
    const one = /^\/api\/v1\/users\/([^/]+)(?:\/(.+))?$/.exec(r.path);
    if (!one) return oktaError(404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    const user = byRef(one[1]!);
    if (!user) return oktaError(404, 'E0000007', `Not found: Resource not found: ${one[1]} (User)`);
    const sub = one[2];
    if (r.method === 'GET' && !sub)
      return { status: 200, body: { id: user.id, status: user.status, profile: { login: user.login } } };
    if (r.method === 'POST' && sub === 'lifecycle/suspend') {
      if (user.status !== 'ACTIVE') return oktaError(400, 'E0000001', 'Api validation failed: suspend');
      user.status = 'SUSPENDED';
      return { status: 200, body: {} };
    }
    if (r.method === 'POST' && sub === 'lifecycle/unsuspend') {
      if (user.status !== 'SUSPENDED') return oktaError(400, 'E0000001', 'Api validation failed: unsuspend');
      user.status = 'ACTIVE';
      return { status: 200, body: {} };
    }
    if (r.method === 'POST' && sub === 'lifecycle/reset_factors') {
      user.factors = 0;
      return { status: 200, body: {} };
    }
    if (r.method === 'DELETE' && sub === 'sessions') {
      user.sessions = 0;
      return { status: 204 };
    }
    return oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
  });
  return { server, users };
}
