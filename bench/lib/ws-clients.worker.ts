/**
 * WebSocket clients for the websockets scenario, in a child process driven over IPC:
 *   {cmd:'connect', url, count, concurrency} → {ev:'connected', connected, failed, ms}
 *   {cmd:'count'}  → {ev:'count', deliveries}
 *   {cmd:'report'} → {ev:'report', latencies, per_event}  (and resets what it recorded)
 *   {cmd:'close'}  → closes every socket and exits
 * Latency of a bench event = receipt time − `data.bench_sent_at` (both wall-clock ms with
 * sub-ms resolution; same machine, same clock).
 */
import WebSocket from 'ws';

type Command =
  | { cmd: 'connect'; url: string; count: number; concurrency: number }
  | { cmd: 'count' }
  | { cmd: 'report' }
  | { cmd: 'close' };

const sockets: WebSocket[] = [];
let latencies: number[] = [];
let perEvent = new Map<number, { n: number; max: number }>();
let deliveries = 0;
let closedEarly = 0;

const now = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send?.(m);

function open(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let subscribed = false;
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, 60_000);
    ws.on('message', (raw) => {
      const at = now();
      const msg = JSON.parse(raw.toString()) as {
        type?: string;
        data?: { bench_seq?: number; bench_sent_at?: number };
      };
      if (!subscribed) {
        if (msg.type === 'subscribed') {
          subscribed = true;
          clearTimeout(timer);
          sockets.push(ws);
          resolve(true);
        }
        return;
      }
      const seq = msg.data?.bench_seq;
      const sent = msg.data?.bench_sent_at;
      if (seq === undefined || sent === undefined) return;
      const latency = at - sent;
      latencies.push(Math.round(latency * 100) / 100);
      deliveries++;
      const e = perEvent.get(seq) ?? { n: 0, max: 0 };
      e.n++;
      if (latency > e.max) e.max = latency;
      perEvent.set(seq, e);
    });
    ws.on('close', () => {
      if (subscribed) closedEarly++;
    });
    ws.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

async function connect(url: string, count: number, concurrency: number) {
  const started = now();
  let connected = 0;
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        if (await open(url)) connected++;
        else failed++;
      }
    }),
  );
  return { connected, failed, ms: now() - started };
}

process.on('message', (m: Command) => {
  void (async () => {
    switch (m.cmd) {
      case 'connect':
        send({ ev: 'connected', ...(await connect(m.url, m.count, m.concurrency)), open: sockets.length });
        break;
      case 'count':
        send({ ev: 'count', deliveries, open: sockets.length, closed_early: closedEarly });
        break;
      case 'report':
        send({
          ev: 'report',
          latencies,
          per_event: Object.fromEntries(perEvent),
          deliveries,
          closed_early: closedEarly,
        });
        latencies = [];
        perEvent = new Map();
        deliveries = 0;
        break;
      case 'close':
        for (const ws of sockets) ws.terminate();
        setTimeout(() => process.exit(0), 100);
        break;
    }
  })();
});
process.on('disconnect', () => process.exit(0));
