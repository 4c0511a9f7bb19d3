// GuardedHttp, the SSRF-checked client every connector calls out with: scheme, address and
// allow-list checks on the resolved address, no redirects, the 1 MiB cap and the timeout.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedHttp, isNonPublicAddress } from '../../../src/extensions/actions/http/outbound.ts';
import { OutboundError } from '../../../src/ports/action-connector.port.ts';

let server: Server;
let origin = '';
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return res.end();
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      for (let i = 0; i < 20; i++) res.write(chunk);
      return res.end();
    }
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 800);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, ua: req.headers['user-agent'] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof OutboundError ? `${err.code}${err.notSent ? ':not_sent' : ''}` : String(err);
  }
};

const open = new GuardedHttp({ allowPrivateNetworks: true, allowHttp: true, allowHosts: [] });

describe('GuardedHttp', () => {
  it('refuses private, loopback, link-local, IPv6-mapped, decimal and embedded-IPv4 addresses', async () => {
    const strict = new GuardedHttp({ allowPrivateNetworks: false, allowHttp: false, allowHosts: [] });
    for (const url of [
      'https://127.0.0.1/',
      'https://10.1.2.3/',
      'https://172.16.0.1/',
      'https://192.168.1.1/',
      'https://169.254.169.254/latest/meta-data/',
      'https://100.100.100.200/',
      'https://0.0.0.0/',
      'https://2130706433/',
      'https://0x7f.1/',
      'https://[::1]/',
      'https://[::]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:a9fe:a9fe]/',
      'https://[::127.0.0.1]/',
      'https://[fe80::1]/',
      'https://[fd00::1]/',
      'https://[64:ff9b::7f00:1]/',
      'https://[2002:7f00:1::]/',
      'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    ])
      expect(await code(strict.checkUrl(url)), url).toBe('BLOCKED_URL:not_sent');
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(isNonPublicAddress('2606:4700:4700::1111')).toBe(false);
    expect(isNonPublicAddress('not-an-ip')).toBe(true);
  });

  it('is https only unless allowed; refuses credentials in the URL and other schemes', async () => {
    const strict = new GuardedHttp({ allowPrivateNetworks: true, allowHttp: false, allowHosts: [] });
    const before = hits;
    expect(await code(strict.request({ method: 'GET', url: `${origin}/` }))).toBe('BLOCKED_URL:not_sent');
    expect(await code(strict.checkUrl('ftp://example.com/'))).toBe('BLOCKED_URL:not_sent');
    expect(await code(open.checkUrl(`http://user:pw@127.0.0.1/`))).toBe('BLOCKED_URL:not_sent');
    expect(await code(open.checkUrl('not a url'))).toBe('BLOCKED_URL:not_sent');
    expect(hits).toBe(before);
  });

  it('a loopback call is refused before connecting unless allowed by allow_hosts (name or CIDR)', async () => {
    const before = hits;
    const denied = new GuardedHttp({ allowPrivateNetworks: false, allowHttp: true, allowHosts: [] });
    expect(await code(denied.request({ method: 'GET', url: `${origin}/` }))).toBe('BLOCKED_URL:not_sent');
    expect(hits).toBe(before);
    const byCidr = new GuardedHttp({
      allowPrivateNetworks: false,
      allowHttp: true,
      allowHosts: ['127.0.0.0/8'],
    });
    expect((await byCidr.request({ method: 'GET', url: `${origin}/` })).json).toMatchObject({
      ua: 'triage-warden',
    });
    const byName = new GuardedHttp({
      allowPrivateNetworks: false,
      allowHttp: true,
      allowHosts: ['LocalHost'],
    });
    const port = new URL(origin).port;
    expect(
      (await byName.request({ method: 'POST', url: `http://localhost:${port}/`, body: {} })).status,
    ).toBe(200);
    expect(await code(byName.checkUrl(`http://127.0.0.2:${port}/`))).toBe('BLOCKED_URL:not_sent');
  });

  it('does not follow redirects: the 302 is the answer', async () => {
    const r = await open.request({ method: 'GET', url: `${origin}/redirect` });
    expect(r.status).toBe(302);
    expect(r.headers.location).toContain('169.254.169.254');
  });

  it('caps the answer at 1 MiB (TOO_LARGE) and times out (TIMEOUT after sending)', async () => {
    expect(await code(open.request({ method: 'GET', url: `${origin}/big` }))).toBe('TOO_LARGE');
    expect(await code(open.request({ method: 'GET', url: `${origin}/slow`, timeoutMs: 200 }))).toBe(
      'TIMEOUT',
    );
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    expect(await code(open.request({ method: 'GET', url: `${origin}/slow`, signal: ctl.signal }))).toBe(
      'ABORTED',
    );
  });

  it('a refused connection is NETWORK, surely not sent; a header with CR/LF is refused, not thrown raw', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await code(open.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }))).toBe(
      'NETWORK:not_sent',
    );
    expect(
      await code(
        open.request({ method: 'GET', url: `${origin}/`, headers: { 'x-evil': 'a\r\nHost: other' } }),
      ),
    ).toBe('NETWORK:not_sent');
    expect(await code(open.checkHost('127.0.0.1', 70000))).toBe('BLOCKED_URL:not_sent');
  });
});
