import { type Answer, basic, bearer, LoopbackVendor, type SeenRequest } from './loopback.ts';

interface Incident {
  sys_id: string;
  number: string;
  fields: Record<string, unknown>;
  work_notes: string[];
}

/**
 * ServiceNow Table API (`/api/now/table/incident`, `sys_user`) with encoded queries
 * (`correlation_id=…`, `number=…`), OAuth `/oauth_token.do` (password and client_credentials grants)
 * or basic auth, and ServiceNow's `{error:{message,detail}, status:'failure'}` bodies.
 */
export class FakeServiceNow extends LoopbackVendor {
  static readonly USER = 'tw.integration';
  static readonly PASSWORD = 'sn-password';
  static readonly CLIENT_ID = 'sn-client';
  static readonly CLIENT_SECRET = 'sn-client-secret';
  readonly incidents = new Map<string, Incident>();
  readonly tokens = new Set<string>();
  tokenGrants = 0;

  constructor() {
    super((req) => this.#route(req));
    this.#add({ short_description: 'existing' });
  }

  #add(fields: Record<string, unknown>): Incident {
    const n = this.incidents.size + 1;
    const inc: Incident = {
      sys_id: n.toString(16).padStart(32, 'a'),
      number: `INC${String(10000 + n).padStart(7, '0')}`,
      fields,
      work_notes: [],
    };
    this.incidents.set(inc.sys_id, inc);
    return inc;
  }

  /** Forgets every issued token (as if they expired server-side). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  #error(status: number, message: string): Answer {
    return { status, body: { error: { message, detail: null }, status: 'failure' } };
  }

  #route(req: SeenRequest): Answer {
    if (req.path === '/oauth_token.do' && req.method === 'POST') {
      const f = new URLSearchParams(req.body);
      const clientOk =
        f.get('client_id') === FakeServiceNow.CLIENT_ID &&
        f.get('client_secret') === FakeServiceNow.CLIENT_SECRET;
      const grantOk =
        f.get('grant_type') === 'client_credentials' ||
        (f.get('grant_type') === 'password' &&
          f.get('username') === FakeServiceNow.USER &&
          f.get('password') === FakeServiceNow.PASSWORD);
      if (!clientOk || !grantOk)
        return { status: 401, body: { error_description: 'access_denied', error: 'server_error' } };
      const token = `sn-token-${++this.tokenGrants}`;
      this.tokens.add(token);
      return {
        status: 200,
        body: {
          access_token: token,
          refresh_token: 'r',
          scope: 'useraccount',
          token_type: 'Bearer',
          expires_in: 1799,
        },
      };
    }
    const b = basic(req);
    const t = bearer(req);
    if (!(
      (b?.user === FakeServiceNow.USER && b.password === FakeServiceNow.PASSWORD) ||
      (t !== undefined && this.tokens.has(t))
    ))
      return this.#error(401, 'User Not Authenticated');
    if (req.path === '/api/now/table/sys_user' && req.method === 'GET')
      return { status: 200, body: { result: [{ sys_id: '6816f79cc0a8016401c5a33be04be441' }] } };
    if (req.path === '/api/now/table/incident' && req.method === 'GET') {
      const m = /^(correlation_id|number)=([\w-]+)$/.exec(req.query.get('sysparm_query') ?? '');
      if (!m) return { status: 200, body: { result: [] } };
      const hits = [...this.incidents.values()].filter((i) =>
        m[1] === 'number' ? i.number === m[2] : i.fields.correlation_id === m[2],
      );
      return {
        status: 200,
        body: { result: hits.slice(0, 1).map((i) => ({ sys_id: i.sys_id, number: i.number })) },
      };
    }
    if (req.path === '/api/now/table/incident' && req.method === 'POST') {
      const f = req.json as Record<string, unknown> | undefined;
      if (!f || typeof f.short_description !== 'string') return this.#error(400, 'Invalid request body');
      const inc = this.#add(f);
      return { status: 201, body: { result: { sys_id: inc.sys_id, number: inc.number } } };
    }
    const m = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(req.path);
    if (m && req.method === 'PATCH') {
      const inc = this.incidents.get(m[1]!);
      if (!inc) return this.#error(404, 'No Record found');
      const f = req.json as { work_notes?: string; state?: string } | undefined;
      if (f?.work_notes) inc.work_notes.push(f.work_notes);
      if (f?.state) inc.fields.state = f.state;
      return { status: 200, body: { result: { sys_id: inc.sys_id, number: inc.number } } };
    }
    return this.#error(400, 'Requested URI does not represent any resource');
  }
}
