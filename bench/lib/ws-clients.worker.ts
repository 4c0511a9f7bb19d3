/**
 * WebSocket clients for the websockets scenario, in a child process driven over IPC:
 *   {cmd:'connect', url, count, concurrency} → {ev:'connected', connected, failed, ms}
 *   {cmd:'count'}  → {ev:'count', deliveries}
 *   {cmd:'report'} → {ev:'report', latencies, per_event}  (and resets what it recorded)
 *   {cmd:'close'}  → closes every socket and exits
 * Latency of a bench event = receipt time − `data.bench_sent_at` (both wall-clock ms with
 * sub-ms resolution; same machine, same clock). The receipt time is taken first thing in the
 * message handler, and only the two bench fields are read from the raw bytes (no JSON.parse): with
 * thousands of sockets per process, client work on receipt delays the timestamps of every socket
 * read after it and is charged to the server under test (the same for the API and the baseline).
 */
import WebSocket from 'ws';
import { adminHeaders } from './auth.ts';

type Command =
  | { cmd: 'connect'; url: string; count: number; concurrency: number }
  | { cmd: 'count' }
  | { cmd: 'report' }
  | { cmd: 'close' };

const sockets: WebSocket[] = [];
/** Per bench message since the last report: receipt time, `bench_seq`, `bench_sent_at`. */
let received: number[] = [];

const SEQ_KEY = Buffer.from('"bench_seq":');
const SENT_KEY = Buffer.from('"bench_sent_at":');

/** The JSON number right after `key` in `raw` (digits and one '.'), or NaN. */
function numberAfter(raw: Buffer, key: Buffer): number {
  const at = raw.indexOf(key);
  if (at < 0) return Number.NaN;
  let value = 0;
  let scale = 0;
  for (let i = at + key.length; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 46) scale = 1;
    else if (c >= 48 && c <= 57) {
      if (scale) scale /= 10;
      value = scale ? value + (c - 48) * scale : value * 10 + (c - 48);
    } else break;
  }
  return value;
}
let deliveries = 0;
let closedEarly = 0;

const now = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send?.(m);

function open(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, headers: adminHeaders() });
    let subscribed = false;
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, 60_000);
    ws.on('message', (raw: Buffer) => {
      const at = now();
      if (subscribed) {
        received.push(at, numberAfter(raw, SEQ_KEY), numberAfter(raw, SENT_KEY));
        deliveries++;
        return;
      }
      if ((JSON.parse(raw.toString()) as { type?: string }).type === 'subscribed') {
        subscribed = true;
        clearTimeout(timer);
        sockets.push(ws);
        resolve(true);
      }
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
      case 'report': {
        const latencies: number[] = [];
        const perEvent = new Map<number, { n: number; max: number }>();
        for (let i = 0; i + 2 < received.length; i += 3) {
          const [at, seq, sent] = [received[i]!, received[i + 1]!, received[i + 2]!];
          if (Number.isNaN(seq) || Number.isNaN(sent)) continue;
          const latency = at - sent;
          latencies.push(Math.round(latency * 100) / 100);
          const e = perEvent.get(seq) ?? { n: 0, max: 0 };
          e.n++;
          if (latency > e.max) e.max = latency;
          perEvent.set(seq, e);
        }
        send({
          ev: 'report',
          latencies,
          per_event: Object.fromEntries(perEvent),
          deliveries: latencies.length,
          closed_early: closedEarly,
        });
        received = [];
        deliveries = 0;
        break;
      }
      case 'close':
        for (const ws of sockets) ws.terminate();
        setTimeout(() => process.exit(0), 100);
        break;
    }
  })();
});
process.on('disconnect', () => process.exit(0));
