import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_SECRETS, startRuntime } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(undefined, { listen: true });
});
afterAll(async () => {
  await rt?.stop();
});

let seq = 0;
const alertBody = (tag: string) =>
  JSON.stringify({ title: `managed ${tag} ${Date.now()} ${seq++}`, severity: 'high', alert_type: 'dlp' });

async function api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return rt.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: asAdmin(payload === undefined ? {} : { 'content-type': 'application/json' }),
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

async function send(
  source: string,
  secret: string,
  options: { noTimestamp?: boolean; bodyOnly?: boolean } = {},
) {
  const body = alertBody(source);
  return rt.app.inject({
    method: 'POST',
    url: `/api/v1/webhooks/${source}`,
    headers: signedHeaders(secret, body, options),
    payload: body,
  });
}

async function create(body: Record<string, unknown>): Promise<string> {
  const res = await api('POST', '/webhook-sources', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().secret as string;
}

describe('/api/v1/webhook-sources', () => {
  it('create → list → get → update → delete; the secret is shown once and never again', async () => {
    const res = await api('POST', '/webhook-sources', { name: 'acme-edr' });
    expect(res.statusCode, res.body).toBe(201);
    const { source, secret } = res.json();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(source).toMatchObject({
      name: 'acme-edr',
      origin: 'database',
      read_only: false,
      enabled: true,
      unsigned: false,
      require_timestamp: true,
      rate_limit: null,
      has_secret: true,
    });
    expect(source).not.toHaveProperty('secret');

    const list = await api('GET', '/webhook-sources');
    expect(list.statusCode).toBe(200);
    const names = list.json().data.map((s: { name: string }) => s.name);
    expect(names).toContain('acme-edr');
    const crowdstrike = list.json().data.find((s: { name: string }) => s.name === 'crowdstrike');
    expect(crowdstrike).toMatchObject({ origin: 'config', read_only: true, has_secret: true });

    const patched = await api('PATCH', '/webhook-sources/acme-edr', {
      rate_limit: 100,
      require_timestamp: false,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ rate_limit: 100, require_timestamp: false });
    const one = await api('GET', '/webhook-sources/acme-edr');
    expect(one.json()).toMatchObject({ rate_limit: 100 });

    // No answer after the create carries the secret or a configured one.
    for (const r of [list, patched, one]) {
      expect(r.body).not.toContain(secret);
      for (const s of Object.values(TEST_SECRETS)) expect(r.body).not.toContain(s);
    }

    expect((await send('acme-edr', secret)).statusCode).toBe(202);
    expect((await api('DELETE', '/webhook-sources/acme-edr')).statusCode).toBe(204);
    expect((await api('GET', '/webhook-sources/acme-edr')).statusCode).toBe(404);
    expect((await api('DELETE', '/webhook-sources/acme-edr')).statusCode).toBe(404);
    expect((await send('acme-edr', secret)).statusCode).toBe(401);
  });

  it('refuses duplicates, configured names, bad names and short secrets with clear 4xx', async () => {
    await create({ name: 'dup-src' });
    expect((await api('POST', '/webhook-sources', { name: 'dup-src' })).json().code).toBe('CONFLICT');
    const configured = await api('POST', '/webhook-sources', { name: 'crowdstrike' });
    expect(configured.statusCode).toBe(409);
    expect(configured.json().message).toMatch(/configuration/);
    expect((await api('PATCH', '/webhook-sources/crowdstrike', { enabled: false })).statusCode).toBe(409);
    expect((await api('POST', '/webhook-sources', { name: 'Bad Name!' })).statusCode).toBe(400);
    expect((await api('POST', '/webhook-sources', { name: 'shorty', secret: 'short' })).statusCode).toBe(400);
    expect((await api('POST', '/webhook-sources/none-such/rotate')).statusCode).toBe(404);
  });

  it('a given secret is accepted and stored encrypted: the row holds neither it nor its hex', async () => {
    const secret = 'my-own-webhook-secret-for-acme-0001';
    const res = await api('POST', '/webhook-sources', { name: 'sealed-src', secret });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().secret).toBe(secret);
    const row = await rt.database.primary
      .selectFrom('webhook_sources')
      .selectAll()
      .where('name', '=', 'sealed-src')
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('hex'));
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_key_id).toMatch(/^[0-9a-f]{16}$/);
    expect((await send('sealed-src', secret)).statusCode).toBe(202);
  });

  it('rotation: old and new secret both valid until the old one is retired', async () => {
    const old = await create({ name: 'rotating' });
    const rotated = await api('POST', '/webhook-sources/rotating/rotate');
    expect(rotated.statusCode, rotated.body).toBe(200);
    const next = rotated.json().secret as string;
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    expect(next).not.toBe(old);
    expect(rotated.json().source.previous_secret_valid_until).not.toBeNull();
    expect((await send('rotating', old)).statusCode).toBe(202);
    expect((await send('rotating', next)).statusCode).toBe(202);

    const retired = await api('POST', '/webhook-sources/rotating/retire');
    expect(retired.statusCode).toBe(200);
    expect(retired.json().previous_secret_valid_until).toBeNull();
    expect((await send('rotating', old)).statusCode).toBe(401);
    expect((await send('rotating', next)).statusCode).toBe(202);
    expect((await api('GET', '/webhook-sources/rotating')).body).not.toContain(next);

    // Each change is an authentication event (actor, time, IP), queryable by admins; no secret in it.
    const events = await api('GET', '/auth/events?limit=50');
    expect(events.statusCode, events.body).toBe(200);
    const mine = (events.json().data as { type: string; actor: string; subject: string | null }[]).filter(
      (e) => e.subject === 'webhook_source:rotating',
    );
    expect(mine.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'webhook_source.created',
        'webhook_source.secret_rotated',
        'webhook_source.previous_secret_retired',
      ]),
    );
    expect(mine.every((e) => e.actor === 'api_key:admin-env')).toBe(true);
    expect(events.body).not.toContain(next);
  });

  it('disabled, unknown and wrongly signed requests get the very same 401 (no hint of what exists)', async () => {
    const secret = await create({ name: 'to-disable' });
    expect((await send('to-disable', secret)).statusCode).toBe(202);
    expect((await api('PATCH', '/webhook-sources/to-disable', { enabled: false })).statusCode).toBe(200);
    const disabled = await send('to-disable', secret);
    const unknown = await send('never-created', secret);
    const wrong = await send('acme-dlp', secret);
    for (const r of [disabled, unknown, wrong]) expect(r.statusCode, r.body).toBe(401);
    const strip = (r: typeof disabled) => {
      const { request_id: _ignored, ...rest } = r.json();
      return rest;
    };
    expect(strip(disabled)).toEqual(strip(unknown));
    expect(strip(wrong)).toEqual(strip(unknown));
    expect(unknown.body).not.toContain('never-created');
    expect(unknown.body).not.toMatch(/TW_WEBHOOK_SECRET|webhooks\.sources/);

    expect((await api('PATCH', '/webhook-sources/to-disable', { enabled: true })).statusCode).toBe(200);
    expect((await send('to-disable', secret)).statusCode).toBe(202);
  });

  it('a request without X-Webhook-Timestamp is refused by a managed source (required by default)', async () => {
    const secret = await create({ name: 'needs-ts' });
    expect((await send('needs-ts', secret, { noTimestamp: true })).statusCode).toBe(401);
    // A timestamp header that the signature does not cover could be refreshed on a captured request.
    expect((await send('needs-ts', secret, { bodyOnly: true })).statusCode).toBe(401);
    expect((await send('needs-ts', secret)).statusCode).toBe(202);
    expect((await api('PATCH', '/webhook-sources/needs-ts', { require_timestamp: false })).statusCode).toBe(
      200,
    );
    expect((await send('needs-ts', secret, { noTimestamp: true })).statusCode).toBe(202);
  });

  it('per-source rate limit: 429 RATE_LIMIT_EXCEEDED with Retry-After beyond rate_limit per minute', async () => {
    const secret = await create({ name: 'limited', rate_limit: 2 });
    expect((await send('limited', secret)).statusCode).toBe(202);
    expect((await send('limited', secret)).statusCode).toBe(202);
    const refused = await send('limited', secret);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Other sources are not affected, and bad signatures do not spend the source's budget.
    expect((await send('acme-dlp', TEST_SECRETS['acme-dlp'])).statusCode).toBe(202);
  });

  it('an unsigned managed source needs no signature and gets no secret', async () => {
    const res = await api('POST', '/webhook-sources', { name: 'open-managed', unsigned: true });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).not.toHaveProperty('secret');
    const body = alertBody('open');
    const post = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/open-managed',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(post.statusCode, post.body).toBe(202);
    expect(
      (await api('POST', '/webhook-sources', { name: 'bad-open', unsigned: true, secret: 'x'.repeat(20) }))
        .statusCode,
    ).toBe(400);
  });

  it('the internal change event never reaches WebSocket clients', async () => {
    const ws = new WebSocket(`${rt.url!.replace(/^http/, 'ws')}/api/v1/stream`, { headers: asAdmin() });
    const types: string[] = [];
    let wake: () => void = () => {};
    ws.on('message', (raw) => {
      types.push((JSON.parse(raw.toString()) as { type: string }).type);
      wake();
    });
    const until = async (what: string) => {
      while (!types.includes(what)) await new Promise<void>((r) => (wake = r));
    };
    try {
      await until('subscribed');
      const secret = await create({ name: 'streamed-src' });
      // Published after the change event by the same process: the bus keeps the order.
      expect((await send('streamed-src', secret)).statusCode).toBe(202);
      await until('incident_created');
      expect(types).not.toContain('webhook_sources_changed');
    } finally {
      ws.close();
    }
  });
});
