import { FakeVendor } from './fake-vendor.ts';
import { microsoftLogin, msError, odataEq } from './microsoft.ts';

interface GraphUser {
  upn: string;
  accountEnabled: boolean;
  revoked: number;
  methods: { id: string; '@odata.type': string }[];
  /** Messages by id: internetMessageId and folder. */
  messages: Map<string, { internetMessageId: string; folder: string }>;
  rules: Map<string, Record<string, unknown>>;
}

/**
 * A loopback Microsoft Graph v1.0 (with its Entra token endpoint on the same origin) holding users,
 * their authentication methods, mailbox messages and inbox rules: `PATCH /v1.0/users/{upn}`,
 * `POST …/revokeSignInSessions`, `GET …/authentication/methods` and `DELETE …/authentication/<kind>/{id}`,
 * `GET …/messages?$filter=internetMessageId eq '…'`, `POST …/messages/{id}/move` (a moved message
 * gets a new id, as in Exchange), and `…/mailFolders/inbox/messageRules` (GET, POST, DELETE).
 */
export function fakeGraph(options: {
  tenant: string;
  clientId: string;
  clientSecret: string;
  users: string[];
}) {
  const login = microsoftLogin({ ...options, scope: 'https://graph.microsoft.com/.default' });
  let seq = 0;
  const users = new Map<string, GraphUser>(
    options.users.map((upn) => [
      upn.toLowerCase(),
      {
        upn,
        accountEnabled: true,
        revoked: 0,
        methods: [
          { id: 'pw', '@odata.type': '#microsoft.graph.passwordAuthenticationMethod' },
          { id: `ph-${upn}`, '@odata.type': '#microsoft.graph.phoneAuthenticationMethod' },
          { id: `ma-${upn}`, '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod' },
        ],
        messages: new Map(),
        rules: new Map(),
      },
    ]),
  );
  const server = new FakeVendor((r) => {
    const token = login.handle(r);
    if (token) return token;
    if (!login.tokens.authorised(r))
      return msError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    if (r.method === 'GET' && r.path === '/v1.0/users')
      return { status: 200, body: { value: [{ id: 'u1' }] } };
    const m = /^\/v1\.0\/users\/([^/]+)(\/.*)?$/.exec(r.path);
    const user = m ? users.get(m[1]!.toLowerCase()) : undefined;
    if (!user) return msError(404, 'Request_ResourceNotFound', 'Resource does not exist');
    const sub = m![2] ?? '';
    if (r.method === 'PATCH' && sub === '') {
      const body = r.json as { accountEnabled?: unknown };
      if (typeof body?.accountEnabled !== 'boolean') return msError(400, 'Request_BadRequest', 'bad body');
      user.accountEnabled = body.accountEnabled;
      return { status: 204 };
    }
    if (r.method === 'POST' && sub === '/revokeSignInSessions') {
      user.revoked++;
      return { status: 200, body: { '@odata.context': 'Edm.Boolean', value: true } };
    }
    if (r.method === 'GET' && sub === '/authentication/methods')
      return { status: 200, body: { value: user.methods } };
    const del = /^\/authentication\/(\w+Methods)\/([^/]+)$/.exec(sub);
    if (r.method === 'DELETE' && del) {
      const i = user.methods.findIndex((x) => x.id === del[2]);
      if (i < 0) return msError(404, 'itemNotFound', 'method not found');
      user.methods.splice(i, 1);
      return { status: 204 };
    }
    if (r.method === 'GET' && sub === '/messages') {
      const id = odataEq(r.query.get('$filter'), 'internetMessageId');
      const value = [...user.messages.entries()]
        .filter(([, v]) => v.internetMessageId === id)
        .map(([mid, v]) => ({ id: mid, parentFolderId: v.folder }));
      return { status: 200, body: { value } };
    }
    const mv = /^\/messages\/([^/]+)\/move$/.exec(sub);
    if (r.method === 'POST' && mv) {
      const msg = user.messages.get(mv[1]!);
      const dest = (r.json as { destinationId?: string })?.destinationId;
      if (!msg) return msError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (!dest) return msError(400, 'ErrorInvalidIdMalformed', 'destinationId');
      user.messages.delete(mv[1]!);
      const newId = `msg-${++seq}`;
      user.messages.set(newId, { internetMessageId: msg.internetMessageId, folder: dest });
      return { status: 201, body: { id: newId, parentFolderId: dest } };
    }
    if (sub === '/mailFolders/inbox' && r.method === 'GET') return { status: 200, body: { id: 'inbox-id' } };
    if (sub === '/mailFolders/inbox/messageRules') {
      if (r.method === 'GET')
        return { status: 200, body: { value: [...user.rules.entries()].map(([id, v]) => ({ id, ...v })) } };
      if (r.method === 'POST') {
        const id = `rule-${++seq}`;
        user.rules.set(id, r.json as Record<string, unknown>);
        return { status: 201, body: { id, ...(r.json as object) } };
      }
    }
    const rule = /^\/mailFolders\/inbox\/messageRules\/([^/]+)$/.exec(sub);
    if (rule && r.method === 'DELETE')
      return user.rules.delete(rule[1]!) ? { status: 204 } : msError(404, 'ErrorItemNotFound', 'rule');
    return msError(400, 'BadRequest', 'unsupported');
  });
  /** Delivers a message into a mailbox's inbox; returns its id. */
  const deliver = (upn: string, internetMessageId: string) => {
    const id = `msg-${++seq}`;
    users.get(upn.toLowerCase())!.messages.set(id, { internetMessageId, folder: 'inbox' });
    return id;
  };
  return { server, tokens: login.tokens, users, deliver };
}
