import { connect } from 'node:net';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/**
 * Bad input that used to get a 500 or an unclear answer (issue 10, item 10): every case here is a
 * 4xx in the documented `{code, message, details?, request_id}` shape, or is accepted.
 */

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(testConfig({ server: { request_timeout: '1s', headers_timeout: '1s' } }), {
    listen: true,
  });
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function expectError(res: LightMyRequestResponse | Answer, status: number, code: string) {
  const statusCode = 'statusCode' in res ? res.statusCode : res.status;
  expect(statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(Object.keys(body).every((k) => ['code', 'message', 'details', 'request_id'].includes(k))).toBe(true);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.request_id).toEqual(expect.any(String));
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body as { code: string; message: string; details?: unknown; request_id: string };
}

const get = (url: string) => rt.app.inject({ url, headers: asAdmin() });
const post = (url: string, payload: string | Buffer) =>
  rt.app.inject({ method: 'POST', url, headers: asAdmin({ 'content-type': 'application/json' }), payload });
const incident = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    incident_type: 'phishing',
    source: 'input-edge',
    severity: 'low',
    title: `input edge ${Math.random()}`,
    ...extra,
  });

/** One raw HTTP/1.1 exchange over a socket: what the server wrote until it closed. */
function raw(text: string, waitMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(rt.url!);
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${waitMs} ms; got ${JSON.stringify(data)}`));
    }, waitMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

describe('time filters on GET /api/v1/incidents', () => {
  it('since in year 0000 → 400, not 500 (and until; an offset past 9999 too)', async () => {
    for (const q of [
      'since=0000-01-01T00:00:00Z',
      'until=0000-01-01T00:00:00Z',
      'since=0001-01-01T00:30:00%2B01:00',
      'until=9999-12-31T23:59:59-14:00',
    ]) {
      const body = expectError(await get(`/api/v1/incidents?${q}`), 400, 'VALIDATION_ERROR');
      expect(body.message).toMatch(/0001-01-01.*9999-12-31/);
    }
    expect((await get('/api/v1/incidents?since=0001-01-01T00:00:00Z')).statusCode).toBe(200);
  });

  it('a leap second (…T23:59:60Z) → 200, read as the next second, not 500', async () => {
    const res = await get('/api/v1/incidents?since=2016-12-31T23:59:60Z&until=2999-06-30T23:59:60.5Z');
    expect(res.statusCode, res.body).toBe(200);
    // Read as 2017-01-01T00:00:00Z, it stays before an until of the same instant → 400, not 500.
    const same = await get('/api/v1/incidents?since=2016-12-31T23:59:60Z&until=2017-01-01T00:00:00Z');
    expectError(same, 400, 'VALIDATION_ERROR');
  });
});

describe('ids', () => {
  it('urn:uuid: ids → 400 VALIDATION_ERROR, not 500', async () => {
    const urn = 'urn:uuid:00000000-0000-4000-8000-000000000000';
    expectError(await get(`/api/v1/incidents/${urn}`), 400, 'VALIDATION_ERROR');
    expectError(
      await post(`/api/v1/incidents/${urn}/resolve`, JSON.stringify({ reason: 'x' })),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('JSON bodies', () => {
  it('nesting depth 10,000 → 400 naming the limit, not "Maximum call stack size exceeded"', async () => {
    for (const deep of [
      '['.repeat(10_000) + ']'.repeat(10_000),
      `{"raw_data":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
    ]) {
      const body = expectError(await post('/api/v1/incidents', deep), 400, 'BAD_REQUEST');
      expect(body.message).toMatch(/nested deeper than 64/);
      expect(body.message).not.toMatch(/call stack/i);
    }
    // Brackets inside strings are not nesting.
    const res = await post('/api/v1/incidents', incident({ description: '['.repeat(1000) }));
    expect(res.statusCode, res.body).toBe(202);
  });

  it('JSON with a UTF-8 byte-order mark is accepted (the mark is stripped)', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const res = await post(
      '/api/v1/incidents',
      Buffer.concat([bom, Buffer.from(incident({ title: 'bom ✓' }))]),
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().incident.title).toBe('bom ✓');
    const hook = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/open-source',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.concat([
        bom,
        Buffer.from(
          JSON.stringify({ alert_type: 'malware', severity: 'low', title: `bom hook ${Date.now()}` }),
        ),
      ]),
    });
    expect(hook.statusCode, hook.body).toBe(202);
    // A mark alone is an empty body.
    expectError(await post('/api/v1/incidents', bom), 400, 'BAD_REQUEST');
  });

  it('occurred_at outside 2000–2100 → 400 whose message states the allowed range', async () => {
    for (const at of ['1999-12-31T23:59:59Z', '2100-01-01T00:00:01Z']) {
      const body = expectError(
        await post('/api/v1/incidents', incident({ occurred_at: at })),
        400,
        'VALIDATION_ERROR',
      );
      expect(body.message).toContain('occurred_at');
      expect(body.message).toContain('2000-01-01T00:00:00Z');
      expect(body.message).toContain('2100-01-01T00:00:00Z');
    }
  });
});

describe('refusals before routing', () => {
  it('414 (a path segment over the router limit) carries request_id in the error shape', async () => {
    const body = expectError(await get(`/api/v1/incidents/${'a'.repeat(300)}`), 414, 'URI_TOO_LONG');
    expect(body.message).not.toContain('aaaa');
  });

  it('an unknown HTTP method → 400 in the error shape with request_id (real socket)', async () => {
    const res = await raw('FOO /api/v1/incidents HTTP/1.1\r\nHost: x\r\n\r\n');
    const body = expectError(res, 400, 'BAD_REQUEST');
    expect(body.message).toMatch(/method/);
  });

  it('a wrong method on an existing path → 405 METHOD_NOT_ALLOWED with an Allow header', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/api/v1/incidents', 'GET, HEAD, POST'],
      ['PUT', '/api/v1/incidents/00000000-0000-4000-8000-000000000000', 'GET, HEAD, PATCH'],
      ['GET', '/api/v1/webhooks/okta', 'POST'],
      ['GET', '/api/incidents/00000000-0000-4000-8000-000000000000/resolve', 'POST'],
      ['PATCH', '/live', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await rt.app.inject({ method: method as 'GET', url, headers: asAdmin() });
      expectError(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(allow);
    }
    // Over a real socket too (a method Node knows but no route uses).
    const propfind = await new Promise<Answer>((resolve, reject) => {
      const req = request(`${rt.url}/api/v1/incidents`, { method: 'PROPFIND', headers: asAdmin() }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expectError(propfind, 405, 'METHOD_NOT_ALLOWED');
    expect(propfind.headers.allow).toBe('GET, HEAD, POST');
    // A path that does not exist stays 404.
    expectError(
      await rt.app.inject({ method: 'DELETE', url: '/api/v1/nope', headers: asAdmin() }),
      404,
      'NOT_FOUND',
    );
  });

  it('headers and part of a body, then silence → 408 REQUEST_TIMEOUT after server.request_timeout, not held', async () => {
    const res = await raw(
      'POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: ${asAdmin().authorization}\r\nContent-Length: 100\r\n\r\n{"title":`,
    );
    const body = expectError(res, 408, 'REQUEST_TIMEOUT');
    expect(body.message).toMatch(/request_timeout/);
  }, 30_000);
});
