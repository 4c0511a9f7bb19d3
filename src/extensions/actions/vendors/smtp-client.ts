import net from 'node:net';
import tls from 'node:tls';

/**
 * A small SMTP submission client (RFC 5321/3207/4954) over node:net/tls: EHLO, STARTTLS (required
 * unless the caller opts out), AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT.
 * It connects to an address already SSRF-checked by the caller and records the stage each failure
 * happened at, so the caller knows whether the message can have been delivered: only a failure while
 * waiting for the reply to the final `.` leaves that open.
 */

export type SmtpSecurity = 'starttls' | 'tls' | 'none';
export type SmtpStage =
  'connect' | 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'message' | 'quit';

export interface SmtpOptions {
  /** Host name as configured (TLS server name). */
  host: string;
  port: number;
  /** The SSRF-checked address to connect to. */
  address: string;
  /** `starttls` (default: upgrade is required), `tls` (implicit TLS, port 465), `none` (explicit opt-out). */
  security: SmtpSecurity;
  heloName: string;
  auth?: { user: string; pass: string };
  /** Extra trusted CA certificates (PEM), for a private mail relay. */
  ca?: string;
  /** Per reply, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SmtpReply {
  code: number;
  lines: string[];
}

export class SmtpError extends Error {
  constructor(
    /** `NETWORK`, `TIMEOUT`, `TLS` (handshake/certificate), `PROTOCOL` (garbled reply), `REPLY` (4xx/5xx), `NO_STARTTLS`, `NO_AUTH`, `ABORTED`. */
    readonly kind:
      'NETWORK' | 'TIMEOUT' | 'TLS' | 'PROTOCOL' | 'REPLY' | 'NO_STARTTLS' | 'NO_AUTH' | 'ABORTED',
    message: string,
    readonly stage: SmtpStage,
    readonly reply?: SmtpReply,
  ) {
    super(message);
    this.name = 'SmtpError';
  }
}

const MAX_BUFFER = 64 * 1024;

/** Message text with CRLF line ends, lines beginning with `.` doubled, ended by `CRLF.CRLF`. */
export function dotStuff(message: string): string {
  const lines = message.replace(/\r?\n/g, '\n').replace(/\n$/, '').split('\n');
  return `${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}\r\n.\r\n`;
}

class SmtpConnection {
  private socket: net.Socket;
  private buf = '';
  private readonly lines: string[] = [];
  private wake: (() => void) | null = null;
  private failure: SmtpError | null = null;
  stage: SmtpStage = 'connect';
  extensions = new Map<string, string>();

  private constructor(
    socket: net.Socket,
    private readonly opts: SmtpOptions,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  static async open(opts: SmtpOptions): Promise<SmtpConnection> {
    const servername = net.isIP(opts.host) ? undefined : opts.host;
    const socket =
      opts.security === 'tls'
        ? tls.connect({
            host: opts.address,
            port: opts.port,
            servername,
            ca: opts.ca ? [...tls.rootCertificates, opts.ca] : undefined,
          })
        : net.connect({ host: opts.address, port: opts.port });
    const conn = new SmtpConnection(socket, opts);
    await conn.until(opts.security === 'tls' ? 'secureConnect' : 'connect');
    return conn;
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buf += chunk.toString('latin1');
      if (this.buf.length > MAX_BUFFER)
        return this.fail(new SmtpError('PROTOCOL', 'the server sent an oversized reply', this.stage));
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
        if (this.lines.length > 1000) {
          this.buf = '';
          return this.fail(
            new SmtpError('PROTOCOL', 'the server sent more lines than asked for', this.stage),
          );
        }
        this.buf = this.buf.slice(i + 1);
      }
      this.wake?.();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const isTls = /SSL|TLS|CERT|certificate|self.signed|ERR_TLS/i.test(`${e.code ?? ''} ${e.message}`);
      this.fail(
        new SmtpError(
          isTls ? 'TLS' : 'NETWORK',
          isTls
            ? 'TLS handshake failed (certificate or protocol)'
            : `connection failed (${e.code ?? 'error'})`,
          this.stage,
        ),
      );
    });
    socket.on('close', () =>
      this.fail(new SmtpError('NETWORK', 'the server closed the connection', this.stage)),
    );
  }

  private fail(err: SmtpError): void {
    if (!this.failure) this.failure = err;
    this.wake?.();
  }

  /** Waits for a socket event (connect, secureConnect), within the timeout. */
  private until(event: 'connect' | 'secureConnect'): Promise<void> {
    return this.guard(
      new Promise<void>((resolve, reject) => {
        this.socket.once(event, () => resolve());
        this.wake = () => this.failure && reject(this.failure);
      }),
    );
  }

  private guard<T>(p: Promise<T>): Promise<T> {
    const signal = this.opts.signal;
    return new Promise<T>((resolve, reject) => {
      const stop = (err: SmtpError) => {
        this.fail(err);
        this.socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => stop(new SmtpError('TIMEOUT', `no answer within ${this.opts.timeoutMs} ms`, this.stage)),
        this.opts.timeoutMs,
      );
      const onAbort = () => stop(new SmtpError('ABORTED', 'the call was cancelled', this.stage));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });
  }

  /** One reply, multi-line (`250-…` continues, `250 …` ends). */
  read(): Promise<SmtpReply> {
    return this.guard(
      (async () => {
        const lines: string[] = [];
        for (;;) {
          while (this.lines.length === 0) {
            if (this.failure) throw this.failure;
            await new Promise<void>((resolve) => (this.wake = resolve));
          }
          const m = /^(\d{3})([ -]?)(.*)$/.exec(this.lines.shift()!);
          if (!m) throw new SmtpError('PROTOCOL', 'the server sent a malformed reply', this.stage);
          lines.push(m[3]!);
          if (lines.length > 200)
            throw new SmtpError('PROTOCOL', 'the server sent too long a reply', this.stage);
          if (m[2] !== '-') return { code: Number(m[1]), lines };
        }
      })(),
    );
  }

  async command(stage: SmtpStage, line: string, expect: number[]): Promise<SmtpReply> {
    this.stage = stage;
    if (this.failure) throw this.failure;
    this.socket.write(`${line}\r\n`);
    return this.expect(await this.read(), expect);
  }

  expect(reply: SmtpReply, codes: number[]): SmtpReply {
    if (!codes.includes(reply.code))
      throw new SmtpError('REPLY', `the server answered ${reply.code} at ${this.stage}`, this.stage, reply);
    return reply;
  }

  async ehlo(): Promise<void> {
    const reply = await this.command('ehlo', `EHLO ${this.opts.heloName}`, [250]);
    this.extensions = new Map(
      reply.lines.slice(1).map((l) => {
        const [k, ...rest] = l.trim().split(/\s+/);
        return [(k ?? '').toUpperCase(), rest.join(' ').toUpperCase()];
      }),
    );
  }

  get secure(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  async startTls(): Promise<void> {
    if (!this.extensions.has('STARTTLS'))
      throw new SmtpError('NO_STARTTLS', 'the server does not offer STARTTLS', 'starttls');
    await this.command('starttls', 'STARTTLS', [220]);
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    // Anything the server sent before the handshake is discarded (RFC 3207 §4.2: no command injection).
    this.buf = '';
    this.lines.length = 0;
    this.socket = tls.connect({
      socket: plain,
      servername: net.isIP(this.opts.host) ? undefined : this.opts.host,
      ca: this.opts.ca ? [...tls.rootCertificates, this.opts.ca] : undefined,
    });
    this.attach(this.socket);
    await this.until('secureConnect');
    await this.ehlo();
  }

  async authenticate(user: string, pass: string): Promise<void> {
    const methods = (this.extensions.get('AUTH') ?? '').split(/\s+/);
    if (methods.includes('PLAIN')) {
      await this.command('auth', `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`, [235]);
    } else if (methods.includes('LOGIN')) {
      await this.command('auth', 'AUTH LOGIN', [334]);
      await this.command('auth', Buffer.from(user).toString('base64'), [334]);
      await this.command('auth', Buffer.from(pass).toString('base64'), [235]);
    } else throw new SmtpError('NO_AUTH', 'the server offers neither AUTH PLAIN nor AUTH LOGIN', 'auth');
  }

  /** QUIT politely; its answer does not matter any more. */
  async close(): Promise<void> {
    try {
      if (!this.failure) await this.command('quit', 'QUIT', [221]);
    } catch {
      // the work is done or already failed
    } finally {
      this.socket.destroy();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connects, greets, upgrades (unless opted out) and authenticates: the shared start of a session. */
async function session(opts: SmtpOptions): Promise<SmtpConnection> {
  const conn = await SmtpConnection.open(opts);
  try {
    conn.stage = 'greeting';
    conn.expect(await conn.read(), [220]);
    await conn.ehlo();
    if (opts.security === 'starttls') await conn.startTls();
    if (opts.auth) await conn.authenticate(opts.auth.user, opts.auth.pass);
    return conn;
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

export interface SmtpSent {
  accepted: string[];
  rejected: { address: string; code: number }[];
  /** The server's queue id, when its reply names one in a recognisable form. */
  queueId: string | null;
}

/** Sends one message. Throws SmtpError; `stage === 'message'` means it may have been delivered. */
export async function sendMail(
  opts: SmtpOptions,
  from: string,
  to: readonly string[],
  message: string,
): Promise<SmtpSent> {
  const conn = await session(opts);
  try {
    await conn.command('mail', `MAIL FROM:<${from}>`, [250]);
    const accepted: string[] = [];
    const rejected: { address: string; code: number }[] = [];
    for (const rcpt of to) {
      try {
        await conn.command('rcpt', `RCPT TO:<${rcpt}>`, [250, 251]);
        accepted.push(rcpt);
      } catch (err) {
        if (!(err instanceof SmtpError) || err.kind !== 'REPLY' || !err.reply) throw err;
        rejected.push({ address: rcpt, code: err.reply.code });
        if (rejected.length === to.length) throw err;
      }
    }
    await conn.command('data', 'DATA', [354]);
    conn.stage = 'message';
    const final = await conn.command('message', dotStuff(message).replace(/\r\n$/, ''), [250]);
    await conn.close();
    const queued = /queued as ([A-Za-z0-9]{4,40})\b/.exec(final.lines.join(' '));
    return { accepted, rejected, queueId: queued?.[1] ?? null };
  } finally {
    conn.destroy();
  }
}

/** connect, EHLO, STARTTLS, AUTH, QUIT: proves reachability and credentials, sends nothing. */
export async function probe(opts: SmtpOptions): Promise<{ extensions: string[] }> {
  const conn = await session(opts);
  const extensions = [...conn.extensions.keys()];
  await conn.close();
  return { extensions };
}
