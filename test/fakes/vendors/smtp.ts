import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

/** One accepted message: envelope, the DATA lines as sent (dot-stuffed) and as stored (un-stuffed). */
export interface ReceivedMail {
  from: string;
  to: string[];
  rawLines: string[];
  data: string;
  tls: boolean;
  user: string | null;
}

export interface FakeSmtpOptions {
  /** Key and certificate for STARTTLS; without them STARTTLS is not offered. */
  tlsKeyCert?: { key: string; cert: string };
  /** Refuse MAIL before STARTTLS (530 5.7.0), like a submission server. */
  requireTls?: boolean;
  authMethods?: ('PLAIN' | 'LOGIN')[];
  user?: string;
  pass?: string;
  /** Speak TLS from the first byte (port 465 style) with `tlsKeyCert`; STARTTLS is then not offered. */
  implicitTls?: boolean;
}

/** The next reply to a command (`MAIL`, `RCPT`, `DATA`, `END` for the final dot, `GREETING`): a line or a hang. */
export type Injection = {
  on: 'GREETING' | 'EHLO' | 'MAIL' | 'RCPT' | 'DATA' | 'END' | 'AUTH';
  reply: string | 'hang';
};

/**
 * A loopback SMTP submission server over node:net: multi-line EHLO, STARTTLS (with a certificate made
 * at test time), AUTH PLAIN and LOGIN, MAIL/RCPT/DATA with dot-stuffing undone, QUIT. Unknown
 * mailboxes get 550 5.1.1; `inject` queues one-off replies (421, 451, 535, a hang).
 */
export class FakeSmtp {
  readonly messages: ReceivedMail[] = [];
  readonly mailboxes = new Set(['soc@acme.example', 'oncall@acme.example']);
  readonly #injections: Injection[] = [];
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | null = null;
  port = 0;
  /** Connections accepted so far (a dry run or a refused host makes none). */
  connections = 0;

  constructor(private readonly opts: FakeSmtpOptions = {}) {}

  inject(...i: Injection[]): void {
    this.#injections.push(...i);
  }

  async start(): Promise<number> {
    const kc = this.opts.tlsKeyCert;
    this.#server =
      this.opts.implicitTls && kc
        ? tls.createServer({ key: kc.key, cert: kc.cert }, (s) => this.#serve(s, true))
        : net.createServer((s) => this.#serve(s, false));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #take(on: Injection['on']): string | 'hang' | undefined {
    const i = this.#injections.findIndex((x) => x.on === on);
    return i < 0 ? undefined : this.#injections.splice(i, 1)[0]!.reply;
  }

  #serve(plain: net.Socket, implicitTls: boolean): void {
    this.connections += 1;
    this.#sockets.add(plain);
    plain.on('close', () => this.#sockets.delete(plain));
    plain.on('error', () => undefined);
    let socket: net.Socket = plain;
    let secure = implicitTls;
    let user: string | null = null;
    let from: string | null = null;
    let to: string[] = [];
    let data: string[] | null = null;
    let authStep: 'user' | 'pass' | null = null;
    let loginUser = '';
    let buf = '';
    const methods = this.opts.authMethods ?? ['PLAIN', 'LOGIN'];
    const send = (line: string | 'hang' | undefined, fallback: string) => {
      if (line === 'hang') return;
      socket.write(`${line ?? fallback}\r\n`);
    };
    const login = (u: string, p: string) => {
      if (u === this.opts.user && p === this.opts.pass) {
        user = u;
        send(undefined, '235 2.7.0 Authentication successful');
      } else send(undefined, '535 5.7.8 Authentication credentials invalid');
    };
    const onLine = (line: string) => {
      if (data) {
        if (line === '.') {
          const raw = data;
          data = null;
          const reply = this.#take('END');
          if (reply === undefined || reply.startsWith('250'))
            this.messages.push({
              from: from!,
              to,
              rawLines: raw,
              data: raw.map((l) => (l.startsWith('..') ? l.slice(1) : l)).join('\r\n'),
              tls: secure,
              user,
            });
          from = null;
          to = [];
          return send(reply, '250 2.0.0 Ok: queued as 4F3A2B1C9D');
        }
        data.push(line);
        return;
      }
      if (authStep === 'user') {
        loginUser = Buffer.from(line, 'base64').toString('utf8');
        authStep = 'pass';
        return send(undefined, '334 UGFzc3dvcmQ6');
      }
      if (authStep === 'pass') {
        authStep = null;
        return login(loginUser, Buffer.from(line, 'base64').toString('utf8'));
      }
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO': {
          const ext = [
            'PIPELINING',
            'SIZE 10240000',
            ...(this.opts.tlsKeyCert && !secure ? ['STARTTLS'] : []),
            `AUTH ${methods.join(' ')}`,
            '8BITMIME',
          ];
          const injected = this.#take('EHLO');
          if (injected !== undefined) return send(injected, '');
          return socket.write(
            ['250-fake.smtp Hello', ...ext.map((e, i) => `250${i === ext.length - 1 ? ' ' : '-'}${e}`)].join(
              '\r\n',
            ) + '\r\n',
          );
        }
        case 'STARTTLS': {
          if (!this.opts.tlsKeyCert || secure) return send(undefined, '502 5.5.1 Not supported');
          socket.write('220 2.0.0 Ready to start TLS\r\n');
          plain.removeAllListeners('data');
          const t = new tls.TLSSocket(plain, {
            isServer: true,
            key: this.opts.tlsKeyCert.key,
            cert: this.opts.tlsKeyCert.cert,
          });
          t.on('error', () => undefined);
          t.on('data', onData);
          socket = t;
          secure = true;
          buf = '';
          return;
        }
        case 'AUTH': {
          const [mech = '', initial] = arg.split(' ');
          const injected = this.#take('AUTH');
          if (injected !== undefined) return send(injected, '');
          if (!methods.includes(mech.toUpperCase() as 'PLAIN'))
            return send(undefined, '504 5.5.4 Unrecognized authentication type');
          if (mech.toUpperCase() === 'PLAIN') {
            const [, u = '', p = ''] = Buffer.from(initial ?? '', 'base64')
              .toString('utf8')
              .split('\0');
            return login(u, p);
          }
          authStep = 'user';
          return send(undefined, '334 VXNlcm5hbWU6');
        }
        case 'MAIL': {
          const injected = this.#take('MAIL');
          if (injected !== undefined) return send(injected, '');
          if (this.opts.requireTls && !secure)
            return send(undefined, '530 5.7.0 Must issue a STARTTLS command first');
          if (this.opts.user && !user) return send(undefined, '530 5.7.0 Authentication required');
          from = /^FROM:<([^>]*)>/i.exec(arg)?.[1] ?? null;
          return send(undefined, from === null ? '501 5.5.4 Syntax error' : '250 2.1.0 Ok');
        }
        case 'RCPT': {
          const injected = this.#take('RCPT');
          if (injected !== undefined) return send(injected, '');
          if (from === null) return send(undefined, '503 5.5.1 Need MAIL first');
          const rcpt = /^TO:<([^>]*)>/i.exec(arg)?.[1] ?? '';
          if (!this.mailboxes.has(rcpt))
            return send(undefined, '550 5.1.1 Recipient address rejected: User unknown');
          to.push(rcpt);
          return send(undefined, '250 2.1.5 Ok');
        }
        case 'DATA': {
          const injected = this.#take('DATA');
          if (injected !== undefined) return send(injected, '');
          if (to.length === 0) return send(undefined, '554 5.5.1 No valid recipients');
          data = [];
          return send(undefined, '354 End data with <CR><LF>.<CR><LF>');
        }
        case 'RSET':
          from = null;
          to = [];
          return send(undefined, '250 2.0.0 Ok');
        case 'QUIT':
          socket.end('221 2.0.0 Bye\r\n');
          return;
        default:
          return send(undefined, '502 5.5.2 Error: command not recognized');
      }
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        onLine(line);
      }
    };
    plain.on('data', onData);
    send(this.#take('GREETING'), '220 fake.smtp ESMTP ready');
  }
}

/** A self-signed certificate for `localhost` made with the openssl CLI, or null when it is missing. */
export function selfSignedLocalhost(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'tw-smtp-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
