import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cookie, { fastifyCookie } from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * package.json `overrides` pins `cookie` (under @fastify/cookie and light-my-request) and
 * `content-disposition` (under @fastify/static) to the last releases that support Node 20, below
 * the ranges those plugins declare. These are the code paths of the plugins that call them.
 */
describe('HTTP plugins on their Node 20 pins of cookie and content-disposition', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-pins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('@fastify/cookie with hook:false sets, signs, unsigns and parses cookies', async () => {
    const app = Fastify();
    await app.register(cookie, { hook: false, secret: 'a-test-secret-of-enough-length' });
    app.get('/set', (_req, reply) =>
      reply
        .setCookie('tw_a', 'va lue;', { path: '/api', httpOnly: true, sameSite: 'strict', maxAge: 60 })
        .setCookie('tw_s', 'signed', { signed: true })
        .send({ ok: true }),
    );
    app.get('/read', (req) => {
      const parsed = app.parseCookie(req.headers.cookie ?? '');
      return { a: parsed.tw_a, s: app.unsignCookie(parsed.tw_s ?? ''), bare: app.unsignCookie('no-dot') };
    });
    const set = await app.inject({ url: '/set' });
    const header = set.headers['set-cookie'] as string[];
    expect(header[0]).toBe('tw_a=va%20lue%3B; Max-Age=60; Path=/api; HttpOnly; SameSite=Strict');
    expect(header[1]).toMatch(/^tw_s=signed\.[\w%-]+; SameSite=Lax$/);
    const signed = /^tw_s=([^;]+)/.exec(header[1] ?? '')?.[1] ?? '';

    // light-my-request serialises `cookies` with the pinned cookie module.
    const read = await app.inject({
      url: '/read',
      cookies: { tw_a: 'va lue;', tw_s: decodeURIComponent(signed) },
    });
    expect(read.json()).toEqual({
      a: 'va lue;',
      s: { valid: true, renew: false, value: 'signed' },
      bare: { valid: false, renew: false, value: null },
    });
    expect(fastifyCookie.parse('x=1; y=%E2%9C%93')).toEqual({ x: '1', y: '✓' });
    await app.close();
  });

  it('@fastify/static serves a file and sends a download with an RFC 6266 Content-Disposition', async () => {
    writeFileSync(join(dir, 'report.txt'), 'hello');
    const app = Fastify();
    await app.register(fastifyStatic, { root: dir, prefix: '/files/' });
    app.get('/download', (_req, reply) => reply.download('report.txt', 'rapport é.txt'));
    const file = await app.inject({ url: '/files/report.txt' });
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe('hello');
    const missing = await app.inject({ url: '/files/../package.json' });
    expect(missing.statusCode).toBe(404);
    const dl = await app.inject({ url: '/download' });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-disposition']).toBe(
      `attachment; filename="rapport ?.txt"; filename*=UTF-8''rapport%20%C3%A9.txt`,
    );
    await app.close();
  });
});
