/**
 * The websockets baseline: a bare `ws` server in its own process. Clients connect to /stream and get
 * `{"type":"subscribed"}`; POST /publish broadcasts the request body to every client (one send each).
 * Port in env BENCH_PORT; /ready answers 200.
 *
 * /publish answers 202 before it broadcasts, as the API's bus does (XADD returns before any API
 * process fans out): answering after the broadcast would pace the publisher by the fan-out, so the
 * baseline would never see an event arrive while the previous one is still being written, and the
 * comparison with the API would favour it.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const clients = new Set<WebSocket>();
const TEXT = { binary: false } as const;
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // One Buffer for every socket, sent as a text frame: the same encode-once the API does.
      const body = Buffer.concat(chunks);
      res.writeHead(202).end();
      for (const ws of clients) ws.send(body, TEXT);
    });
    return;
  }
  res
    .writeHead(req.url === '/ready' || req.url === '/live' ? 200 : 404, {
      'content-type': 'application/json',
    })
    .end('{"status":"ok"}');
});
const wss = new WebSocketServer({ server, path: '/stream', perMessageDeflate: false });
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.send(JSON.stringify({ type: 'subscribed', filters: {} }));
});
server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const ws of clients) ws.terminate();
    server.close(() => process.exit(0));
  });
}
