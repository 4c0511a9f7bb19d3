// Shared plumbing of the two fake LLM servers (node:http on 127.0.0.1, ephemeral port).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelReply, ModelScript, ModelTurn, RecordedRequest } from './model-double.ts';

export interface FakeServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Model requests answered so far (errors included). */
  readonly calls: number;
  /** Replaces the script (between tests). */
  setScript(script: ModelScript): void;
  close(): Promise<void>;
}

export interface Handler {
  /** Returns the status, headers and JSON body; `turn` was decoded from the vendor request. */
  handle(
    req: IncomingMessage,
    body: string,
    answer: (turn: ModelTurn) => Promise<ModelReply>,
  ): Promise<{ status: number; headers: Record<string, string>; body: unknown }>;
}

export async function startFake(handler: Handler, script: ModelScript): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let current = script;
  let calls = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler
        .handle(req, body, async (turn) => current(turn, calls++))
        .then(
          (out) => send(res, out.status, out.headers, out.body),
          (err: unknown) =>
            send(
              res,
              500,
              {},
              { error: { message: `fake server bug: ${String(err)}`, type: 'server_error' } },
            ),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get calls() {
      return calls;
    },
    setScript(s) {
      current = s;
      calls = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const randomId = (prefix: string): string => `${prefix}${Math.random().toString(36).slice(2, 14)}`;
