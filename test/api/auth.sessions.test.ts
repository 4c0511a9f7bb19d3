import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/** Users, password login, sessions with CSRF, lockout and authentication events on a real runtime. */

const INCIDENT = { incident_type: 'malware', source: 'body-claim', severity: 'high', title: 'Session test' };
const PASSWORD = 'alice-password-0123';

describe('users, sessions and CSRF', () => {
  let rt: Runtime;
  let aliceId: string;

  const inject = (opts: InjectOptions) => rt.app.inject(opts);
  async function login(username: string, password: string, headers: Record<string, string> = {}) {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password },
      headers,
    });
    const cookie = String(res.headers['set-cookie'] ?? '');
    const token = /tw_session=([^;]+)/.exec(cookie)?.[1];
    return {
      res,
      cookie,
      session: token ? `tw_session=${token}` : '',
      csrf: res.statusCode === 200 ? (res.json().csrf_token as string) : '',
    };
  }

  beforeAll(async () => {
    rt = await startRuntime(
      testConfig({
        server: { trust_proxy: true },
        auth: { login_max_failures_per_user: 3, login_max_failures_per_ip: 50 },
      }),
    );
    const res = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asAdmin(),
      payload: { username: 'alice', password: PASSWORD, role: 'analyst', approval_level: 'senior' },
    });
    expect(res.statusCode).toBe(201);
    aliceId = res.json().id;
  });
  afterAll(async () => {
    await rt.stop();
  });

  it('user CRUD never returns a password hash; a weak password or a taken name is refused', async () => {
    const list = await inject({ method: 'GET', url: '/api/v1/users', headers: asAdmin() });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toMatch(/scrypt|password_hash/);
    expect(list.json().data.find((u: { id: string }) => u.id === aliceId)).toMatchObject({
      username: 'alice',
      role: 'analyst',
      approval_level: 'senior',
      has_password: true,
    });
    const weak = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asAdmin(),
      payload: { username: 'bob', password: 'short', role: 'viewer' },
    });
    expect(weak.statusCode).toBe(400);
    const taken = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asAdmin(),
      payload: { username: 'ALICE', password: PASSWORD, role: 'viewer' },
    });
    expect(taken.statusCode).toBe(409);
    const missing = await inject({
      method: 'GET',
      url: '/api/v1/users/00000000-0000-4000-8000-000000000000',
      headers: asAdmin(),
    });
    expect(missing.statusCode).toBe(404);
  });

  it('login sets an HttpOnly SameSite=Lax cookie (Secure behind a TLS proxy) and returns the CSRF token', async () => {
    const plain = await login('alice', PASSWORD);
    expect(plain.res.statusCode).toBe(200);
    expect(plain.cookie).toMatch(/HttpOnly/);
    expect(plain.cookie).toMatch(/SameSite=Lax/);
    expect(plain.cookie).toMatch(/Path=\//);
    expect(plain.cookie).not.toMatch(/Secure/);
    expect(plain.res.json().user.username).toBe('alice');
    const tls = await login('alice', PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(tls.cookie).toMatch(/Secure/);

    const me = await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: plain.session } });
    expect(me.json()).toMatchObject({
      kind: 'user',
      id: 'alice',
      role: 'analyst',
      approval_level: 'senior',
      csrf_token: plain.csrf,
    });
    expect(me.json().permissions).toContain('incidents:decide');
    expect(me.json().permissions).not.toContain('users:manage');
  });

  it('a wrong password and an unknown user get the same 401', async () => {
    const wrong = await login('alice', 'not-the-password');
    const unknown = await login('nobody-here', 'not-the-password');
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.res.statusCode).toBe(401);
    expect(wrong.res.json().message).toBe(unknown.res.json().message);
    // A success clears alice's failure count, so the lockout test below starts from zero.
    expect((await login('alice', PASSWORD)).res.statusCode).toBe(200);
  });

  it('cookie writes need the X-CSRF-Token; the incident source is the user', async () => {
    const { session, csrf } = await login('alice', PASSWORD);
    const none = await inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { cookie: session },
      payload: INCIDENT,
    });
    expect(none.statusCode).toBe(403);
    const wrong = await inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { cookie: session, 'x-csrf-token': csrf.slice(0, -2) + 'xx' },
      payload: INCIDENT,
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { cookie: session, 'x-csrf-token': csrf },
      payload: INCIDENT,
    });
    expect(ok.statusCode).toBe(202);
    const detail = await inject({
      method: 'GET',
      url: `/api/v1/incidents/${ok.json().incident_id}`,
      headers: { cookie: session },
    });
    expect(detail.json().source).toBe('user:alice');
    // A session cookie that was never issued is a 401, like an unknown key.
    const forged = await inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `tw_session=${'A'.repeat(43)}` },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('logout ends this session; logout-all ends every session of the user', async () => {
    const a = await login('alice', PASSWORD);
    const b = await login('alice', PASSWORD);
    const c = await login('alice', PASSWORD);
    const out = await inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: a.session, 'x-csrf-token': a.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(
      (await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: a.session } })).statusCode,
    ).toBe(401);
    expect(
      (await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: b.session } })).statusCode,
    ).toBe(200);
    const all = await inject({
      method: 'POST',
      url: '/api/v1/auth/logout-all',
      headers: { cookie: b.session, 'x-csrf-token': b.csrf },
    });
    expect(all.statusCode).toBe(200);
    expect(all.json().sessions_ended).toBeGreaterThanOrEqual(2);
    for (const s of [b, c])
      expect(
        (await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: s.session } })).statusCode,
      ).toBe(401);
  });

  it('a role change applies at once to live sessions; disabling a user ends them', async () => {
    const s = await login('alice', PASSWORD);
    const demote = await inject({
      method: 'PATCH',
      url: `/api/v1/users/${aliceId}`,
      headers: asAdmin(),
      payload: { role: 'viewer' },
    });
    expect(demote.statusCode).toBe(200);
    const write = await inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { cookie: s.session, 'x-csrf-token': s.csrf },
      payload: INCIDENT,
    });
    expect(write.statusCode).toBe(403);
    await inject({
      method: 'PATCH',
      url: `/api/v1/users/${aliceId}`,
      headers: asAdmin(),
      payload: { disabled: true },
    });
    expect(
      (await inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: s.session } })).statusCode,
    ).toBe(401);
    expect((await login('alice', PASSWORD)).res.statusCode).toBe(401);
    await inject({
      method: 'PATCH',
      url: `/api/v1/users/${aliceId}`,
      headers: asAdmin(),
      payload: { disabled: false, role: 'analyst' },
    });
    expect((await login('alice', PASSWORD)).res.statusCode).toBe(200);
  });

  it('locks a username after repeated failures: 429 with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 3; i++)
      expect((await login('alice', `wrong-password-${i}`)).res.statusCode).toBe(401);
    const locked = await login('alice', PASSWORD);
    expect(locked.res.statusCode).toBe(429);
    expect(locked.res.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(locked.res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('records authentication events with actor, time and IP, queryable by admins only', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/auth/events?limit=500', headers: asAdmin() });
    expect(res.statusCode).toBe(200);
    const events = res.json().data as {
      type: string;
      actor: string;
      ip: string | null;
      created_at: string;
    }[];
    const types = new Set(events.map((e) => e.type));
    for (const t of [
      'user_created',
      'login_succeeded',
      'login_failed',
      'login_lockout',
      'logout',
      'logout_all',
      'user_role_changed',
      'user_disabled',
    ])
      expect(types, t).toContain(t);
    const lockout = events.find((e) => e.type === 'login_lockout')!;
    expect(lockout.actor).toBe('user:alice');
    expect(lockout.ip).toBe('127.0.0.1');
    expect(Date.parse(lockout.created_at)).not.toBeNaN();

    const failed = await inject({
      method: 'GET',
      url: '/api/v1/auth/events?type=login_failed&limit=2',
      headers: asAdmin(),
    });
    expect(failed.json().data.every((e: { type: string }) => e.type === 'login_failed')).toBe(true);
    const cursor = failed.json().next_cursor as string;
    expect(cursor).toMatch(/^\d+$/);
    const next = await inject({
      method: 'GET',
      url: `/api/v1/auth/events?type=login_failed&limit=2&cursor=${cursor}`,
      headers: asAdmin(),
    });
    const firstIds = failed.json().data.map((e: { id: string }) => e.id);
    for (const e of next.json().data) expect(firstIds).not.toContain(e.id);

    const key = (
      await inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: asAdmin(),
        payload: { name: 'ro', role: 'analyst' },
      })
    ).json().key;
    const denied = await inject({
      method: 'GET',
      url: '/api/v1/auth/events',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(denied.statusCode).toBe(403);
    const bad = await inject({
      method: 'GET',
      url: '/api/v1/auth/events?since=yesterday',
      headers: asAdmin(),
    });
    expect(bad.statusCode).toBe(400);
  });
});
