import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import Provider from 'oidc-provider';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SsoWiring } from '../../src/api/routes/oidc.routes.ts';
import type { Role } from '../../src/contracts/index.ts';
import type { SsoUser, SsoUserSink, StartedSession } from '../../src/core/identity/sso.port.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { freePort } from '../helpers/harness.ts';
import { testConfig } from '../helpers/runtime.ts';

/**
 * Single sign-on end to end: a real OpenID Connect provider (`oidc-provider`) on loopback, our
 * runtime listening on loopback, and a "browser" made of fetch + a cookie jar that follows every
 * redirect and fills in the provider's login and consent forms. Nothing is faked but the identity
 * store, which belongs to the identity work and is swapped in at merge.
 */

const CLIENT_ID = 'triage-warden';
const CLIENT_SECRET = 'oidc-test-client-secret-0123456789abcdef';
const EVIL = 'evil<script>marker-5f3a';

/** Accounts the provider knows, with the groups it asserts for them. */
const ACCOUNTS: Record<string, { email: string; name: string; groups: string[] }> = {
  alice: { email: 'alice@example.test', name: 'Alice Analyst', groups: ['soc-analysts', 'all-staff'] },
  mallory: { email: 'mallory@example.test', name: 'Mallory Marketing', groups: ['marketing'] },
  dave: { email: 'dave@example.test', name: 'Dave Disabled', groups: ['soc-admins'] },
};

/** A minimal in-memory identity store (test only; the real one comes from the identity work). */
class MemorySsoUsers implements SsoUserSink {
  readonly upserts: Parameters<SsoUserSink['upsertSsoUser']>[0][] = [];
  readonly sessions: { userId: string; ip: string; userAgent?: string }[] = [];
  readonly #users = new Map<string, SsoUser>();

  async upsertSsoUser(input: Parameters<SsoUserSink['upsertSsoUser']>[0]): Promise<SsoUser> {
    this.upserts.push(input);
    const key = `${input.issuer}|${input.subject}`;
    const user = this.#users.get(key) ?? {
      id: randomUUID(),
      role: input.role,
      approval_level: 'analyst' as const,
      // An administrator disabled dave in Triage Warden; the provider still lets him in.
      disabled: input.subject === 'dave',
    };
    user.role = input.role;
    this.#users.set(key, user);
    return user;
  }

  async startSession(userId: string, meta: { ip: string; userAgent?: string }): Promise<StartedSession> {
    this.sessions.push({ userId, ...meta });
    return {
      token: `sess-${randomUUID()}`,
      csrfToken: randomUUID(),
      expiresAt: new Date(Date.now() + 3_600_000),
    };
  }
}

/** Cookies by name for one "browser" (both servers are on 127.0.0.1; names do not collide). */
class CookieJar {
  readonly cookies = new Map<string, string>();
  readonly lastSetCookie = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      this.lastSetCookie.set(name, line);
      const expired = /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, {
    redirect: 'manual',
    ...init,
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header(), 'user-agent': 'oidc-test' },
  });
  jar.store(res);
  return res;
}

interface Harness {
  idpUrl: string;
  appUrl: string;
  callbackUrl: string;
}

/**
 * Starts an SSO login at our app and plays the browser through the provider (login form, consent
 * form) until the provider redirects to our callback; returns that callback URL without calling it.
 * `abort` cancels at the provider's login page instead (the provider answers `error=access_denied`).
 */
async function authorize(
  h: Harness,
  jar: CookieJar,
  account: string,
  options: { abort?: boolean; loginUrl?: string } = {},
): Promise<string> {
  const start = await browse(jar, options.loginUrl ?? `${h.appUrl}/api/v1/auth/oidc/login`);
  expect(start.status).toBe(302);
  let url = new URL(start.headers.get('location')!).href;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(h.callbackUrl)) return url;
    const res = await browse(jar, url);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const interaction = /\/interaction\/([^/?#]+)$/.exec(new URL(url).pathname);
    expect(res.status, `unexpected page ${new URL(url).pathname}`).toBe(200);
    expect(interaction).not.toBeNull();
    const prompt = /name="prompt" value="(\w+)"/.exec(await res.text())?.[1];
    if (options.abort) {
      url = `${h.idpUrl}/interaction/${interaction![1]}/abort`;
      continue;
    }
    const form: Record<string, string> =
      prompt === 'login' ? { prompt: 'login', login: account, password: 'any' } : { prompt: 'consent' };
    const posted = await browse(jar, url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    expect(posted.status).toBeGreaterThanOrEqual(300);
    url = new URL(posted.headers.get('location')!, url).href;
  }
  throw new Error('the provider never redirected to the callback');
}

describe('single sign-on with OpenID Connect (oidc-provider on loopback)', () => {
  const users = new MemorySsoUsers();
  const logLines: string[] = [];
  let idpServer: Server | undefined;
  let appA: Runtime;
  let appB: Runtime;
  /** A runtime with the real wiring: users and sessions in its identity store (no test sink). */
  let appReal: Runtime;
  let hReal: Harness;
  let h: Harness;
  let replicaUrl: string;

  const sso: SsoWiring = {
    users,
    setSessionCookie: (reply, session, secure) => {
      reply.setCookie('tw_session', session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure });
    },
  };

  beforeAll(async () => {
    const [idpPort, appPort, replicaPort, realPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const idpUrl = `http://127.0.0.1:${idpPort}`;
    const appUrl = `http://127.0.0.1:${appPort}`;
    h = { idpUrl, appUrl, callbackUrl: `${appUrl}/api/v1/auth/oidc/callback` };
    replicaUrl = `http://127.0.0.1:${replicaPort}`;
    const realUrl = `http://127.0.0.1:${realPort}`;
    hReal = { idpUrl, appUrl: realUrl, callbackUrl: `${realUrl}/api/v1/auth/oidc/callback` };
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    const oidc = {
      enabled: true,
      issuer_url: idpUrl,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      // Both replicas sit behind one public URL (the load balancer's); here, replica A's.
      redirect_url: h.callbackUrl,
      role_mapping: { 'soc-admins': 'admin', 'soc-analysts': 'analyst', 'soc-viewers': 'viewer' },
      default_role: 'deny',
      post_login_path: '/dashboard/',
      timeout: '3s',
    };
    // The provider is NOT started yet: the first test sees it down.
    appA = await createRuntime(testConfig({ server: { port: appPort }, auth: { oidc } }), 'all', log, {
      sso,
    });
    await appA.start();
    appB = await createRuntime(testConfig({ server: { port: replicaPort }, auth: { oidc } }), 'api', log, {
      sso,
    });
    await appB.start();
    appReal = await createRuntime(
      testConfig({
        server: { port: realPort },
        auth: { oidc: { ...oidc, redirect_url: hReal.callbackUrl } },
      }),
      'all',
      log,
    );
    await appReal.start();
    // Two embedded runtimes (PGlite each) on a shared two-core machine: start-up can take a while.
  }, 180_000);

  afterAll(async () => {
    await appA?.stop();
    await appB?.stop();
    await appReal?.stop();
    await new Promise((r) => (idpServer ? idpServer.close(r) : r(undefined)));
  });

  async function startProvider(): Promise<void> {
    const provider = new Provider(h.idpUrl, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [h.callbackUrl, hReal.callbackUrl],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      pkce: { required: () => true },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name'],
        groups: ['groups'],
      },
      findAccount: async (_ctx, id) => {
        const account = ACCOUNTS[id];
        if (!account) return undefined;
        return {
          accountId: id,
          claims: async () => ({ sub: id, email_verified: true, ...account }),
        };
      },
      cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
      features: { devInteractions: { enabled: true } },
      ttl: {
        Interaction: 600,
        Session: 600,
        Grant: 600,
        AccessToken: 600,
        IdToken: 600,
        AuthorizationCode: 60,
      },
    });
    idpServer = createServer(provider.callback());
    const port = Number(new URL(h.idpUrl).port);
    await new Promise<void>((r) => idpServer!.listen(port, '127.0.0.1', r));
  }

  it('answers 503 SERVICE_UNAVAILABLE at login while the provider is down, then works once it is up', async () => {
    const res = await fetch(`${h.appUrl}/api/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('SERVICE_UNAVAILABLE');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('tw_oidc_state='))).toBe(false);
    expect(logLines.some((l) => l.includes('oidc: discovery failed') && l.includes('ECONNREFUSED'))).toBe(
      true,
    );

    await startProvider();
    const again = await fetch(`${h.appUrl}/api/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(again.status).toBe(302);
    const location = new URL(again.headers.get('location')!);
    expect(location.origin).toBe(h.idpUrl);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('redirect_uri')).toBe(h.callbackUrl);
    const stateCookie = again.headers.getSetCookie().find((c) => c.startsWith('tw_oidc_state='))!;
    expect(stateCookie).toMatch(/HttpOnly/i);
    expect(stateCookie).toMatch(/SameSite=Lax/i);
    expect(stateCookie).toMatch(/Path=\/api/);
    expect(stateCookie).toMatch(/Max-Age=600/);
    // The PKCE verifier is not readable in the cookie.
    expect(stateCookie).not.toContain(location.searchParams.get('state')!);
  });

  it('tells the dashboard that SSO is on', async () => {
    const res = await fetch(`${h.appUrl}/api/v1/auth/oidc/config`, { headers: asAdmin() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled: true, login_url: '/api/v1/auth/oidc/login' });
    const spec = (await (await fetch(`${h.appUrl}/api/v1/openapi.json`, { headers: asAdmin() })).json()) as {
      paths: Record<string, { get?: { tags?: string[]; responses?: Record<string, unknown> } }>;
    };
    for (const path of [
      '/api/v1/auth/oidc/login',
      '/api/v1/auth/oidc/callback',
      '/api/v1/auth/oidc/config',
    ]) {
      expect(spec.paths[path]?.get?.tags, path).toEqual(['auth']);
    }
    expect(Object.keys(spec.paths['/api/v1/auth/oidc/callback']!.get!.responses!)).toEqual(
      expect.arrayContaining(['302', '400', '401', '403', '503']),
    );
  });

  it('logs a user in end to end: groups → analyst, user upserted, session cookie set, redirect to the dashboard', async () => {
    const jar = new CookieJar();
    const callback = await authorize(h, jar, 'alice');
    const before = users.upserts.length;
    const stateCookie = jar.cookies.get('tw_oidc_state')!;
    const res = await browse(jar, callback);
    expect(res.status, await res.clone().text()).toBe(302);
    expect(res.headers.get('location')).toBe('/dashboard/');
    expect(jar.cookies.get('tw_session')).toMatch(/^sess-/);
    expect(jar.lastSetCookie.get('tw_session')).toMatch(/HttpOnly/i);
    expect(jar.cookies.has('tw_oidc_state')).toBe(false);

    expect(users.upserts.length).toBe(before + 1);
    expect(users.upserts.at(-1)).toEqual({
      issuer: h.idpUrl,
      subject: 'alice',
      email: 'alice@example.test',
      name: 'Alice Analyst',
      role: 'analyst' satisfies Role,
      ip: '127.0.0.1',
    });
    expect(users.sessions.at(-1)).toMatchObject({ ip: '127.0.0.1', userAgent: 'oidc-test' });

    // The same callback again, even with the old state cookie: the code is spent.
    jar.cookies.set('tw_oidc_state', stateCookie);
    const replay = await browse(jar, callback);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'invalid_grant' } });
    expect(users.upserts.length).toBe(before + 1);
  });

  it('with the real identity store: the SSO user is created with its mapped role and its session passes the access check', async () => {
    const jar = new CookieJar();
    const res = await browse(jar, await authorize(hReal, jar, 'alice'));
    expect(res.status, await res.clone().text()).toBe(302);
    const session = jar.cookies.get('tw_session');
    expect(session).toBeTruthy();
    const me = await fetch(`${hReal.appUrl}/api/v1/auth/me`, {
      headers: { cookie: `tw_session=${session}` },
    });
    expect(me.status, await me.clone().text()).toBe(200);
    expect(JSON.stringify(await me.json())).toContain('"analyst"');
    // An analyst reads incidents but may not manage users.
    const list = await fetch(`${hReal.appUrl}/api/v1/incidents`, {
      headers: { cookie: `tw_session=${session}` },
    });
    expect(list.status).toBe(200);
    const users = await fetch(`${hReal.appUrl}/api/v1/users`, {
      headers: { cookie: `tw_session=${session}` },
    });
    expect(users.status).toBe(403);
    const listed = await fetch(`${hReal.appUrl}/api/v1/users`, { headers: asAdmin() });
    expect(JSON.stringify(await listed.json())).toContain('alice@example.test');
  });

  it('finishes on another replica than the one that started the login (state lives in the cookie)', async () => {
    const jar = new CookieJar();
    const callback = new URL(await authorize(h, jar, 'alice'));
    const before = users.sessions.length;
    const res = await browse(jar, `${replicaUrl}${callback.pathname}${callback.search}`);
    expect(res.status).toBe(302);
    expect(jar.cookies.get('tw_session')).toMatch(/^sess-/);
    expect(users.sessions.length).toBe(before + 1);
  });

  it('refuses a tampered state with 401 UNAUTHORIZED and starts no session', async () => {
    const jar = new CookieJar();
    const callback = new URL(await authorize(h, jar, 'alice'));
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const before = users.upserts.length;
    const res = await browse(jar, callback.href);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('UNAUTHORIZED');
    expect(jar.cookies.has('tw_session')).toBe(false);
    expect(users.upserts.length).toBe(before);
  });

  it('refuses a callback without the state cookie, or with a forged one, with 400 BAD_REQUEST', async () => {
    const jar = new CookieJar();
    const callback = await authorize(h, jar, 'alice');
    const good = jar.cookies.get('tw_oidc_state')!;
    jar.cookies.delete('tw_oidc_state');
    const missing = await browse(jar, callback);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { code: string }).code).toBe('BAD_REQUEST');

    const flipped = `${good.slice(0, 20)}${good[20] === 'A' ? 'B' : 'A'}${good.slice(21)}`;
    jar.cookies.set('tw_oidc_state', flipped);
    const forged = await browse(jar, callback);
    expect(forged.status).toBe(400);
    expect(jar.cookies.has('tw_session')).toBe(false);
  });

  it('turns the provider answering error=access_denied into 401 UNAUTHORIZED', async () => {
    const jar = new CookieJar();
    const callback = new URL(await authorize(h, jar, 'alice', { abort: true }));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const res = await browse(jar, callback.href);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'access_denied' } });
    expect(jar.cookies.has('tw_session')).toBe(false);
  });

  it('refuses a user whose groups map to no role with 403 FORBIDDEN when default_role is deny', async () => {
    const jar = new CookieJar();
    const callback = await authorize(h, jar, 'mallory');
    const before = users.upserts.length;
    const res = await browse(jar, callback);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
    expect(users.upserts.length).toBe(before);
    expect(jar.cookies.has('tw_session')).toBe(false);
  });

  it('refuses a user disabled in Triage Warden with 403 FORBIDDEN, whatever the provider says', async () => {
    const jar = new CookieJar();
    const before = users.sessions.length;
    const res = await browse(jar, await authorize(h, jar, 'dave'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
    expect(users.upserts.at(-1)).toMatchObject({ subject: 'dave', role: 'admin' });
    expect(users.sessions.length).toBe(before);
    expect(jar.cookies.has('tw_session')).toBe(false);
  });

  it('never echoes or logs an attacker-chosen error string', async () => {
    const jar = new CookieJar();
    const callback = new URL(await authorize(h, jar, 'alice'));
    const forged = new URL(h.callbackUrl);
    forged.searchParams.set('state', callback.searchParams.get('state')!);
    forged.searchParams.set('error', EVIL);
    forged.searchParams.set('error_description', EVIL);
    const res = await browse(jar, forged.href);
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain('marker-5f3a');
    expect(JSON.parse(text)).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'other' } });

    const bogusState = await browse(
      new CookieJar(),
      `${h.callbackUrl}?state=${encodeURIComponent(EVIL)}&code=x`,
    );
    expect(bogusState.status).toBe(400);
    expect(await bogusState.text()).not.toContain('marker-5f3a');
    expect(logLines.join('\n')).not.toContain('marker-5f3a');
    // The log does record the refusals (so the assertion above is not vacuous).
    expect(logLines.join('\n')).toContain('request refused');
  });

  it('never answers 5xx to a garbage callback', async () => {
    for (const q of ['', '?code=', '?state=&code=x', '?error=', '?iss=x&state=y&code=z', '?state[]=a']) {
      const res = await fetch(`${h.callbackUrl}${q}`, {
        redirect: 'manual',
        headers: { cookie: 'tw_oidc_state=AAAA' },
      });
      expect(res.status, q).toBeGreaterThanOrEqual(400);
      expect(res.status, q).toBeLessThan(500);
    }
  });
});
