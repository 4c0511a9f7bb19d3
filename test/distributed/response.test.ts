/**
 * Issue 12, across real processes: one API and three orchestrators on PostgreSQL + Redis, a signed
 * firewall webhook connector pointed at a loopback receiver in this test process.
 * - Cluster-wide rate limit: 8 auto-approved block_ip actions against a policy of 3 per hour run 3
 *   times in all, whichever orchestrator claims them (not 3 per process).
 * - Kill switch: activated through the API, every orchestrator's `tw_kill_switch_active` reads 1
 *   within 1 s (measured); an action approved meanwhile fails KILL_SWITCH_ACTIVE without a call; the
 *   switch is still active after every process restarts.
 * - At most once: the receiver holds a call open, the orchestrator making it is killed with SIGKILL;
 *   the redelivered job finds the action `executing` and leaves it; the leader's sweep marks it failed
 *   OUTCOME_UNKNOWN; the receiver saw exactly one call for it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin } from '../helpers/auth.ts';
import { startCluster, type Cluster, type ProcHandle } from '../helpers/cluster.ts';
import { eventually } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';
import { currentLeader, scrape, sleep, WEBHOOK_ENV } from './support.ts';

const missing = await requireServices(['postgres', 'redis', 'haproxy']);

interface Call {
  at: number;
  idempotencyKey: string;
  body: { action?: string; type?: string; value?: string; action_id?: string };
}

/** The firewall's side: records every call; holds the ones for `hang.*` domains open until released. */
class Receiver {
  readonly calls: Call[] = [];
  private held: ServerResponse[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const box: { self?: Receiver } = {};
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Call['body'] = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call['body'];
        } catch {
          /* recorded as empty */
        }
        box.self!.calls.push({
          at: Date.now(),
          idempotencyKey: String(req.headers['idempotency-key'] ?? ''),
          body,
        });
        if (String(body.value ?? '').startsWith('hang.')) {
          box.self!.held.push(res);
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: true, id: `rule-${box.self!.calls.length}` }));
      });
    });
    const self = new Receiver(server);
    box.self = self;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/firewall`;
  }

  callsFor(actionId: string): Call[] {
    return this.calls.filter((c) => c.idempotencyKey === actionId || c.body.action_id === actionId);
  }

  async stop(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.held = [];
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const POLICY = `
description: distributed response test
rate_limits:
  block_ip: { per_hour: 3 }
auto_approve:
  - name: firewall
    when:
      action_types: [block_ip, block_domain]
defaults:
  manual: { decision: requires_approval, level: analyst }
  recommended: { decision: requires_approval, level: analyst }
`;

describe.skipIf(missing)('response actions across one API and three orchestrators', () => {
  let cluster: Cluster;
  let receiver: Receiver;
  let api: string;
  let incidentId: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: asAdmin(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers' JSON, read loosely
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
  };
  const action = async (id: string) => (await call('GET', `/api/v1/actions/${id}`)).json;
  const request = async (action_type: string, type: string, value: string) => {
    const res = await call('POST', `/api/v1/incidents/${incidentId}/actions`, {
      action_type,
      target: { type, value },
      reason: 'distributed test',
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return String(res.json.action_id);
  };
  const killSwitchGauge = async (p: ProcHandle) => (await scrape(p.url)).samples.get('tw_kill_switch_active');

  beforeAll(async () => {
    receiver = await Receiver.start();
    cluster = await startCluster({
      api: 1,
      orchestrators: 3,
      env: {
        ...WEBHOOK_ENV,
        TW_LOG_LEVEL: 'warn',
        TW_RESPONSE__OUTBOUND__ALLOW_PRIVATE_NETWORKS: 'true',
        TW_RESPONSE__OUTBOUND__ALLOW_HTTP: 'true',
        TW_RESPONSE__CONNECTORS__ENCRYPTION_KEY: 'a'.repeat(64),
        TW_RESPONSE__STALE_EXECUTING_AFTER: '3s',
        TW_RESPONSE__ACTION_TIMEOUT: '120s',
        // A killed worker's job is redelivered quickly (lock lapses, stalled check).
        TW_ORCHESTRATOR__JOB_LOCK_DURATION: '2s',
        TW_ORCHESTRATOR__STALLED_INTERVAL: '1s',
        // The leader's response sweeps run on the reconcile period.
        TW_ORCHESTRATOR__RECONCILE_INTERVAL: '1s',
        TW_ORCHESTRATOR__LEADERELECTION__LEASEDURATION: '3s',
        TW_ORCHESTRATOR__LEADERELECTION__RENEWDEADLINE: '2s',
        TW_ORCHESTRATOR__LEADERELECTION__RETRYPERIOD: '500ms',
        // The cluster registry scenario: a heartbeat a second, stale after three.
        TW_SERVER__HEARTBEAT_INTERVAL: '1s',
      },
    });
    api = cluster.apis[0]!.url;
    expect((await call('PUT', '/api/v1/policies', { source: POLICY, comment: 'test' })).status).toBe(200);
    const conn = await call('PUT', '/api/v1/connectors/edge-firewall', {
      kind: 'firewall_webhook',
      action_types: ['block_ip', 'block_domain'],
      config: { url: receiver.url },
      secrets: { signing_secret: 'firewall-signing-secret-0123456789' },
    });
    expect([200, 201], JSON.stringify(conn.json)).toContain(conn.status);
    const inc = await call('POST', '/api/v1/incidents', {
      title: 'Outbound C2 beaconing',
      severity: 'high',
      incident_type: 'malware',
      source: 'test',
    });
    expect(inc.status, JSON.stringify(inc.json)).toBeLessThan(300);
    incidentId = String(inc.json.incident?.id ?? inc.json.id ?? inc.json.incident_id);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await receiver?.stop();
  });

  it('counts the per-hour limit across the cluster: 8 requests, 3 runs', async () => {
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => request('block_ip', 'ip', `198.51.100.${10 + i}`)),
    );
    const final = await eventually(
      async () => {
        const all = await Promise.all(ids.map(action));
        if (all.some((a) => ['auto_approved', 'approved', 'executing'].includes(String(a.status))))
          return undefined;
        return all;
      },
      'every block_ip action settled',
      60_000,
    );
    const executed = final.filter((a) => a.status === 'executed');
    const denied = final.filter((a) => a.status === 'denied');
    expect(executed).toHaveLength(3);
    expect(denied).toHaveLength(5);
    for (const d of denied) expect(d.decision.rule).toBe('rate_limit.block_ip.per_hour');
    expect(receiver.calls.filter((c) => c.body.type === 'ip')).toHaveLength(3);
    // Each orchestrator that ran one is a separate process: the count is shared, not per process.
    const claimers = await cluster.query<{ claimed_by: string }>(
      `SELECT DISTINCT claimed_by FROM actions WHERE id = ANY($1::uuid[]) AND approval_status = 'executed'`,
      [ids],
    );
    console.log(`block_ip runs claimed by ${claimers.map((c) => c.claimed_by).join(', ')}`);
    expect(claimers.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('runs an action at most once when its worker is killed mid-call', async () => {
    const before = receiver.calls.length;
    const id = await request('block_domain', 'domain', 'hang.c2-relay.example.net');
    await eventually(async () => receiver.callsFor(id).length === 1, 'the held firewall call', 30_000);
    const [row] = await cluster.query<{ claimed_by: string; approval_status: string }>(
      'SELECT claimed_by, approval_status FROM actions WHERE id = $1',
      [id],
    );
    expect(row?.approval_status).toBe('executing');
    const worker = cluster.orchestrators.find((o) => row?.claimed_by === `orchestrator:${o.name}`);
    expect(worker, `claimed_by ${row?.claimed_by}`).toBeDefined();
    worker!.kill('SIGKILL');
    await worker!.waitExit(10_000);
    // The lease lapses, the job is redelivered to a survivor, which must leave the action alone; the
    // leader's sweep then marks it failed for a person.
    const done = await eventually(
      async () => {
        const a = await action(id);
        return a.status === 'failed' ? a : undefined;
      },
      'the stale action marked failed',
      60_000,
    );
    expect(done.error.code).toBe('OUTCOME_UNKNOWN');
    await sleep(3000);
    expect(receiver.callsFor(id)).toHaveLength(1);
    expect(receiver.calls.length - before).toBe(1);
    await worker!.restart();
  }, 120_000);

  it('kill switch: every orchestrator stops within 1 s, execution is refused, and it survives restarts', async () => {
    for (const o of cluster.orchestrators) expect(await killSwitchGauge(o)).toBe(0);
    const t0 = Date.now();
    const res = await call('POST', '/api/v1/kill-switch/activate', { reason: 'distributed test' });
    expect(res.status).toBe(200);
    const seenAfter = await Promise.all(
      cluster.orchestrators.map(async (o) => {
        await eventually(async () => (await killSwitchGauge(o)) === 1, `${o.name} sees the switch`, 5000);
        return Date.now() - t0;
      }),
    );
    console.log(`kill switch seen by the orchestrators after ${seenAfter.join(', ')} ms`);
    for (const ms of seenAfter) expect(ms).toBeLessThan(1000);

    const before = receiver.calls.length;
    const id = await request('block_domain', 'domain', 'blocked-while-killed.example.net');
    const failed = await eventually(
      async () => {
        const a = await action(id);
        return a.status === 'failed' ? a : undefined;
      },
      'the action refused',
      30_000,
    );
    expect(failed.error.code).toBe('KILL_SWITCH_ACTIVE');
    expect(receiver.calls.length).toBe(before);

    for (const p of [...cluster.apis, ...cluster.orchestrators]) await p.restart();
    expect((await call('GET', '/api/v1/kill-switch')).json.active).toBe(true);
    for (const o of cluster.orchestrators) expect(await killSwitchGauge(o)).toBe(1);
    expect((await call('POST', '/api/v1/kill-switch/deactivate', { reason: 'done' })).status).toBe(200);
  }, 180_000);

  it('cluster registry: lists every process with its role and the leader; after kill -9 of the leader the new term shows and the old one goes stale', async () => {
    type Instance = { id: string; name: string; role: string; status: string; leader: boolean };
    type View = { instances: Instance[]; leader: { id: string; term: number; status: string | null } | null };
    const view = async () => (await call('GET', '/api/v1/cluster')).json as View;
    const procs = [...cluster.apis, ...cluster.orchestrators].filter((p) => p.running);
    const before = await currentLeader(cluster.orchestrators);
    // Every running process is live with its role (rows of runs restarted earlier are `gone`).
    const first = await eventually(
      async () => {
        const v = await view();
        const live = v.instances.filter((i) => i.status === 'live');
        const complete = procs.every((p) => live.some((i) => i.name === p.name));
        return complete && v.leader?.term === before.term ? v : undefined;
      },
      'every process live in /api/v1/cluster with the current leader',
      30_000,
    );
    const live = first.instances.filter((i) => i.status === 'live');
    for (const p of procs) expect(live.find((i) => i.name === p.name)!.role).toBe(p.role);
    expect(live).toHaveLength(procs.length);
    const leaderRow = live.find((i) => i.leader)!;
    expect(leaderRow.name).toBe(before.proc.name);
    expect(first.leader).toMatchObject({ id: leaderRow.id, term: before.term, status: 'live' });
    expect(first.instances.filter((i) => i.leader)).toHaveLength(1);
    console.log(
      `[cluster] ${live.map((i) => `${i.name}/${i.role}${i.leader ? ' (leader)' : ''}`).join(', ')}; leader term ${before.term}; ` +
        `${first.instances.length - live.length} earlier runs listed as ${[...new Set(first.instances.filter((i) => i.status !== 'live').map((i) => i.status))].join('/') || '-'}`,
    );

    const killedAt = Date.now();
    expect(before.proc.kill('SIGKILL')).toBe(true);
    await before.proc.waitExit(10_000);
    const after = await eventually(
      async () => {
        const v = await view();
        const old = v.instances.find((i) => i.id === leaderRow.id);
        return v.leader &&
          v.leader.term > before.term &&
          v.leader.status === 'live' &&
          old?.status === 'stale'
          ? v
          : undefined;
      },
      'a new leader and term in /api/v1/cluster, the killed one stale',
      60_000,
    );
    const next = after.instances.find((i) => i.id === after.leader!.id)!;
    console.log(
      `[cluster] killed ${before.proc.name} (term ${before.term}); ${next.name} leads in term ${after.leader!.term}, ` +
        `both shown ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    expect(next.role).toBe('orchestrator');
    expect(next.name).not.toBe(before.proc.name);
    expect(cluster.orchestrators.find((o) => o.name === next.name)?.running).toBe(true);
    expect(after.instances.find((i) => i.id === leaderRow.id)).toMatchObject({
      status: 'stale',
      leader: false,
    });
    await before.proc.restart();
  }, 180_000);
});
