/**
 * Shared pieces of the multi-process suites (test/distributed/*.test.ts): load generation against
 * API replicas, /metrics scraping, a WebSocket event collector, and the exactly-once checks run
 * straight against PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { Cluster, ProcHandle } from '../helpers/cluster.ts';
import { signedHeaders, sleep } from '../helpers/harness.ts';
import { asAdmin } from '../helpers/auth.ts';

/** The webhook source the load generator signs for (`TW_WEBHOOK_SECRET_LOADGEN` in the cluster env). */
export const LOAD_SOURCE = 'loadgen';
export const LOAD_SECRET = 'loadgen-distributed-secret-0123456789';
export const WEBHOOK_ENV = { TW_WEBHOOK_SECRET_LOADGEN: LOAD_SECRET };

/** Statuses an incident may be left in only while triage is running. */
export const PENDING_STATUSES = ['new', 'enriching', 'analyzing'];
const TRIAGE_STEPS = ['triage.started', 'triage.enriched', 'triage.analyzed'];

export { sleep };

/** A short random tag so the payloads of one run never fold into another run's incidents. */
export function runTag(): string {
  return randomBytes(4).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// Load

export interface Posted {
  index: number;
  /** The base URL the request went to (an API replica or the load balancer). */
  target: string;
  kind: 'webhook' | 'incident';
  /** HTTP status, or 0 when no answer came (connection refused/reset, timeout). */
  status: number;
  incidentId?: string;
  created?: boolean;
  queued?: boolean;
  error?: string;
  ms: number;
}

const SEVERITIES = ['low', 'medium', 'high', 'critical', 'info'] as const;
const KINDS = [
  { alert_type: 'malware', incident_type: 'malware', title: 'Malware detected on host' },
  { alert_type: 'phishing', incident_type: 'phishing', title: 'Phishing email reported' },
  { alert_type: 'port scan', incident_type: 'reconnaissance', title: 'Inbound port scan blocked' },
  { alert_type: 'brute force', incident_type: 'suspicious_login', title: 'Repeated failed logins' },
] as const;

/**
 * The alert for index `i` of a run: unique per (tag, i), so every acknowledged post is a new
 * incident. Every fifth carries an address of the built-in demo intel list (an enrichment hit).
 */
export function alertBody(tag: string, i: number, kind: 'webhook' | 'incident'): string {
  const k = KINDS[i % KINDS.length]!;
  const severity = SEVERITIES[i % SEVERITIES.length]!;
  const ip = i % 5 === 0 ? '185.220.101.47' : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  if (kind === 'webhook') {
    return JSON.stringify({
      id: `${tag}-${i}`,
      alert_type: k.alert_type,
      severity,
      title: `${k.title} #${i} (${tag})`,
      timestamp: new Date().toISOString(),
      data: { hostname: `ws-${tag}-${i}`, src_ip: ip, username: `user${i % 97}@example.com` },
    });
  }
  return JSON.stringify({
    incident_type: k.incident_type,
    source: `manual-${tag}`,
    severity,
    title: `${k.title} #${i} (${tag})`,
    indicators: [{ type: 'ipv4', value: ip }],
  });
}

/** One ingest request; never throws (a failure is recorded as status 0 with the error). */
export async function postOne(
  target: string,
  tag: string,
  index: number,
  kind: 'webhook' | 'incident',
  timeoutMs = 60_000,
): Promise<Posted> {
  const body = alertBody(tag, index, kind);
  const started = Date.now();
  const url = kind === 'webhook' ? `${target}/api/v1/webhooks/${LOAD_SOURCE}` : `${target}/api/v1/incidents`;
  const headers =
    kind === 'webhook' ? signedHeaders(LOAD_SECRET, body) : asAdmin({ 'content-type': 'application/json' });
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const out: Posted = { index, target, kind, status: res.status, ms: Date.now() - started };
    if (res.status === 202) {
      const json = JSON.parse(text) as { incident_id: string; created: boolean; queued: boolean };
      out.incidentId = json.incident_id;
      out.created = json.created;
      out.queued = json.queued;
    } else {
      out.error = text.slice(0, 300);
    }
    return out;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return {
      index,
      target,
      kind,
      status: 0,
      error: `${(err as Error).message}${cause ? ` (${cause})` : ''}`,
      ms: Date.now() - started,
    };
  }
}

export interface LoadOptions {
  /** Base URLs, used round-robin by index. */
  targets: string[];
  tag: string;
  count: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** First index (so several loads of one run do not collide). Default 0. */
  from?: number;
  /** Webhook or POST /incidents per index. Default: alternate (even: webhook, odd: incident). */
  kind?: (i: number) => 'webhook' | 'incident';
  /** Pause between two requests of one lane, ms. Default 0. */
  paceMs?: number;
  /** Stops early when it returns true (checked before each request). */
  stop?: () => boolean;
  timeoutMs?: number;
}

/** Posts `count` alerts with `concurrency` lanes; resolves with every result, in index order. */
export async function postLoad(o: LoadOptions): Promise<Posted[]> {
  const from = o.from ?? 0;
  const kind = o.kind ?? ((i: number) => (i % 2 === 0 ? 'webhook' : 'incident'));
  const results: Posted[] = [];
  let next = from;
  const lane = async () => {
    for (;;) {
      if (o.stop?.()) return;
      const i = next++;
      if (i >= from + o.count) return;
      const target = o.targets[i % o.targets.length]!;
      results.push(await postOne(target, o.tag, i, kind(i), o.timeoutMs));
      if (o.paceMs) await sleep(o.paceMs);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  return results.sort((a, b) => a.index - b.index);
}

/** Posts continuously until `stop()` is called; `done` resolves with every result. */
export function continuousLoad(o: Omit<LoadOptions, 'count' | 'stop'>): {
  stop(): void;
  done: Promise<Posted[]>;
} {
  let stopped = false;
  const done = postLoad({ ...o, count: Number.MAX_SAFE_INTEGER, stop: () => stopped });
  return { stop: () => void (stopped = true), done };
}

export function acknowledged(results: Posted[]): Posted[] {
  return results.filter((r) => r.status >= 200 && r.status < 300 && r.incidentId);
}

/** "202 x1990, 503 x10" */
export function statusSummary(results: Posted[]): string {
  const counts = new Map<number, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s} x${n}`)
    .join(', ');
}

/** One example of each kind of failure (status and body or error), for messages. */
export function failureSamples(results: Posted[]): string[] {
  const seen = new Map<string, string>();
  for (const r of results) {
    if (r.status >= 200 && r.status < 300) continue;
    const key = `${r.status} ${r.kind}`;
    if (!seen.has(key)) seen.set(key, `${key} via ${r.target}: ${r.error ?? ''}`);
  }
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// Metrics

export interface Scrape {
  /** When the request was sent / when its answer was in. */
  at: number;
  doneAt: number;
  ok: boolean;
  /** Unlabelled samples and labelled ones as written (`name{a="b"}`). */
  samples: Map<string, number>;
}

/** GET /metrics of one process; `ok: false` (empty samples) when it does not answer in time. */
export async function scrape(url: string, timeoutMs = 2000): Promise<Scrape> {
  const at = Date.now();
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (res.status !== 200) return { at, doneAt: Date.now(), ok: false, samples: new Map() };
    const samples = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const cut = line.lastIndexOf(' ');
      samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
    }
    return { at, doneAt: Date.now(), ok: true, samples };
  } catch {
    return { at, doneAt: Date.now(), ok: false, samples: new Map() };
  }
}

export interface LeaderView {
  name: string;
  leader: boolean;
  term: number;
  ok: boolean;
  at: number;
  doneAt: number;
  samples: Map<string, number>;
}

export async function leaderView(p: ProcHandle, timeoutMs = 2000): Promise<LeaderView> {
  const s = await scrape(p.url, timeoutMs);
  return {
    name: p.name,
    leader: s.samples.get('tw_leader') === 1,
    term: s.samples.get('tw_leader_term') ?? 0,
    ok: s.ok,
    at: s.at,
    doneAt: s.doneAt,
    samples: s.samples,
  };
}

/** The one orchestrator reporting `tw_leader 1` (waits for one; fails if two report it at once). */
export async function currentLeader(
  orchestrators: ProcHandle[],
  timeoutMs = 30_000,
): Promise<{ proc: ProcHandle; term: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = orchestrators.filter((o) => o.running);
    const views = await Promise.all(live.map((o) => leaderView(o)));
    const leaders = views.filter((v) => v.leader);
    if (leaders.length === 1)
      return { proc: live.find((o) => o.name === leaders[0]!.name)!, term: leaders[0]!.term };
    if (leaders.length > 1) {
      const terms = new Set(leaders.map((l) => l.term));
      expect(
        terms.size,
        `two leaders in one term: ${JSON.stringify(leaders.map((l) => [l.name, l.term]))}`,
      ).toBe(leaders.length);
    }
    if (Date.now() > deadline)
      throw new Error(`no single leader among ${live.map((o) => o.name).join(', ')}`);
    await sleep(100);
  }
}

/**
 * Polls every orchestrator's /metrics (one loop per process, ~`everyMs` apart) and keeps every
 * answer, for "two leaders never share a term" over a whole scenario.
 */
export class LeaderWatch {
  readonly views: LeaderView[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(orchestrators: ProcHandle[], everyMs = 100) {
    this.loops = orchestrators.map(async (p) => {
      while (this.running) {
        if (p.running) {
          const v = await leaderView(p, 1000);
          if (v.ok) this.views.push(v);
        }
        await sleep(everyMs);
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Terms reported by more than one instance (must be empty). */
  sharedTerms(): { term: number; names: string[] }[] {
    const byTerm = new Map<number, Set<string>>();
    for (const v of this.views) {
      if (!v.leader) continue;
      const set = byTerm.get(v.term) ?? new Set<string>();
      set.add(v.name);
      byTerm.set(v.term, set);
    }
    return [...byTerm.entries()].filter(([, s]) => s.size > 1).map(([term, s]) => ({ term, names: [...s] }));
  }

  /** First scrape at or after `since` showing a leader other than `except` with a term above `aboveTerm`. */
  firstNewLeader(since: number, except: string, aboveTerm: number): LeaderView | undefined {
    return this.views
      .filter((v) => v.at >= since && v.leader && v.name !== except && v.term > aboveTerm)
      .sort((a, b) => a.at - b.at)[0];
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

export interface StreamEvent {
  id?: string;
  type: string;
  data?: Record<string, unknown>;
}

/** A client of GET /api/v1/stream that keeps every event and how the socket closed. */
export class StreamClient {
  readonly events: StreamEvent[] = [];
  closed: { code: number; reason: string; at: number } | undefined;
  private readonly ws: WebSocket;
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closedPromise = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString(), at: Date.now() };
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (raw) => {
      try {
        this.events.push(JSON.parse(raw.toString()) as StreamEvent);
      } catch {
        // not JSON: ignored
      }
    });
    ws.on('error', () => {});
  }

  /** Connects to `<httpBase>/api/v1/stream?<query>` and waits for the `subscribed` message. */
  static async connect(
    httpBase: string,
    query = '',
    headers: Record<string, string> = {},
    timeoutMs = 20_000,
  ): Promise<StreamClient> {
    const url = `${httpBase.replace(/^http/, 'ws')}/api/v1/stream${query ? `?${query}` : ''}`;
    const ws = new WebSocket(url, { headers: asAdmin(headers) });
    const client = new StreamClient(ws);
    const deadline = Date.now() + timeoutMs;
    while (!client.events.some((e) => e.type === 'subscribed')) {
      if (client.closed)
        throw new Error(`stream ${url} closed before subscribing: ${JSON.stringify(client.closed)}`);
      if (Date.now() > deadline) {
        ws.terminate();
        throw new Error(`stream ${url}: no 'subscribed' message within ${timeoutMs} ms`);
      }
      await sleep(20);
    }
    return client;
  }

  of(type: string): StreamEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** incident_id → how many `type` events named it. */
  countByIncident(type: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.of(type)) {
      const id = e.data?.incident_id;
      if (typeof id === 'string') out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }

  waitClosed(timeoutMs: number): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closedPromise,
      sleep(timeoutMs).then(() => {
        throw new Error(`WebSocket not closed within ${timeoutMs} ms`);
      }),
    ]);
  }

  close(): void {
    if (!this.closed) this.ws.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL checks

export interface TriageReport {
  incidents: number;
  byStatus: Record<string, number>;
  analyses: number;
  /** Incidents whose analyses/audit rows are not exactly one per step. */
  badAnalyses: { id: string; n: number }[];
  badAudit: { id: string; action: string; n: number }[];
  pending: number;
}

/** Counts, per incident of the cluster's database, analyses and triage audit rows. */
export async function triageReport(cluster: Cluster): Promise<TriageReport> {
  const statusRows = await cluster.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from incidents group by status order by status',
  );
  const byStatus = Object.fromEntries(statusRows.map((r) => [r.status, r.n]));
  const incidents = statusRows.reduce((a, r) => a + r.n, 0);
  const [{ n: analyses } = { n: 0 }] = await cluster.query<{ n: number }>(
    'select count(*)::int as n from analyses',
  );
  const badAnalyses = await cluster.query<{ id: string; n: number }>(
    `select i.id, count(a.id)::int as n from incidents i left join analyses a on a.incident_id = i.id
     group by i.id having count(a.id) <> 1 limit 50`,
  );
  const badAudit = await cluster.query<{ id: string; action: string; n: number }>(
    `select i.id, s.action, count(l.id)::int as n
     from incidents i cross join unnest($1::text[]) as s(action)
     left join audit_log l on l.incident_id = i.id and l.action = s.action
     group by i.id, s.action having count(l.id) <> 1 limit 50`,
    [TRIAGE_STEPS],
  );
  const pending = PENDING_STATUSES.reduce((a, s) => a + (byStatus[s] ?? 0), 0);
  return { incidents, byStatus, analyses, badAnalyses, badAudit, pending };
}

/** Waits until no incident is left in new/enriching/analyzing; returns the last report. */
export async function waitTriaged(
  cluster: Cluster,
  timeoutMs: number,
  what = 'every incident triaged',
): Promise<TriageReport> {
  const deadline = Date.now() + timeoutMs;
  let report = await triageReport(cluster);
  while (report.pending > 0 || report.incidents === 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(report.byStatus)}`,
      );
    }
    await sleep(500);
    report = await triageReport(cluster);
  }
  return report;
}

/**
 * The exactly-once assertions: every acknowledged incident exists, nothing is left pending, and
 * each incident has exactly one analysis and exactly one audit row per triage step.
 */
export async function expectExactlyOnce(
  cluster: Cluster,
  ackedIds: Iterable<string>,
  timeoutMs = 120_000,
): Promise<TriageReport> {
  const report = await waitTriaged(cluster, timeoutMs);
  const ids = [...new Set(ackedIds)];
  const found = await cluster.query<{ id: string }>(
    'select id::text from incidents where id = any($1::uuid[])',
    [ids],
  );
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  expect(missing, 'acknowledged incidents missing from PostgreSQL').toEqual([]);
  expect(report.pending, `incidents left pending: ${JSON.stringify(report.byStatus)}`).toBe(0);
  expect(report.badAnalyses, 'incidents without exactly one analyses row').toEqual([]);
  expect(report.badAudit, 'incidents without exactly one audit row per triage step').toEqual([]);
  expect(report.analyses).toBe(report.incidents);
  return report;
}

/** Seconds with one decimal, for the figures printed by the suites. */
export function secs(ms: number): string {
  return (ms / 1000).toFixed(1);
}
