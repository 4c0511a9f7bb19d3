import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { originAllowed } from '../../src/api/plugins/websocket-guard.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_VIEWER_KEY, edgeRuntime } from '../helpers/edge.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

/** The stream's upgrade over a real socket: Origin allow-list, then the connection caps. */
let rt: Runtime;
const open: WebSocket[] = [];

beforeAll(async () => {
  rt = await edgeRuntime(
    testConfig({
      server: {
        allowed_origins: ['https://soc.example.com'],
        max_websocket_connections: 3,
        max_websockets_per_credential: 2,
      },
    }),
    { listen: true },
  );
}, 180_000);
afterAll(async () => {
  for (const ws of open) ws.terminate();
  await rt?.stop();
});

const VIEWER = { authorization: `Bearer ${TEST_VIEWER_KEY}` };

/** Resolves with the socket once upgraded, or with the HTTP status the upgrade got instead. */
function connect(headers: Record<string, string>): Promise<WebSocket | number> {
  const ws = new WebSocket(`${rt.url!.replace(/^http/, 'ws')}/api/v1/stream`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      open.push(ws);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('WebSocket upgrade guard', { timeout: 120_000 }, () => {
  it('a page on another site is refused (403), whatever its credential', async () => {
    expect(await connect(asAdmin({ origin: 'https://evil.example' }))).toBe(403);
    expect(await connect(asAdmin({ origin: 'null' }))).toBe(403);
    // A look-alike of the server's own host on another port is another origin.
    const host = new URL(rt.url!).hostname;
    expect(await connect(asAdmin({ origin: `http://${host}:1` }))).toBe(403);
  });

  it('same origin, a listed origin, or no Origin (not a browser) connect; then the caps apply', async () => {
    const self = new URL(rt.url!).origin;
    const a1 = await connect(asAdmin({ origin: self }));
    expect(a1).toBeInstanceOf(WebSocket);
    expect(await connect(asAdmin({ origin: 'https://soc.example.com' }))).toBeInstanceOf(WebSocket);
    // Third for the same credential: 429.
    expect(await connect(asAdmin())).toBe(429);
    // Another credential takes the process's last slot; then the process is full: 503.
    expect(await connect(VIEWER)).toBeInstanceOf(WebSocket);
    expect(await connect(VIEWER)).toBe(503);

    // A closed connection gives its slot back.
    (a1 as WebSocket).close();
    await eventually(async () => {
      const again = await connect(asAdmin());
      return again instanceof WebSocket;
    }, 'a slot after a close');
  });

  it('originAllowed: same host and port as Host, or listed', () => {
    expect(originAllowed(undefined, 'tw.example:8080', [])).toBe(true);
    expect(originAllowed('http://tw.example:8080', 'tw.example:8080', [])).toBe(true);
    expect(originAllowed('https://tw.example', 'tw.example', [])).toBe(true);
    expect(originAllowed('https://tw.example', 'tw.example:443', [])).toBe(true);
    expect(originAllowed('https://tw.example.evil.example', 'tw.example', [])).toBe(false);
    expect(originAllowed('https://evil.example', 'tw.example', [])).toBe(false);
    expect(originAllowed('https://evil.example', 'tw.example', ['https://evil.example:443'])).toBe(true);
    expect(originAllowed('http://evil.example', 'tw.example', ['https://evil.example'])).toBe(false);
    expect(originAllowed('not a url', 'tw.example', [])).toBe(false);
    expect(originAllowed('https://tw.example', undefined, [])).toBe(false);
  });
});
