import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it (header names lower-cased). */
export interface FakeRequest {
  method: string;
  /** Path and query, e.g. `/v3/community/1.2.3.4`. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** Sent as `application/json` unless `headers` says otherwise. */
  json?: unknown;
  text?: string;
}

export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: FakeRequest[];
  /** The next request gets the vendor's 429 answer with this Retry-After. */
  rateLimitNext(retryAfter: string): void;
  close(): Promise<void>;
}

/** A loopback HTTP server (127.0.0.1, ephemeral port) answering with `handler`. */
export async function startFakeServer(
  handler: (req: FakeRequest) => FakeReply,
  rateLimitReply: (retryAfter: string) => FakeReply,
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  let pendingRateLimit: string | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const seen: FakeRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      let reply: FakeReply;
      if (pendingRateLimit !== undefined) {
        reply = rateLimitReply(pendingRateLimit);
        pendingRateLimit = undefined;
      } else {
        reply = handler(seen);
      }
      const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
      const contentType = reply.text !== undefined ? 'text/html; charset=utf-8' : 'application/json';
      res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rateLimitNext(retryAfter) {
      pendingRateLimit = retryAfter;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
