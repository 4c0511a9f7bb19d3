/**
 * The websockets baseline: a bare `ws` server in its own process. Clients connect to /stream and get
 * `{"type":"subscribed"}`; POST /publish broadcasts the request body to every client (one send each).
 * Port in env BENCH_PORT; /ready answers 200.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const clients = new Set<WebSocket>();
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      for (const ws of clients) ws.send(body);
      res.writeHead(202).end();
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
