import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One answer: status, headers, body (an object is sent as JSON), optionally late. */
export interface VendorAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

/** A request the fake received, with its body. */
export interface VendorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  text: string;
  json: unknown;
}

/**
 * A loopback HTTP server speaking one response vendor's API: `route` answers like the vendor,
 * `script(answer, match)` puts one-off answers (429, 500, slow) in front of it for matching requests.
 * Every request is recorded (with its body), for "called once" and "no call" assertions.
 */
export class FakeVendor {
  readonly requests: VendorRequest[] = [];
  readonly #script: { answer: VendorAnswer; match: (r: VendorRequest) => boolean }[] = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  constructor(private readonly route: (req: VendorRequest) => VendorAnswer) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://fake');
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          const seen: VendorRequest = {
            method: req.method ?? 'GET',
            path: decodeURIComponent(url.pathname),
            query: url.searchParams,
            headers: req.headers,
            text,
            json,
          };
          this.requests.push(seen);
          const i = this.#script.findIndex((s) => s.match(seen));
          const answer = i >= 0 ? this.#script.splice(i, 1)[0]!.answer : this.route(seen);
          if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
          if (res.destroyed) return;
          const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
          res.writeHead(answer.status, {
            ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...answer.headers,
          });
          res.end(body);
        })();
      });
    });
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this.origin;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Answers the next request matching `match` (default: any) with `answer`, once. */
  script(answer: VendorAnswer, match: (r: VendorRequest) => boolean = () => true): void {
    this.#script.push({ answer, match });
  }

  /** Requests with this method whose path starts with `prefix`. */
  calls(method: string, prefix: string): VendorRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(prefix));
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Parses an `application/x-www-form-urlencoded` token request. */
export const form = (r: VendorRequest) => new URLSearchParams(r.text);

/**
 * An OAuth2 client-credentials token endpoint's state: issues `tok-<n>` tokens valid `ttlSeconds`,
 * answers 401 `invalid_client` for a wrong secret; `expireAll()` revokes every issued token (the
 * next API call then gets 401 and the client must fetch a new one).
 */
export class TokenIssuer {
  #n = 0;
  readonly #valid = new Map<string, number>();
  issued = 0;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly ttlSeconds = 1799,
  ) {}

  issue(r: VendorRequest, status = 200): VendorAnswer {
    const f = form(r);
    if (f.get('grant_type') !== 'client_credentials')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (f.get('client_id') !== this.clientId || f.get('client_secret') !== this.clientSecret)
      return { status: 401, body: { error: 'invalid_client', error_description: 'bad client credentials' } };
    const token = `tok-${++this.#n}`;
    this.issued++;
    this.#valid.set(token, Date.now() + this.ttlSeconds * 1000);
    return { status, body: { access_token: token, token_type: 'bearer', expires_in: this.ttlSeconds } };
  }

  /** True when the request carries a live bearer token. */
  authorised(r: VendorRequest): boolean {
    const m = /^Bearer (\S+)$/.exec(String(r.headers.authorization ?? ''));
    const until = m ? this.#valid.get(m[1]!) : undefined;
    return until !== undefined && until > Date.now();
  }

  expireAll(): void {
    this.#valid.clear();
  }
}
