import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One answer: status, headers, body (an object is sent as JSON), optionally late or never. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait before answering, ms. */
  delayMs?: number;
  /** Send the body as raw text (bad JSON, oversize) with this content type. */
  raw?: { text: string; contentType: string };
}

/** A request the fake received (the API key header is recorded so tests can check it was sent). */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

/**
 * A loopback HTTP server for one threat-intel vendor: a `route` function answers like the vendor,
 * `script` queues one-off answers in front of it (429s, 500s, slow or oversize answers), `down()`
 * closes the port so connections are refused. Counts every request, for "no vendor call" assertions.
 */
export class FakeVendorServer {
  readonly requests: SeenRequest[] = [];
  readonly #script: FakeAnswer[] = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;
  /** Answer every request with this while set (an outage). */
  failing: FakeAnswer | null = null;
  /** Added to every answer, ms (a slow vendor). */
  latencyMs = 0;

  constructor(private readonly route: (req: SeenRequest) => FakeAnswer) {}

  /** Starts listening (on the same port as before after `down()`); resolves with the origin. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
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

  /** Answers the next requests with these, in order, before the vendor route. */
  script(...answers: FakeAnswer[]): void {
    this.#script.push(...answers);
  }

  /** Closes the port and every open connection: the vendor is unreachable. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
    };
    this.requests.push(seen);
    const answer = this.failing ?? this.#script.shift() ?? this.route(seen);
    const delay = (answer.delayMs ?? 0) + this.latencyMs;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;
    if (answer.raw) {
      res.writeHead(answer.status, { 'content-type': answer.raw.contentType, ...answer.headers });
      res.end(answer.raw.text);
      return;
    }
    const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...answer.headers,
    });
    res.end(body);
  }
}
