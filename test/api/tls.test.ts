import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { edgeRuntime } from '../helpers/edge.ts';
import { testConfig } from '../helpers/runtime.ts';

/**
 * The process terminating TLS itself (server.tls.cert/key): a certificate made here with the
 * openssl CLI for 127.0.0.1, trusted by the client as its CA; no network beyond loopback.
 */
let dir: string;
let cert: Buffer;
let rt: Runtime;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-tls-'));
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  cert = readFileSync(join(dir, 'cert.pem'));
  rt = await edgeRuntime(
    testConfig({ server: { tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } } }),
    { listen: true },
  );
}, 180_000);
afterAll(async () => {
  await rt?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function request(
  url: string,
  options: Record<string, unknown>,
): Promise<{ status: number; body: string; hsts?: string }> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    get(url, options, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          ...(res.headers['strict-transport-security']
            ? { hsts: String(res.headers['strict-transport-security']) }
            : {}),
        }),
      );
    }).on('error', reject);
  });
}

describe('TLS in the process', { timeout: 120_000 }, () => {
  it('listens on https and answers with the configured certificate', async () => {
    expect(rt.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${rt.url}/api/v1/incidents`, { ca: cert, headers: asAdmin() });
    expect(res.status).toBe(200);
    expect(res.hsts).toBe('max-age=31536000');
    expect(JSON.parse(res.body)).toHaveProperty('data');
  });

  it('a client that does not trust the certificate is refused by its own TLS check', async () => {
    await expect(request(`${rt.url}/live`, {})).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('plain http to the TLS port gets no answer from the API', async () => {
    const plain = rt.url!.replace(/^https:/, 'http:');
    const outcome = await request(`${plain}/live`, {}).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(outcome).not.toBe(200);
  });

  it('the stream works over wss', async () => {
    const ws = new WebSocket(`${rt.url!.replace(/^https/, 'wss')}/api/v1/stream`, {
      ca: cert,
      headers: asAdmin(),
    });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (m) => resolve(m.toString()));
      ws.once('error', reject);
    });
    expect(JSON.parse(first).type).toBe('subscribed');
    ws.close();
  });

  it('cert without key stops start-up naming the key; a missing file names it too', async () => {
    expect(() => loadConfig({ env: {}, overrides: { server: { tls: { cert: '/x.pem' } } } })).toThrow(
      /server\.tls/,
    );
    await expect(
      edgeRuntime(
        testConfig({ server: { tls: { cert: join(dir, 'missing.pem'), key: join(dir, 'key.pem') } } }),
      ),
    ).rejects.toThrow(/server\.tls\.cert: cannot read/);
  });
});
