import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDeps } from '../../../src/ports/action-connector.port.ts';
import { smtpKind } from '../../../src/extensions/actions/vendors/smtp.ts';
import { FakeSmtp, selfSignedLocalhost } from '../../fakes/vendors/smtp.ts';
import { actionRequest, guardedDeps, HOSTILE, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const USER = 'tw-mailer';
const PASS = 'smtp-secret-pw';
const keyCert = selfSignedLocalhost();
const secure = new FakeSmtp({
  ...(keyCert ? { tlsKeyCert: keyCert } : {}),
  requireTls: true,
  user: USER,
  pass: PASS,
});
const plainLogin = new FakeSmtp({ authMethods: ['LOGIN'], user: USER, pass: PASS });

function mailer(
  server: FakeSmtp,
  config: Record<string, unknown> = {},
  secrets: Record<string, string> = { username: USER, password: PASS },
  deps: ConnectorDeps = loopbackDeps(),
) {
  return smtpKind.create(
    {
      name: 'mail',
      config: {
        host: 'localhost',
        port: server.port,
        from: 'tw@acme.example',
        to: ['soc@acme.example'],
        timeout_ms: 1000,
        ...(keyCert ? { tls_ca: keyCert.cert } : {}),
        ...config,
      },
      secrets,
      actionTypes: ['notify'],
    },
    deps,
  );
}

/** Quoted-printable decoded (soft breaks joined), for reading the parts. */
function unQp(text: string): string {
  return Buffer.from(
    text
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

beforeAll(async () => {
  await secure.start();
  await plainLogin.start();
});
afterAll(async () => {
  await secure.close();
  await plainLogin.close();
});

describe('smtp connector', () => {
  it('validates host, from, recipients, security and the credential pair', () => {
    expect(smtpKind.validate({}, {}).map((p) => p.field)).toEqual(['host', 'from']);
    expect(
      smtpKind
        .validate(
          { host: 'smtp.acme.example', from: 'tw@acme.example', to: ['x'], security: 'ssl', port: 0 },
          { username: 'u' },
        )
        .map((p) => p.field),
    ).toEqual(['port', 'security', 'to', 'secrets.password']);
    expect(smtpKind.validate({ host: 'smtp.acme.example', from: 'tw@acme.example' }, {})).toEqual([]);
  });

  it.skipIf(!keyCert)(
    'STARTTLS (verified against the given CA) + AUTH PLAIN, Message-ID from the action id, dot-stuffing',
    async () => {
      const r = await mailer(secure).execute(
        actionRequest({ parameters: { message: 'line one\n.hidden line\n.\nend' } }),
        never(),
      );
      const mid = `<tw-${actionRequest().action_id}@acme.example>`;
      expect(r).toEqual({
        ok: true,
        vendor_ref: mid,
        details: { message_id: mid, accepted: 1, rejected: [], queue_id: '4F3A2B1C9D' },
      });
      const m = secure.messages.at(-1)!;
      expect(m).toMatchObject({ from: 'tw@acme.example', to: ['soc@acme.example'], tls: true, user: USER });
      expect(m.data).toContain(`Message-ID: ${mid}`);
      expect(m.rawLines).toContain('..hidden line');
      expect(m.rawLines).toContain('..');
      expect(unQp(m.data)).toContain('\r\n.hidden line\r\n.\r\nend');
    },
  );

  it.skipIf(!keyCert)('without the CA the self-signed certificate is refused: nothing sent', async () => {
    const n = secure.messages.length;
    expect(await mailer(secure, { tls_ca: undefined }).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'NETWORK',
      not_applied: true,
    });
    expect(secure.messages.length).toBe(n);
  });

  it.skipIf(!keyCert)('security tls: implicit TLS from the first byte (port 465 style)', async () => {
    const implicit = new FakeSmtp({
      ...(keyCert ? { tlsKeyCert: keyCert } : {}),
      implicitTls: true,
      user: USER,
      pass: PASS,
    });
    await implicit.start();
    try {
      expect(await mailer(implicit, { security: 'tls' }).execute(actionRequest(), never())).toMatchObject({
        ok: true,
      });
      expect(implicit.messages.at(-1)).toMatchObject({ tls: true, user: USER });
      // Speaking plain SMTP to a TLS port gets no greeting: a timeout before anything was sent.
      expect(
        await mailer(implicit, { security: 'none', timeout_ms: 300 }).execute(actionRequest(), never()),
      ).toMatchObject({
        ok: false,
        not_applied: true,
      });
      expect(implicit.messages).toHaveLength(1);
    } finally {
      await implicit.close();
    }
  });

  it('a cancelled call before the message is sent reports nothing sent', async () => {
    const ac = new AbortController();
    plainLogin.inject({ on: 'GREETING', reply: 'hang' });
    setTimeout(() => ac.abort(), 50);
    expect(await mailer(plainLogin, { security: 'none' }).execute(actionRequest(), ac.signal)).toMatchObject({
      ok: false,
      not_applied: true,
    });
  });

  it('STARTTLS is required: a server not offering it gets nothing (no AUTH in clear)', async () => {
    const n = plainLogin.messages.length;
    expect(await mailer(plainLogin).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      not_applied: true,
      details: { stage: 'starttls' },
    });
    expect(plainLogin.messages.length).toBe(n);
    expect(plainLogin.messages.every((m) => m.user === null)).toBe(true);
  });

  it('security none (explicit opt-out) sends in clear with AUTH LOGIN', async () => {
    const r = await mailer(plainLogin, { security: 'none' }).execute(
      actionRequest({ target: { type: 'email', value: 'oncall@acme.example' } }),
      never(),
    );
    expect(r).toMatchObject({ ok: true });
    expect(plainLogin.messages.at(-1)).toMatchObject({ to: ['oncall@acme.example'], tls: false, user: USER });
  });

  it('escapes alert text for HTML, keeps headers on one line', async () => {
    const c = mailer(plainLogin, { security: 'none' });
    await c.execute(
      actionRequest({
        title: `Invoice\r\nBcc: attacker@evil.example ${HOSTILE}`,
        parameters: { message: HOSTILE },
        reason: HOSTILE,
      }),
      never(),
    );
    const data = plainLogin.messages.at(-1)!.data;
    const [head, body] = [
      data.slice(0, data.indexOf('\r\n\r\n')),
      unQp(data.slice(data.indexOf('Content-Type: text/html'))),
    ];
    expect(head).not.toMatch(/^Bcc:/im);
    expect(unQp(data)).not.toContain('https://evil');
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('href="https://evil');
    expect(body).toContain('&lt;script&gt;');
    expect(body).toContain('hxxps[://]evil.example');
  });

  it('maps replies: 535, unknown recipient, partial recipients, 421 rate, 451 and 554 at end of data', async () => {
    const c = mailer(plainLogin, { security: 'none' });
    expect(
      await mailer(plainLogin, { security: 'none' }, { username: USER, password: 'wrong' }).execute(
        actionRequest(),
        never(),
      ),
    ).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      not_applied: true,
    });
    expect(
      await c.execute(actionRequest({ target: { type: 'email', value: 'nobody@acme.example' } }), never()),
    ).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(
      await mailer(plainLogin, { security: 'none', to: ['nobody@acme.example', 'soc@acme.example'] }).execute(
        actionRequest(),
        never(),
      ),
    ).toMatchObject({
      ok: true,
      details: { accepted: 1, rejected: [550] },
    });
    plainLogin.inject({ on: 'MAIL', reply: '421 4.7.0 Too many messages, slow down' });
    expect(await c.execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      not_applied: true,
    });
    const n = plainLogin.messages.length;
    plainLogin.inject({ on: 'END', reply: '451 4.3.0 Temporary failure' });
    expect(await c.execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'VENDOR_ERROR',
      not_applied: true,
      details: { smtp_code: 451 },
    });
    plainLogin.inject({ on: 'END', reply: '554 5.7.1 Message rejected as spam' });
    expect(await c.execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      details: { stage: 'message' },
    });
    expect(plainLogin.messages.length).toBe(n);
    expect(
      await c.execute(actionRequest({ target: { type: 'email', value: 'bad address' } }), never()),
    ).toMatchObject({ ok: false, code: 'REJECTED' });
  });

  it('timeouts: before the message nothing was sent; after the final dot the outcome is unknown', async () => {
    const c = mailer(plainLogin, { security: 'none', timeout_ms: 300 });
    plainLogin.inject({ on: 'GREETING', reply: 'hang' });
    expect(await c.execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'TIMEOUT',
      not_applied: true,
      details: { stage: 'greeting' },
    });
    plainLogin.inject({ on: 'END', reply: 'hang' });
    expect(await c.execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });

  it('dry run shows envelope and message, no password, no connection', async () => {
    const before = plainLogin.connections;
    const r = await mailer(plainLogin).dryRun(actionRequest());
    expect(plainLogin.connections).toBe(before);
    expect(JSON.stringify(r)).not.toContain(PASS);
    expect(r).toMatchObject({
      ok: true,
      details: {
        request: { protocol: 'smtp', envelope: { from: 'tw@acme.example', to: ['soc@acme.example'] } },
      },
    });
  });

  it.skipIf(!keyCert)('test() connects, upgrades, authenticates and quits without sending', async () => {
    const n = secure.messages.length;
    expect(await mailer(secure).test(never())).toMatchObject({
      ok: true,
      details: { extensions: expect.arrayContaining(['AUTH']) },
    });
    expect(await mailer(secure, {}, { username: USER, password: 'nope' }).test(never())).toMatchObject({
      ok: false,
    });
    expect(secure.messages.length).toBe(n);
  });

  it('the default SSRF policy refuses the loopback host before connecting', async () => {
    const before = plainLogin.connections;
    expect(
      await mailer(plainLogin, { security: 'none' }, undefined, guardedDeps()).execute(
        actionRequest(),
        never(),
      ),
    ).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
      not_applied: true,
    });
    expect(await mailer(plainLogin, {}, undefined, guardedDeps()).test(never())).toMatchObject({ ok: false });
    expect(plainLogin.connections).toBe(before);
  });
});
