/**
 * Scenario 4: N concurrent WebSocket clients on one API process (up to 10,000, spread over client
 * processes), event fan-out latency from publish (on the Redis event bus, as an orchestrator
 * publishes) to receipt on every client, and memory per connection (API RSS delta / N). Baseline:
 * a bare `ws` server broadcasting the same event to the same number of clients, in the same run.
 *
 * Breakdown: two probe sockets in this (otherwise idle) bench process, one connected before every
 * client and one after, are the first and the last socket the server writes to (both servers write in
 * connection order). Their receipt latency is the time until the server has started / finished
 * writing an event to every socket, free of the client processes' own queueing; the clients' latency
 * distribution adds the time those processes take to read thousands of sockets on the same cores.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { EventMap } from '../../src/contracts/index.ts';
import { monotonicUs } from '../lib/profile.ts';
import { NodeProcess, REPO_ROOT, cleanEnv, cpuSecondsOf, freePorts } from '../lib/proc.ts';
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import { isolate, startRole } from '../lib/setup.ts';
import { distribution, nowMs, round, sleep, waitUntil } from '../lib/stats.ts';
import { benchTransports } from '../lib/transports.ts';
import { adminHeaders } from '../lib/auth.ts';

interface Report {
  ev: 'report';
  latencies: number[];
  per_event: Record<string, { n: number; max: number }>;
  deliveries: number;
  closed_early: number;
}

/** One client process and a request/response helper over its IPC channel. */
class ClientProcess {
  readonly proc: NodeProcess;
  constructor(ctx: RunContext, name: string) {
    this.proc = new NodeProcess({
      name,
      script: join(REPO_ROOT, 'bench', 'lib', 'ws-clients.worker.ts'),
      env: cleanEnv(),
      logFile: join(ctx.logDir, `${name}.log`),
      ipc: true,
    });
    ctx.defer(() => this.proc.stop(5000));
  }
  request<T>(message: object, ev: string, timeoutMs = 180_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.proc.name}: no ${ev} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (m: { ev?: string }) => {
        if (m.ev !== ev) return;
        clearTimeout(timer);
        this.proc.child.off('message', onMessage);
        resolve(m as T);
      };
      this.proc.child.on('message', onMessage);
      this.proc.child.send(message);
    });
  }
}

/** One socket in the bench process that records when each bench event reached it. */
class Probe {
  private readonly at = new Map<number, number>();
  private constructor(private readonly ws: WebSocket) {}

  static open(url: string): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, headers: adminHeaders() });
      const probe = new Probe(ws);
      ws.once('error', reject);
      ws.on('message', (raw: Buffer) => {
        const at = nowMs();
        const msg = JSON.parse(raw.toString()) as {
          type?: string;
          data?: { bench_seq?: number; bench_sent_at?: number };
        };
        if (msg.type === 'subscribed') resolve(probe);
        const seq = msg.data?.bench_seq;
        const sent = msg.data?.bench_sent_at;
        if (seq !== undefined && sent !== undefined) probe.at.set(seq, at - sent);
      });
    });
  }

  /** Latencies since the last call. */
  take(): number[] {
    const values = [...this.at.values()];
    this.at.clear();
    return values;
  }

  close(): void {
    this.ws.terminate();
  }
}

function fdLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return m?.[1] === 'unlimited' ? Infinity : Number(m?.[1] ?? 1024);
}

interface StepResult {
  clients: number;
  connect_failures: number;
  connect_s: number;
  events: number;
  deliveries: number;
  expected: number;
  latency_ms: ReturnType<typeof distribution>;
  /** Per event: time until the last client had it. */
  complete_ms: ReturnType<typeof distribution>;
  /** Per event: receipt on the probe socket written first (publish → server starts writing). */
  server_first_ms: ReturnType<typeof distribution>;
  /** Per event: receipt on the probe socket written last (publish → server wrote to every socket). */
  server_last_ms: ReturnType<typeof distribution>;
  server_rss_mb: number;
  /** Server CPU time (user + system) from the first publish until every delivery, per event. */
  server_cpu_ms_per_event: number;
}

/** Connects clients up to `target`, publishes `events`, gathers latencies. */
async function step(
  ctx: RunContext,
  clients: ClientProcess[],
  url: string,
  have: number,
  target: number,
  events: number,
  intervalMs: number,
  publish: (seq: number) => Promise<void>,
  server: NodeProcess,
  probes: { first: Probe; last?: Probe },
): Promise<StepResult> {
  const add = target - have;
  const per = clients.map((_, i) => Math.floor(add / clients.length) + (i < add % clients.length ? 1 : 0));
  const t0 = performance.now();
  const connected = await Promise.all(
    clients.map((c, i) =>
      c.request<{ connected: number; failed: number; open: number }>(
        { cmd: 'connect', url, count: per[i], concurrency: 250 },
        'connected',
      ),
    ),
  );
  const connectS = (performance.now() - t0) / 1000;
  const open = connected.reduce((s, c) => s + c.open, 0);
  const failed = connected.reduce((s, c) => s + c.failed, 0);
  // A handful of handshakes lost on a saturated machine is reported, not fatal.
  if (open < target * 0.99) throw new Error(`${open} of ${target} clients connected (${failed} failed)`);
  ctx.log(
    `${open} clients connected (${failed} failed, ${round(connectS, 1)} s); publishing ${events} events`,
  );
  probes.last?.close();
  probes.last = await Probe.open(url);
  await sleep(1000);
  const serverRss = server.memory().rss_mb;
  const cpuFrom = cpuSecondsOf(server.pid);
  // Open loop, on a fixed schedule: a publish is not held back until the previous one was answered.
  // (Awaiting it paced the baseline, whose /publish is answered by the same busy event loop that
  // fans out, while XADD is answered by Redis: the API saw events queue up, the baseline never did.)
  const inFlight: Promise<void>[] = [];
  for (let seq = 0; seq < events; seq++) {
    ctx.checkpoint();
    inFlight.push(publish(seq));
    await sleep(intervalMs);
  }
  await Promise.all(inFlight);
  const expected = events * open;
  await waitUntil(
    async () => {
      const counts = await Promise.all(
        clients.map((c) => c.request<{ deliveries: number }>({ cmd: 'count' }, 'count')),
      );
      return counts.reduce((s, c) => s + c.deliveries, 0) >= expected;
    },
    15_000,
    `${expected} deliveries`,
    250,
  ).catch(() => undefined);
  const cpuMs = (cpuSecondsOf(server.pid) - cpuFrom) * 1000;
  const reports = await Promise.all(clients.map((c) => c.request<Report>({ cmd: 'report' }, 'report')));
  const firstProbe = probes.first.take();
  const lastProbe = probes.last.take();
  const latencies = reports.flatMap((r) => r.latencies);
  const complete = new Map<string, number>();
  for (const r of reports) {
    for (const [seq, e] of Object.entries(r.per_event))
      complete.set(seq, Math.max(complete.get(seq) ?? 0, e.max));
  }
  return {
    clients: open,
    connect_failures: failed,
    connect_s: round(connectS, 1),
    events,
    deliveries: latencies.length,
    expected,
    latency_ms: roundDist(distribution(latencies)),
    complete_ms: roundDist(distribution([...complete.values()])),
    server_first_ms: roundDist(distribution(firstProbe)),
    server_last_ms: roundDist(distribution(lastProbe)),
    server_rss_mb: round(serverRss, 1),
    server_cpu_ms_per_event: round(cpuMs / events, 2),
  };
}

function roundDist(d: ReturnType<typeof distribution>) {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, round(v, 2)])) as unknown as ReturnType<
    typeof distribution
  >;
}

export const websockets: Scenario = {
  name: 'websockets',
  title: 'WebSocket clients on one API process: fan-out latency and memory per connection',
  timeoutMs: (tiny) => (tiny ? 240_000 : 1_200_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    const tiny = ctx.tiny;
    const steps = tiny ? [50, 200] : [100, 1000, 10_000];
    const max = steps[steps.length - 1]!;
    const nClientProcs = tiny ? 1 : 2;
    const events = tiny ? 10 : 40;
    const intervalMs = tiny ? 100 : 250;
    const limit = fdLimit();
    const notes: string[] = [
      `Open-files limit (ulimit -n) inherited by every process: ${limit}; the API needs one descriptor per client, each client process ${Math.ceil(max / nClientProcs)}; it was not raised.`,
    ];
    if (limit < max + 500)
      throw new Error(`ulimit -n is ${limit}: raise it above ${max + 500} for ${max} clients`);

    const iso = await isolate(ctx, 'ws');
    const { proc: api } = await startRole(ctx, 'api', iso, { name: 'api', profile: true });
    const transports = await benchTransports(iso.prefix, 'bench-publisher');
    ctx.defer(() => transports.close());
    const clients = Array.from(
      { length: nClientProcs },
      (_, i) => new ClientProcess(ctx, `ws-clients-${i + 1}`),
    );
    const wsUrl = `${api.url.replace('http', 'ws')}/api/v1/stream`;
    await sleep(1000);
    const idleRss = api.memory().rss_mb;

    const publishVia = (send: (data: Record<string, unknown>) => Promise<unknown>) => async (seq: number) => {
      await send({
        incident_id: randomUUID(),
        from: 'new',
        to: 'enriching',
        by: 'bench',
        bench_seq: seq,
        bench_sent_at: nowMs(),
      });
    };
    const apiPublish = publishVia((data) =>
      transports.bus.publish('status_changed', data as unknown as EventMap['status_changed']),
    );

    const apiSteps: StepResult[] = [];
    const apiProbes: { first: Probe; last?: Probe } = { first: await Probe.open(wsUrl) };
    ctx.defer(() => [apiProbes.first, apiProbes.last].forEach((p) => p?.close()));
    let have = 0;
    const from = monotonicUs();
    for (const target of steps) {
      apiSteps.push(
        await step(ctx, clients, wsUrl, have, target, events, intervalMs, apiPublish, api, apiProbes),
      );
      have = apiSteps[apiSteps.length - 1]!.clients;
    }
    const to = monotonicUs();
    const top = apiSteps[apiSteps.length - 1]!;
    await Promise.all(clients.map((c) => c.proc.stop(5000)));
    await api.stop();
    ctx.collectProfile(api, { 'connect + fan-out': { fromUs: from, toUs: to } });

    ctx.log(`baseline: bare ws server, ${max} clients`);
    const [port] = await freePorts(1);
    const bare = new NodeProcess({
      name: 'bare-ws',
      script: join(REPO_ROOT, 'bench', 'lib', 'bare-ws.server.ts'),
      env: cleanEnv({ BENCH_PORT: String(port) }),
      logFile: join(ctx.logDir, 'bare-ws.log'),
      port: port!,
    });
    ctx.defer(() => bare.stop());
    await bare.waitReady(60_000);
    await sleep(500);
    const bareIdle = bare.memory().rss_mb;
    const bareClients = Array.from(
      { length: nClientProcs },
      (_, i) => new ClientProcess(ctx, `bare-clients-${i + 1}`),
    );
    const barePublish = publishVia(async (data) => {
      const body = JSON.stringify({
        id: String(Date.now()),
        type: 'status_changed',
        occurred_at: new Date().toISOString(),
        data,
      });
      const res = await fetch(`${bare.url}/publish`, { method: 'POST', body });
      await res.arrayBuffer();
    });
    const bareUrl = `ws://127.0.0.1:${port}/stream`;
    const bareProbes: { first: Probe; last?: Probe } = { first: await Probe.open(bareUrl) };
    ctx.defer(() => [bareProbes.first, bareProbes.last].forEach((p) => p?.close()));
    const bareStep = await step(
      ctx,
      bareClients,
      bareUrl,
      0,
      max,
      events,
      intervalMs,
      barePublish,
      bare,
      bareProbes,
    );
    await Promise.all(bareClients.map((c) => c.proc.stop(5000)));
    await bare.stop();

    const perConnKb = ((top.server_rss_mb - idleRss) * 1024) / top.clients;
    const barePerConnKb = ((bareStep.server_rss_mb - bareIdle) * 1024) / bareStep.clients;
    const checks: Check[] = [...apiSteps, bareStep].map((s, i) => ({
      name: `${i < apiSteps.length ? 'api' : 'bare ws'} with ${s.clients} clients: every client got every event`,
      ok: s.deliveries === s.expected,
      detail: `${s.deliveries} of ${s.expected} deliveries`,
    }));
    const rows: Row[] = [
      row({
        id: 'ws.clients',
        label: 'concurrent clients on one api',
        value: top.clients,
        unit: 'clients',
        target: { op: '>=', value: 10_000 },
        seed: '~50 per API server',
      }),
      row({
        id: 'ws.fanout.p50',
        label: `fan-out latency p50 (${max} clients)`,
        value: top.latency_ms.p50,
        unit: 'ms',
        baseline: { label: 'bare ws', value: bareStep.latency_ms.p50, unit: 'ms' },
      }),
      row({
        id: 'ws.fanout.p99',
        label: `fan-out latency p99 (${max} clients)`,
        value: top.latency_ms.p99,
        unit: 'ms',
        target: { op: '<', value: 100 },
        baseline: { label: 'bare ws', value: bareStep.latency_ms.p99, unit: 'ms' },
      }),
      row({
        id: 'ws.fanout_complete.p99',
        label: `time until the last client has an event, p99 (${max})`,
        value: top.complete_ms.p99,
        unit: 'ms',
        baseline: { label: 'bare ws', value: bareStep.complete_ms.p99, unit: 'ms' },
      }),
      row({
        id: 'ws.server_written.p50',
        label: `time until the server wrote to every socket, p50 (${max})`,
        value: top.server_last_ms.p50,
        unit: 'ms',
        baseline: { label: 'bare ws', value: bareStep.server_last_ms.p50, unit: 'ms' },
      }),
      row({
        id: 'ws.server_written.p99',
        label: `time until the server wrote to every socket, p99 (${max})`,
        value: top.server_last_ms.p99,
        unit: 'ms',
        baseline: { label: 'bare ws', value: bareStep.server_last_ms.p99, unit: 'ms' },
      }),
      row({
        id: 'ws.server_cpu_per_event',
        label: `server CPU per event (${max} clients; steadier than latency on shared cores)`,
        value: top.server_cpu_ms_per_event,
        unit: 'ms',
        baseline: { label: 'bare ws', value: bareStep.server_cpu_ms_per_event, unit: 'ms' },
      }),
      row({
        id: 'ws.memory_per_connection',
        label: 'API RSS per connection',
        value: perConnKb,
        unit: 'KB',
        baseline: { label: 'bare ws', value: barePerConnKb, unit: 'KB' },
      }),
      row({ id: 'ws.api_rss', label: `API RSS with ${max} clients`, value: top.server_rss_mb, unit: 'MB' }),
      ...apiSteps.slice(0, -1).map((s) =>
        row({
          id: `ws.fanout.p99.${s.clients}`,
          label: `fan-out latency p99 (${s.clients} clients)`,
          value: s.latency_ms.p99,
          unit: 'ms',
        }),
      ),
    ];
    return {
      rows,
      checks,
      details: {
        client_processes: nClientProcs,
        events_per_step: events,
        publish_interval_ms: intervalMs,
        api_idle_rss_mb: round(idleRss, 1),
        steps: apiSteps,
        bare: { idle_rss_mb: round(bareIdle, 1), ...bareStep },
      },
      notes: [
        ...notes,
        'Events are published with the RedisEventBus an orchestrator uses (XADD); the API reads them with its one blocking XREAD loop and sends each to every subscribed socket.',
        `Latency = receipt on the client − time just before publish, on one clock. ${events} events per step, one every ${intervalMs} ms.`,
        'Client processes timestamp each message first and read only the two bench fields from its bytes (no JSON.parse), identically for the API and the baseline.',
        '"Time until the server wrote to every socket" = latency on a probe socket in the idle bench process that connected after every client (the last one written); steps[].server_first_ms is the probe connected before them. The gap between it and the client percentiles is the client processes reading thousands of sockets on the same two cores.',
      ],
    };
  },
};
