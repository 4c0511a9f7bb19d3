// The authorization matrix (issue #9, "Done when"): every route of the OpenAPI document × every
// credential (none, malformed, unknown, expired and revoked keys, admin/analyst/viewer keys, a cookie
// session with and without its CSRF token) gets the outcome its declared permission implies. The
// expected table below is kept by hand: a route in the document that the table lacks fails the test,
// so a new route cannot ship without a rule.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Permission } from '../../src/api/plugins/access.ts';
import { allows, permissionsOf } from '../../src/api/plugins/role-permissions.ts';
import { SqlIdentityStore } from '../../src/adapters/sql/index.ts';
import type { Role } from '../../src/contracts/index.ts';
import { generateApiKey, IdentityService } from '../../src/core/identity/index.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/** method + OpenAPI path → the permission the route must declare. */
const EXPECTED: Record<string, Permission> = {
  'GET /live': 'public',
  'GET /ready': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/incidents': 'incidents:read',
  'POST /api/v1/incidents': 'incidents:write',
  'GET /api/v1/incidents/{id}': 'incidents:read',
  'GET /api/v1/incidents/{id}/transcripts': 'incidents:read',
  'POST /api/v1/incidents/{id}/resolve': 'incidents:decide',
  'POST /api/v1/incidents/{id}/dismiss': 'incidents:decide',
  'POST /api/v1/incidents/{id}/escalate': 'incidents:decide',
  'POST /api/v1/webhooks/{source}': 'webhooks:ingest',
  'GET /api/v1/stream': 'stream:read',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'authenticated',
  'POST /api/v1/auth/logout-all': 'authenticated',
  'GET /api/v1/auth/me': 'authenticated',
  'GET /api/v1/auth/events': 'audit:read',
  'GET /api/v1/users': 'users:manage',
  'POST /api/v1/users': 'users:manage',
  'GET /api/v1/users/{id}': 'users:manage',
  'PATCH /api/v1/users/{id}': 'users:manage',
  'DELETE /api/v1/users/{id}': 'users:manage',
  'GET /api/v1/api-keys': 'api_keys:manage',
  'POST /api/v1/api-keys': 'api_keys:manage',
  'GET /api/v1/api-keys/{id}': 'api_keys:manage',
  'DELETE /api/v1/api-keys/{id}': 'api_keys:manage',
  'GET /api/v1/auth/oidc/config': 'public',
  'GET /api/v1/system/readiness': 'system:read',
  'POST /api/v1/incidents/{id}/retry-triage': 'incidents:decide',
  'POST /api/v1/incidents/retry-failed': 'incidents:decide',
  'GET /api/v1/webhook-sources': 'webhook_sources:manage',
  'POST /api/v1/webhook-sources': 'webhook_sources:manage',
  'GET /api/v1/webhook-sources/{name}': 'webhook_sources:manage',
  'PATCH /api/v1/webhook-sources/{name}': 'webhook_sources:manage',
  'DELETE /api/v1/webhook-sources/{name}': 'webhook_sources:manage',
  'POST /api/v1/webhook-sources/{name}/rotate': 'webhook_sources:manage',
  'POST /api/v1/webhook-sources/{name}/retire': 'webhook_sources:manage',
  'GET /api/v1/playbooks': 'playbooks:read',
  'GET /api/v1/playbooks/{name}': 'playbooks:read',
  'GET /api/v1/playbooks/{name}/versions': 'playbooks:read',
  'POST /api/v1/playbooks/validate': 'playbooks:read',
  'POST /api/v1/playbooks': 'playbooks:manage',
  'PUT /api/v1/playbooks/{name}': 'playbooks:manage',
  'DELETE /api/v1/playbooks/{name}': 'playbooks:manage',
  'POST /api/v1/playbooks/{name}/enable': 'playbooks:manage',
  'POST /api/v1/playbooks/{name}/disable': 'playbooks:manage',
  'POST /api/v1/incidents/{id}/email': 'incidents:write',
  'POST /api/v1/email/analyze': 'incidents:write',
  'GET /api/v1/incidents/{id}/email-analyses': 'incidents:read',
  'GET /api/v1/kill-switch': 'kill_switch:read',
  'POST /api/v1/kill-switch/activate': 'kill_switch:activate',
  'POST /api/v1/kill-switch/deactivate': 'kill_switch:deactivate',
  'GET /api/v1/connectors/kinds': 'connectors:read',
  'GET /api/v1/connectors': 'connectors:read',
  'GET /api/v1/connectors/{name}': 'connectors:read',
  'PUT /api/v1/connectors/{name}': 'connectors:manage',
  'DELETE /api/v1/connectors/{name}': 'connectors:manage',
  'POST /api/v1/connectors/{name}/test': 'connectors:manage',
  // --- case work (docs/CASEWORK.md) ---
  'PUT /api/v1/incidents/{id}/assignee': 'incidents:write',
  'GET /api/v1/incidents/{id}/comments': 'incidents:read',
  'POST /api/v1/incidents/{id}/comments': 'incidents:write',
  'PUT /api/v1/incidents/{id}/tags': 'incidents:write',
  'PATCH /api/v1/incidents/{id}': 'incidents:write',
  'POST /api/v1/incidents/{id}/status': 'incidents:decide',
  'POST /api/v1/incidents/{id}/reopen': 'incidents:decide',
  'POST /api/v1/incidents/bulk': 'incidents:decide',
  'GET /api/v1/incidents/{id}/related': 'incidents:read',
  'GET /api/v1/incidents/export': 'incidents:read',
  'GET /api/v1/views': 'incidents:read',
  'POST /api/v1/views': 'incidents:read',
  'PUT /api/v1/views/{id}': 'incidents:read',
  'DELETE /api/v1/views/{id}': 'incidents:read',
  'GET /api/v1/policies': 'policies:read',
  'GET /api/v1/policies/versions': 'policies:read',
  'GET /api/v1/policies/versions/{version}': 'policies:read',
  'PUT /api/v1/policies': 'policies:manage',
  'POST /api/v1/policies/activate': 'policies:manage',
  'POST /api/v1/policies/evaluate': 'policies:read',
  'GET /api/v1/audit': 'audit:read',
  'GET /api/v1/audit/export': 'audit:read',
  'GET /api/v1/audit/verify': 'audit:read',
  'POST /api/v1/incidents/{id}/actions': 'actions:request',
  'GET /api/v1/incidents/{id}/actions': 'actions:read',
  'GET /api/v1/actions': 'actions:read',
  'GET /api/v1/actions/{id}': 'actions:read',
  'GET /api/v1/approvals': 'actions:read',
  'POST /api/v1/approvals/{id}/approve': 'approvals:decide',
  'POST /api/v1/approvals/{id}/deny': 'approvals:decide',
  'GET /api/v1/stats/overview': 'incidents:read',
  // --- cluster registry (docs/DASHBOARD.md "Cluster") ---
  'GET /api/v1/cluster': 'system:read',
};

/** Path parameters that match each route's schema but name nothing (404/400 after the access check). */
const PARAMS: Record<string, string> = { id: randomUUID(), source: 'crowdstrike' };
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The access check's refusals; a route's own answers (404, 400, INVALID_SIGNATURE…) mean it let the call through. */
const REFUSED = ['UNAUTHORIZED', 'FORBIDDEN'];
const codeOf = (res: { body: string }): string | undefined => {
  try {
    return (JSON.parse(res.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
};

let rt: Runtime;
let identity: IdentityService;
let sessionUserId: string;
const keys: Record<string, string> = {};
let routes: { method: string; path: string; url: string }[] = [];

function documentedRoutes(): { method: string; path: string; url: string }[] {
  const doc = rt.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => ({
        method: m.toUpperCase(),
        path,
        url: path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? 'x'),
      })),
  );
}

async function call(route: { method: string; url: string }, headers: Record<string, string>) {
  const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
  return rt.app.inject({
    method: route.method as 'GET',
    url: route.url,
    headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
}

/** A fresh session per check: logout routes end the session they are called with. */
async function session(): Promise<{ cookie: string; csrf: string }> {
  const s = await identity.startSession(sessionUserId, { ip: '127.0.0.1' });
  return { cookie: `tw_session=${s.token}`, csrf: s.csrfToken };
}

beforeAll(async () => {
  rt = await startRuntime(testConfig(), { listen: true });
  // A second service on the same database and bus: sessions and keys live in the database, so the
  // runtime's access check sees them (as another replica would).
  const store = new SqlIdentityStore(rt.database);
  identity = new IdentityService({
    store,
    bus: rt.transports.bus,
    counters: rt.transports.counters,
    log: SILENT_LOGGER,
    settings: {
      sessionIdleMs: 1_800_000,
      sessionMaxAgeMs: 43_200_000,
      loginMaxFailuresPerUser: 5,
      loginMaxFailuresPerIp: 20,
      loginWindowMs: 900_000,
      scrypt: { N: 1024, r: 8, p: 1 },
    },
  });
  const admin = { actor: 'test', ip: null, role: 'admin' as const };
  for (const role of ['admin', 'analyst', 'viewer'] as const)
    keys[role] = (await identity.keys.create({ name: `matrix-${role}`, role }, admin)).key;
  const revoked = await identity.keys.create({ name: 'matrix-revoked', role: 'admin' }, admin);
  await identity.keys.revoke(revoked.record.id, admin);
  keys.revoked = revoked.key;
  const expired = generateApiKey();
  await store.createApiKey({
    id: randomUUID(),
    prefix: expired.prefix,
    key_hash: expired.hash,
    name: 'matrix-expired',
    role: 'admin',
    scopes: null,
    created_by: 'test',
    expires_at: new Date(Date.now() - 60_000),
  });
  keys.expired = expired.key;
  keys.unknown = generateApiKey().key;
  sessionUserId = (await identity.users.create({ username: 'matrix-admin', role: 'admin' }, admin)).id;
  routes = documentedRoutes();
});
afterAll(async () => {
  await rt?.stop();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('authorization matrix (from the OpenAPI document)', () => {
  it('every documented route has a rule in the table, and every rule a route', () => {
    const documented = routes.map((r) => `${r.method} ${r.path}`);
    expect(documented.filter((r) => !(r in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((r) => !documented.includes(r))).toEqual([]);
  });

  const inject = (r: { method: string; path: string }) => !r.path.endsWith('/stream');

  it('no credential: 401 with WWW-Authenticate, except public routes and the signed webhook', async () => {
    for (const r of routes.filter(inject)) {
      const perm = EXPECTED[`${r.method} ${r.path}`]!;
      const res = await call(r, {});
      const what = `${r.method} ${r.path} → ${res.statusCode}`;
      if (perm === 'public') expect(REFUSED, what).not.toContain(codeOf(res));
      else if (perm === 'webhooks:ingest') expect(res.json().code, what).toBe('INVALID_SIGNATURE');
      else {
        expect(res.statusCode, what).toBe(401);
        expect(res.json().code, what).toBe('UNAUTHORIZED');
        expect(res.headers['www-authenticate'], what).toBe('Bearer');
      }
    }
  });

  it('malformed, unknown, expired and revoked keys: the same 401 on every non-public route', async () => {
    const variants = {
      malformed: { authorization: 'Bearer not-a-key' },
      truncated: { authorization: `Bearer ${keys.admin!.slice(0, -10)}` },
      unknown: bearer(keys.unknown!),
      expired: bearer(keys.expired!),
      revoked: bearer(keys.revoked!),
    };
    const messages = new Set<string>();
    for (const r of routes.filter(inject)) {
      const perm = EXPECTED[`${r.method} ${r.path}`]!;
      for (const [name, headers] of Object.entries(variants)) {
        const res = await call(r, headers);
        const what = `${name}: ${r.method} ${r.path} → ${res.statusCode}`;
        if (perm === 'public') {
          expect(REFUSED, what).not.toContain(codeOf(res));
          continue;
        }
        expect(res.statusCode, what).toBe(401);
        expect(res.json().code, what).toBe('UNAUTHORIZED');
        messages.add(res.json().message);
      }
    }
    expect(messages.size).toBe(1);
  });

  it('role keys: allowed routes pass the check, the others are 403', async () => {
    for (const role of ['admin', 'analyst', 'viewer'] as Role[]) {
      const perms = permissionsOf(role);
      for (const r of routes.filter(inject)) {
        const perm = EXPECTED[`${r.method} ${r.path}`]!;
        const res = await call(r, bearer(keys[role]!));
        const what = `${role}: ${r.method} ${r.path} → ${res.statusCode} ${res.body.slice(0, 120)}`;
        if (perm === 'public' || allows(perms, perm)) expect(REFUSED, what).not.toContain(codeOf(res));
        else {
          expect(res.statusCode, what).toBe(403);
          expect(res.json().code, what).toBe('FORBIDDEN');
        }
      }
    }
  });

  it('a cookie session: reads pass; writes need the X-CSRF-Token', async () => {
    for (const r of routes.filter(inject)) {
      const perm = EXPECTED[`${r.method} ${r.path}`]!;
      if (perm === 'public') continue;
      const without = await session();
      const bare = await call(r, { cookie: without.cookie });
      const what = `${r.method} ${r.path}`;
      if (SAFE.has(r.method)) expect(REFUSED, `${what} → ${bare.statusCode}`).not.toContain(codeOf(bare));
      else {
        expect(bare.statusCode, `${what} without CSRF`).toBe(403);
        expect(bare.json().code).toBe('FORBIDDEN');
      }
      const withToken = await session();
      const res = await call(r, { cookie: withToken.cookie, 'x-csrf-token': withToken.csrf });
      expect(REFUSED, `${what} with CSRF → ${res.statusCode} ${res.body.slice(0, 120)}`).not.toContain(
        codeOf(res),
      );
    }
  });

  it('the WebSocket upgrade is refused without a valid credential and accepted with one', async () => {
    const url = `${rt.url!.replace(/^http/, 'ws')}/api/v1/stream`;
    const open = (headers: Record<string, string>) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', () => resolve(0));
      });
    expect(await open({})).toBe(401);
    expect(await open(bearer(keys.unknown!))).toBe(401);
    expect(await open(bearer(keys.revoked!))).toBe(401);
    expect(await open(bearer(keys.viewer!))).toBe('open');
    expect(await open(asAdmin())).toBe('open');
    expect(await open({ cookie: (await session()).cookie })).toBe('open');
  });

  it('the server closes the socket of a refused upgrade (it is not left open)', async () => {
    const { port } = new URL(rt.url!);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          'GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      socket.on('data', (d) => (text += d.toString()));
      // We never close our side: only the server can end this.
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
  });
});
