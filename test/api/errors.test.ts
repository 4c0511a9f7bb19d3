import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { SECURITY_HEADERS } from '../../src/api/security-headers.ts';
import { TEST_SECRETS, startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';
import { asAdmin } from '../helpers/auth.ts';

/**
 * The documented error contract (DESIGN.md "HTTP surface"): every refusal is
 * `{code, message, details?, request_id}` with the catalog's status, never a 5xx, and a 5xx that
 * does happen says only "internal error".
 */

const BODY_LIMIT = 4096;
const TOLERANCE_S = 60;

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(
    testConfig({ server: { body_limit: BODY_LIMIT }, webhooks: { timestamp_tolerance: `${TOLERANCE_S}s` } }),
  );
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

function expectError(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(
    Object.keys(body).every((k) => ['code', 'message', 'details', 'request_id'].includes(k)),
    res.body,
  ).toBe(true);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(typeof body.request_id).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body as { code: string; message: string; details?: unknown; request_id: string };
}

const incident = (extra: Record<string, unknown> = {}) => ({
  incident_type: 'phishing',
  source: 'errors-test',
  severity: 'medium',
  title: `errors test ${Math.random()}`,
  ...extra,
});

const postIncident = (payload: unknown, headers: Record<string, string> = {}) =>
  rt.app.inject({
    method: 'POST',
    url: '/api/v1/incidents',
    headers: asAdmin({ 'content-type': 'application/json', ...headers }),
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const webhook = (source: string, body: string, headers: Record<string, string>) =>
  rt.app.inject({ method: 'POST', url: `/api/v1/webhooks/${source}`, headers, payload: body });

const dlpBody = (tag: string) =>
  JSON.stringify({ alert_type: 'data_exfiltration', severity: 'high', title: `errors ${tag}` });

describe('bad request bodies', () => {
  it('malformed JSON is 400 BAD_REQUEST on both ingest routes', async () => {
    expectError(await postIncident('{"incident_type": "phishing",'), 400, 'BAD_REQUEST');
    const body = '{not json';
    expectError(
      await webhook('acme-dlp', body, signedHeaders(TEST_SECRETS['acme-dlp'], body)),
      400,
      'BAD_REQUEST',
    );
  });

  it('text/plain and form bodies are 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      expectError(
        await postIncident('severity=high', { 'content-type': type }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      const body = JSON.stringify(incident());
      expectError(
        await webhook('acme-dlp', body, {
          ...signedHeaders(TEST_SECRETS['acme-dlp'], body),
          'content-type': type,
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(
        await webhook('open-source', body, { 'content-type': type }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    }
  });

  it('an empty body is a 4xx, not a crash', async () => {
    expectError(await postIncident(''), 400, 'BAD_REQUEST');
    // No content type at all and no body: the schema wants a body.
    expectError(
      await rt.app.inject({ headers: asAdmin(), method: 'POST', url: '/api/v1/incidents' }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(await webhook('open-source', '', { 'content-type': 'application/json' }), 400, 'BAD_REQUEST');
    expectError(
      await webhook('acme-dlp', '', signedHeaders(TEST_SECRETS['acme-dlp'], '')),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await webhook('open-source', 'null', { 'content-type': 'application/json' }),
      400,
      'BAD_REQUEST',
    );
  });

  it(`a body over server.body_limit (${BODY_LIMIT}) is 413 PAYLOAD_TOO_LARGE`, async () => {
    const big = JSON.stringify(incident({ description: 'x'.repeat(BODY_LIMIT) }));
    expectError(await postIncident(big), 413, 'PAYLOAD_TOO_LARGE');
    expectError(
      await webhook('acme-dlp', big, signedHeaders(TEST_SECRETS['acme-dlp'], big)),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    // Just under the limit is fine.
    const fits = JSON.stringify(incident({ description: 'y'.repeat(BODY_LIMIT - 300) }));
    expect(Buffer.byteLength(fits)).toBeLessThan(BODY_LIMIT);
    expect((await postIncident(fits)).statusCode).toBe(202);
  });

  it('JSON nested deeper than 64 levels is 400; 64 levels are accepted', async () => {
    const nest = (n: number) => '['.repeat(n - 1) + '{"a":1}' + ']'.repeat(n - 1);
    const tooDeep = `{"alert_type":"x","severity":"low","title":"deep","data":${nest(64)}}`;
    const body = expectError(
      await webhook('open-source', tooDeep, { 'content-type': 'application/json' }),
      400,
      'BAD_REQUEST',
    );
    expect(body.message).toMatch(/64/);
    expectError(await postIncident(`{"raw_data":${nest(70)}}`), 400, 'BAD_REQUEST');
    const ok = `{"alert_type":"x","severity":"low","title":"deep ok ${Date.now()}","data":${nest(63)}}`;
    expect((await webhook('open-source', ok, { 'content-type': 'application/json' })).statusCode).toBe(202);
  });

  it('a __proto__ key neither crashes nor pollutes', async () => {
    const res = await postIncident(`{"__proto__":{"polluted":true},${JSON.stringify(incident()).slice(1)}`);
    expect(res.statusCode, res.body).toBe(202);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('validation', () => {
  it('an unknown field on POST /api/v1/incidents is 400 VALIDATION_ERROR naming the field', async () => {
    const body = expectError(await postIncident(incident({ sneaky_field: 1 })), 400, 'VALIDATION_ERROR');
    expect(Array.isArray(body.details)).toBe(true);
    expect(body.details).toContainEqual(
      expect.objectContaining({ path: 'body/sneaky_field', params: { additionalProperty: 'sneaky_field' } }),
    );
    const missing = expectError(
      await postIncident({ incident_type: 'phishing', source: 's', severity: 'low' }),
      400,
      'VALIDATION_ERROR',
    );
    expect(missing.details).toContainEqual(expect.objectContaining({ path: 'body/title' }));
  });

  it('bad enum values are 400 VALIDATION_ERROR', async () => {
    const sev = expectError(await postIncident(incident({ severity: 'urgent' })), 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(sev.details)).toContain('severity');
    const bad = [
      '/api/v1/incidents?status=open',
      '/api/v1/incidents?status=new,bogus',
      '/api/v1/incidents?severity=urgent',
      '/api/v1/incidents?sort=title',
      '/api/v1/incidents?order=up',
      '/api/v1/incidents?since=yesterday',
      '/api/v1/incidents?since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z',
      '/api/v1/incidents?unknown_param=1',
    ];
    for (const url of bad) {
      const body = expectError(await rt.app.inject({ url, headers: asAdmin() }), 400, 'VALIDATION_ERROR');
      expect(body.message, url).not.toMatch(/internal/);
    }
    const status = expectError(
      await rt.app.inject({ url: '/api/v1/incidents?status=new,bogus', headers: asAdmin() }),
      400,
      'VALIDATION_ERROR',
    );
    expect(status.message).toContain('bogus');
  });

  it('per_page above 200, or page/per_page below 1 or not a number, is 400; 200 is fine', async () => {
    for (const q of ['per_page=201', 'per_page=0', 'page=0', 'page=-1', 'per_page=abc', 'page=1.5']) {
      expectError(
        await rt.app.inject({ url: `/api/v1/incidents?${q}`, headers: asAdmin() }),
        400,
        'VALIDATION_ERROR',
      );
    }
    const ok = await rt.app.inject({ url: '/api/v1/incidents?per_page=200', headers: asAdmin() });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().pagination.per_page).toBe(200);
  });

  it('a bad uuid is 400, an unknown incident 404 NOT_FOUND, also when deciding on it', async () => {
    expectError(
      await rt.app.inject({ url: '/api/v1/incidents/not-a-uuid', headers: asAdmin() }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await rt.app.inject({
        headers: asAdmin(),
        method: 'POST',
        url: '/api/v1/incidents/123/resolve',
        payload: { reason: 'x' },
      }),
      400,
      'VALIDATION_ERROR',
    );
    const unknown = '00000000-0000-4000-8000-000000000000';
    const body = expectError(
      await rt.app.inject({ url: `/api/v1/incidents/${unknown}`, headers: asAdmin() }),
      404,
      'NOT_FOUND',
    );
    expect(body.message).toContain(unknown);
    for (const d of ['resolve', 'dismiss', 'escalate']) {
      expectError(
        await rt.app.inject({
          headers: asAdmin(),
          method: 'POST',
          url: `/api/v1/incidents/${unknown}/${d}`,
          payload: { reason: 'x' },
        }),
        404,
        'NOT_FOUND',
      );
    }
  });

  it('an unknown route is 404 NOT_FOUND, a wrong method 405 METHOD_NOT_ALLOWED, in the documented shape', async () => {
    expectError(await rt.app.inject({ url: '/api/v1/nope', headers: asAdmin() }), 404, 'NOT_FOUND');
    expectError(await rt.app.inject('/nope?x=1'), 404, 'NOT_FOUND');
    expectError(
      await rt.app.inject({ headers: asAdmin(), method: 'DELETE', url: '/api/v1/incidents' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
    expectError(
      await rt.app.inject({ method: 'GET', url: '/api/v1/webhooks/okta' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
  });

  it('a webhook source name outside [a-z0-9_-] is 400', async () => {
    expectError(
      await webhook('bad%20name', '{}', { 'content-type': 'application/json' }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await webhook('x'.repeat(65), '{}', { 'content-type': 'application/json' }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('webhook signatures', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('a correct signature (prefixed or bare, any of the three headers) is accepted', async () => {
    const body = dlpBody(`ok-${Date.now()}`);
    expect((await webhook('acme-dlp', body, signedHeaders(TEST_SECRETS['acme-dlp'], body))).statusCode).toBe(
      202,
    );
    const bare = signedHeaders(TEST_SECRETS['acme-dlp'], body, { noTimestamp: true });
    const hex = bare['x-webhook-signature']!.replace('sha256=', '');
    for (const name of ['x-signature-256', 'x-hub-signature-256']) {
      const res = await webhook('acme-dlp', body, {
        'content-type': 'application/json',
        [name]: `sha256=${hex}`,
      });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(202);
    }
    const upper = await webhook('acme-dlp', body, {
      'content-type': 'application/json',
      'x-webhook-signature': hex.toUpperCase(),
    });
    expect(upper.statusCode).toBe(202);
  });

  it('invalid, missing and wrong-length signatures are 401 INVALID_SIGNATURE', async () => {
    const body = dlpBody('bad-sig');
    const wrongSecret = signedHeaders('some-other-secret-0123456789', body);
    expectError(await webhook('acme-dlp', body, wrongSecret), 401, 'INVALID_SIGNATURE');
    // Signed for another source: secrets are per source.
    expectError(
      await webhook('acme-dlp', body, signedHeaders(TEST_SECRETS.splunk, body)),
      401,
      'INVALID_SIGNATURE',
    );
    // Body changed after signing.
    expectError(
      await webhook('acme-dlp', body + ' ', signedHeaders(TEST_SECRETS['acme-dlp'], body)),
      401,
      'INVALID_SIGNATURE',
    );
    expectError(
      await webhook('acme-dlp', body, { 'content-type': 'application/json' }),
      401,
      'INVALID_SIGNATURE',
    );
    const good = signedHeaders(TEST_SECRETS['acme-dlp'], body)['x-webhook-signature']!;
    for (const sig of [good.slice(0, -2), `${good}00`, 'sha256=', 'sha256=zz' + good.slice(9), '']) {
      const res = await webhook('acme-dlp', body, {
        ...signedHeaders(TEST_SECRETS['acme-dlp'], body),
        'x-webhook-signature': sig,
      });
      expectError(res, 401, 'INVALID_SIGNATURE');
    }
  });

  it(`timestamps older or newer than webhooks.timestamp_tolerance (${TOLERANCE_S}s) or not numeric are refused`, async () => {
    const body = dlpBody('ts');
    const stale = expectError(
      await webhook(
        'acme-dlp',
        body,
        signedHeaders(TEST_SECRETS['acme-dlp'], body, { timestamp: now() - TOLERANCE_S - 30 }),
      ),
      401,
      'INVALID_SIGNATURE',
    );
    expect(stale.message).toMatch(/window/);
    expectError(
      await webhook(
        'acme-dlp',
        body,
        signedHeaders(TEST_SECRETS['acme-dlp'], body, { timestamp: now() + TOLERANCE_S + 30 }),
      ),
      401,
      'INVALID_SIGNATURE',
    );
    const h = signedHeaders(TEST_SECRETS['acme-dlp'], body);
    expectError(
      await webhook('acme-dlp', body, { ...h, 'x-webhook-timestamp': 'soon' }),
      401,
      'INVALID_SIGNATURE',
    );
    // A fresh timestamp header on a signature bound to an older timestamp does not match.
    const old = signedHeaders(TEST_SECRETS['acme-dlp'], body, { timestamp: now() - 10 });
    expectError(
      await webhook('acme-dlp', body, { ...old, 'x-webhook-timestamp': String(now()) }),
      401,
      'INVALID_SIGNATURE',
    );
  });

  it('the same signed request twice is a replay: 202 then 401 INVALID_SIGNATURE', async () => {
    const body = dlpBody(`replay-${Date.now()}`);
    const headers = signedHeaders(TEST_SECRETS['acme-dlp'], body);
    expect((await webhook('acme-dlp', body, headers)).statusCode).toBe(202);
    const again = expectError(await webhook('acme-dlp', body, headers), 401, 'INVALID_SIGNATURE');
    expect(again.message).toMatch(/replay/);
    // The header given as x-hub-signature-256 is the same signature: still a replay.
    const { 'x-webhook-signature': sig, ...rest } = headers;
    expectError(
      await webhook('acme-dlp', body, { ...rest, 'x-hub-signature-256': sig! }),
      401,
      'INVALID_SIGNATURE',
    );
  });

  it('an unconfigured source is 401 like a wrong signature (no hint of which sources exist); unsigned: true sources are accepted', async () => {
    const body = dlpBody('unconfigured');
    const res = expectError(
      await webhook('not-configured', body, signedHeaders(TEST_SECRETS['acme-dlp'], body)),
      401,
      'INVALID_SIGNATURE',
    );
    expect(res.message).not.toMatch(/TW_WEBHOOK_SECRET|not-configured|webhooks\.sources/i);
    const wrong = expectError(
      await webhook('acme-dlp', body, signedHeaders(TEST_SECRETS.splunk, body)),
      401,
      'INVALID_SIGNATURE',
    );
    expect(wrong.message).toBe(res.message);
    const open = await webhook('open-source', dlpBody(`open-${Date.now()}`), {
      'content-type': 'application/json',
    });
    expect(open.statusCode, open.body).toBe(202);
    expect(open.json().incident.source).toBe('open-source');
  });
});

describe('stored content', () => {
  it('strings containing U+0000 are accepted and stored without it (API and webhook)', async () => {
    const title = `nul\u0000title ${Date.now()}`;
    const res = await postIncident(
      incident({
        title,
        description: 'a\u0000b',
        raw_data: { 'k\u0000ey': 'v\u0000al', list: ['\u0000'] },
        tags: ['t\u0000ag'],
      }),
    );
    expect(res.statusCode, res.body).toBe(202);
    const d = (
      await rt.app.inject({ url: `/api/v1/incidents/${res.json().incident_id}`, headers: asAdmin() })
    ).json();
    expect(d.title).toBe(title.replace('\u0000', ''));
    expect(d.description).toBe('ab');
    expect(d.tags).toContain('tag');
    expect(JSON.stringify(d)).not.toContain('\\u0000');

    const hook = JSON.stringify({
      alert_type: 'dlp',
      severity: 'low',
      title: `hook\u0000 ${Date.now()}`,
      data: { 'x\u0000': '\u0000' },
    });
    const hres = await webhook('open-source', hook, { 'content-type': 'application/json' });
    expect(hres.statusCode, hres.body).toBe(202);
    const hd = (
      await rt.app.inject({ url: `/api/v1/incidents/${hres.json().incident_id}`, headers: asAdmin() })
    ).json();
    expect(JSON.stringify(hd)).not.toContain('\\u0000');
  });

  it('a decision reason containing U+0000 is stored without it', async () => {
    const id = (await postIncident(incident())).json().incident_id;
    const res = await rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: `/api/v1/incidents/${id}/dismiss`,
      payload: { reason: 'dup\u0000licate' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().resolution_reason).toBe('duplicate');
  });

  it('lone UTF-16 surrogates (invalid in PostgreSQL jsonb) are accepted as U+FFFD, not a 5xx', async () => {
    const body = `{"alert_type":"dlp","severity":"low","title":"surrogate \\ud800 ${Date.now()}","data":{"k\\udc00":"\\udfff","ok":"\\ud83d\\ude00"}}`;
    const res = await webhook('open-source', body, { 'content-type': 'application/json' });
    expect(res.statusCode, res.body).toBe(202);
    const d = (
      await rt.app.inject({ url: `/api/v1/incidents/${res.json().incident_id}`, headers: asAdmin() })
    ).json();
    expect(d.title).toMatch(/^surrogate \uFFFD /);
    expect(d.alerts[0].raw.data).toEqual({ 'k\uFFFD': '\uFFFD', ok: '😀' });
  });

  it('NUL bytes and odd text in query parameters are a 200 or 400, never a 5xx', async () => {
    for (const q of [
      'q=%00',
      'q=a%00b',
      'source=%00',
      'incident_type=x%00',
      'q=%ED%A0%80',
      'q=%FF%FE',
      "q='%3B--",
      'q=%26%7C!()',
      'source=a,,b',
    ]) {
      const res = await rt.app.inject({ url: `/api/v1/incidents?${q}`, headers: asAdmin() });
      expect(res.statusCode, `${q}: ${res.body}`).toBeLessThan(500);
      if (res.statusCode !== 200) expectError(res, 400, 'VALIDATION_ERROR');
    }
  });
});

describe('request ids, aliases, internals', () => {
  it('x-request-id is echoed and used as request_id; an unsafe one is replaced', async () => {
    const res = await rt.app.inject({
      url: '/api/v1/incidents/not-a-uuid',
      headers: asAdmin({ 'x-request-id': 'trace-abc.123:4' }),
    });
    expect(res.headers['x-request-id']).toBe('trace-abc.123:4');
    expect(expectError(res, 400, 'VALIDATION_ERROR').request_id).toBe('trace-abc.123:4');
    const ok = await rt.app.inject({
      url: '/api/v1/incidents',
      headers: asAdmin({ 'x-request-id': 'list-1' }),
    });
    expect(ok.headers['x-request-id']).toBe('list-1');
    const unsafe = await rt.app.inject({ url: '/nope', headers: { 'x-request-id': 'has spaces <script>' } });
    const body = expectError(unsafe, 404, 'NOT_FOUND');
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/api/... is an alias of /api/v1/...', async () => {
    const created = await rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: '/api/incidents',
      payload: incident({ title: `alias ${Date.now()}` }),
    });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().incident_id;
    const viaAlias = await rt.app.inject({ url: `/api/incidents/${id}`, headers: asAdmin() });
    const viaV1 = await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() });
    expect(viaAlias.statusCode).toBe(200);
    expect(viaAlias.json().id).toBe(viaV1.json().id);
    const list = await rt.app.inject({
      url: `/api/incidents?source=errors-test&per_page=1`,
      headers: asAdmin(),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().pagination.total_items).toBe(
      (await rt.app.inject({ url: `/api/v1/incidents?source=errors-test`, headers: asAdmin() })).json()
        .pagination.total_items,
    );
    expectError(
      await rt.app.inject({ url: '/api/incidents/not-a-uuid', headers: asAdmin() }),
      400,
      'VALIDATION_ERROR',
    );
    const hook = await webhook('open-source', dlpBody(`alias-${Date.now()}`), {
      'content-type': 'application/json',
    });
    expect(hook.statusCode).toBe(202);
    const aliasHook = await rt.app.inject({
      method: 'POST',
      url: '/api/webhooks/open-source',
      headers: { 'content-type': 'application/json' },
      payload: dlpBody(`alias2-${Date.now()}`),
    });
    expect(aliasHook.statusCode).toBe(202);
  });

  it('a 5xx never leaks internals: body says only "internal error"', async () => {
    const store = rt.store as unknown as Record<string, unknown>;
    const original = store.list;
    const originalDetail = store.getDetail;
    const secret = 'password=hunter2 at postgres://admin:s3cr3t@db.internal:5432';
    store.list = async () => {
      throw new Error(secret);
    };
    store.getDetail = async () => {
      throw Object.assign(new TypeError(secret), { statusCode: 503, code: 'ECONNREFUSED' });
    };
    try {
      const res = await rt.app.inject({
        url: '/api/v1/incidents',
        headers: asAdmin({ 'x-request-id': 'boom-1' }),
      });
      const body = expectError(res, 500, 'INTERNAL_ERROR');
      expect(body).toEqual({ code: 'INTERNAL_ERROR', message: 'internal error', request_id: 'boom-1' });
      const detail = await rt.app.inject({
        url: '/api/v1/incidents/00000000-0000-4000-8000-000000000000',
        headers: asAdmin(),
      });
      expect(detail.statusCode).toBeGreaterThanOrEqual(500);
      expect(detail.body).not.toMatch(/hunter2|s3cr3t|ECONNREFUSED|TypeError|at /);
      expect(detail.json().message).toMatch(/^(internal error|service temporarily unavailable)$/);
    } finally {
      store.list = original;
      store.getDetail = originalDetail;
    }
    expect((await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() })).statusCode).toBe(200);
  });
});

describe('security headers', () => {
  it('are on every answer (health, 200, 404, 400) with the request id', async () => {
    const answers = [
      await rt.app.inject('/live'),
      await rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() }),
      await rt.app.inject({
        url: '/api/v1/incidents/00000000-0000-4000-8000-000000000000',
        headers: asAdmin(),
      }),
      await rt.app.inject({ url: '/api/v1/incidents/not-a-uuid', headers: asAdmin() }),
      await rt.app.inject('/nowhere'),
      await rt.app.inject({
        method: 'POST',
        url: '/api/v1/incidents',
        payload: '{',
        headers: asAdmin({ 'content-type': 'application/json' }),
      }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 404, 400, 404, 400]);
    for (const a of answers) {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(a.headers[k], k).toBe(v);
      expect(a.headers['x-request-id']).toEqual(expect.any(String));
    }
    const traced = await rt.app.inject({ url: '/live', headers: { 'x-request-id': 'trace-42' } });
    expect(traced.headers['x-request-id']).toBe('trace-42');
  });
});
