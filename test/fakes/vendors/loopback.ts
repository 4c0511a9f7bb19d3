import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the fake received (header names lower-case). */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

/** One answer: an object body is sent as JSON, a string as text; `hang` never answers (a timeout). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  hang?: boolean;
}

/**
 * A loopback HTTP server for one vendor: `route` answers like the vendor, `inject` queues one-off
 * answers in front of it (401, 404, 429 with Retry-After, 500, a hang). Records every request.
 */
export class LoopbackVendor {
  readonly requests: SeenRequest[] = [];
  readonly #queue: Answer[] = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #origin = '';

  constructor(private readonly route: (req: SeenRequest) => Answer) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = body ? JSON.parse(body) : undefined;
        } catch {
          json = undefined;
        }
        const seen: SeenRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers,
          body,
          json,
        };
        this.requests.push(seen);
        const answer = this.#queue.shift() ?? this.route(seen);
        if (answer.hang) return;
        const isText = typeof answer.body === 'string';
        const text =
          answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
          ...answer.headers,
        });
        res.end(text);
      });
    });
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#origin;
  }

  get origin(): string {
    return this.#origin;
  }

  /** The next requests get these answers, in order, before the vendor route. */
  inject(...answers: Answer[]): void {
    this.#queue.push(...answers);
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The `Authorization: Bearer <token>` value, when sent. */
export function bearer(req: SeenRequest): string | undefined {
  return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
}

/** The `Authorization: Basic` user and password, when sent. */
export function basic(req: SeenRequest): { user: string; password: string } | undefined {
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const raw = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = raw.indexOf(':');
  return i < 0 ? undefined : { user: raw.slice(0, i), password: raw.slice(i + 1) };
}
