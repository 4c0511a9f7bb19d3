// Issue 12's "Done when", end to end on the embedded runtime with the built-in guardrails and real
// connectors against loopback Microsoft Graph and CrowdStrike Falcon: the demo's phishing alert, in
// supervised mode, flows to one quarantine of the message; isolating a domain controller is denied
// and isolating a laptop waits for an analyst; the kill switch survives a restart and blocks the
// approved isolation; the audit chain verifies and the WebSocket carried every step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoAlerts } from '../../src/cli/demo/samples.ts';
import type { ActionView, BusEvent } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin, TEST_ADMIN_KEY } from '../helpers/auth.ts';
import { eventually, startRuntime, TEST_SECRETS, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';
import { fakeCrowdStrike } from '../fakes/vendors/crowdstrike.ts';
import { fakeGraph } from '../fakes/vendors/graph.ts';

const TENANT = 'contoso.onmicrosoft.com';
const MAILBOX = 'alice.martin@contoso.com';

describe('issue 12 done-when: supervised phishing response, guardrails, approvals, kill switch, audit', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-done-when-'));
  const graph = fakeGraph({
    tenant: TENANT,
    clientId: 'tw-app',
    clientSecret: 'graph-secret',
    users: [MAILBOX],
  });
  const falcon = fakeCrowdStrike({
    clientId: 'falcon-id',
    clientSecret: 'falcon-secret',
    hosts: { 'FIN-LT-0417': 'dev-0417', 'DC-01': 'dev-dc01' },
  });
  const config = testConfig({
    data_dir: dataDir,
    response: {
      mode: 'supervised',
      outbound: { allow_http: true, allow_hosts: ['127.0.0.1/32'] },
      connectors: { encryption_key: 'c'.repeat(64) },
    },
  });
  let rt: Runtime;
  let ws: WebSocket;
  const events: BusEvent[] = [];

  const api = async (method: string, url: string, body?: unknown) => {
    const res = await rt.app.inject({
      method: method as 'GET',
      url,
      headers: asAdmin(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers' JSON, read loosely
    return { status: res.statusCode, json: res.body ? (res.json() as Record<string, any>) : {} };
  };
  const connectStream = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${rt.url!.replace(/^http/, 'ws')}/api/v1/stream`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      socket.on('message', (m) => {
        const e = JSON.parse(m.toString()) as BusEvent;
        if (e.type) events.push(e);
      });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });

  beforeAll(async () => {
    const graphOrigin = await graph.server.start();
    const falconOrigin = await falcon.server.start();
    rt = await startRuntime(config, { listen: true });
    ws = await connectStream();
    const g = await api('PUT', '/api/v1/connectors/graph-mail', {
      kind: 'graph_mail',
      action_types: ['quarantine_email'],
      config: { tenant_id: TENANT, login_url: graphOrigin, graph_url: graphOrigin },
      secrets: { client_id: 'tw-app', client_secret: 'graph-secret' },
    });
    expect(g.status, JSON.stringify(g.json)).toBeLessThan(300);
    const f = await api('PUT', '/api/v1/connectors/falcon', {
      kind: 'crowdstrike',
      action_types: ['isolate_host', 'unisolate_host'],
      config: { base_url: falconOrigin },
      secrets: { client_id: 'falcon-id', client_secret: 'falcon-secret' },
    });
    expect(f.status, JSON.stringify(f.json)).toBeLessThan(300);
  }, 120_000);

  afterAll(async () => {
    ws?.close();
    await rt?.stop();
    await graph.server.close();
    await falcon.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('flows as the issue says', async () => {
    // 1. The demo's Defender for Office phishing alert, its message delivered to the mailbox.
    const sample = demoAlerts().find(
      (a) => a.source === 'microsoft-graph' && JSON.stringify(a.payload).includes('analyzedMessageEvidence'),
    )!;
    const messageId = String(
      (sample.payload as { evidence: { internetMessageId?: string }[] }).evidence[0]!.internetMessageId,
    );
    graph.deliver(MAILBOX, messageId);
    const body = JSON.stringify(sample.payload);
    const posted = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/microsoft-graph',
      headers: signedHeaders(TEST_SECRETS['microsoft-graph'], body),
      payload: body,
    });
    expect(posted.statusCode, posted.body).toBe(202);
    const incidentId = String((posted.json() as { incident_id: string }).incident_id);
    const actionsOf = async () =>
      (await api('GET', `/api/v1/incidents/${incidentId}/actions`)).json.data as ActionView[];
    const quarantine = await eventually(
      async () =>
        (await actionsOf()).find((a) => a.action_type === 'quarantine_email' && a.status === 'executed'),
      'the quarantine executed',
      60_000,
    );
    expect(quarantine).toMatchObject({
      origin: 'recommended',
      mode: 'supervised',
      connector: 'graph-mail',
      target: { type: 'email_message', value: messageId },
      decision: { outcome: 'allowed', rule: 'auto_approve.phishing-containment' },
    });
    const moves = graph.server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/move'));
    expect(moves).toHaveLength(1);
    expect([...graph.users.get(MAILBOX)!.messages.values()]).toEqual([
      { internetMessageId: messageId, folder: 'junkemail' },
    ]);

    // 2. Isolation: a domain controller is denied by the guardrails, a laptop waits for an analyst.
    const isolate = (host: string) =>
      api('POST', `/api/v1/incidents/${incidentId}/actions`, {
        action_type: 'isolate_host',
        target: { type: 'host', value: host },
        reason: 'credential phishing follow-up',
      });
    const dc = await isolate('dc-01.corp.contoso.com');
    expect(dc.status, JSON.stringify(dc.json)).toBe(201);
    expect(dc.json.action.status).toBe('denied');
    expect(dc.json.decision).toMatchObject({ outcome: 'denied', rule: 'deny.protected_hosts' });
    const laptop = await isolate('FIN-LT-0417');
    expect(laptop.status).toBe(201);
    expect(laptop.json.action).toMatchObject({ status: 'pending', approval_level: 'analyst' });
    const pending = (await api('GET', '/api/v1/approvals')).json.data as ActionView[];
    expect(pending.map((a) => a.id)).toContain(laptop.json.action_id);

    // 3. The kill switch, activated, survives a restart of the process (same data folder).
    expect((await api('POST', '/api/v1/kill-switch/activate', { reason: 'done-when drill' })).status).toBe(
      200,
    );
    ws.close();
    await rt.stop();
    rt = await startRuntime(config, { listen: true });
    ws = await connectStream();
    expect((await api('GET', '/api/v1/kill-switch')).json.active).toBe(true);

    // 4. Approving the laptop's isolation while the switch is active: it is refused at execution.
    const approved = await api('POST', `/api/v1/approvals/${laptop.json.action_id}/approve`, {
      comment: 'confirmed with the user',
    });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    const blocked = await eventually(
      async () => {
        const a = (await api('GET', `/api/v1/actions/${laptop.json.action_id}`)).json as ActionView;
        return a.status === 'failed' ? a : undefined;
      },
      'the isolation refused',
      30_000,
    );
    expect(blocked.error?.code).toBe('KILL_SWITCH_ACTIVE');
    expect(falcon.actions).toEqual([]);
    expect(falcon.contained.size).toBe(0);

    // 5. Audit: the chain verifies and holds every step.
    const verify = await api('GET', '/api/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.json.ok).toBe(true);
    const audit = (await api('GET', `/api/v1/audit?incident_id=${incidentId}&per_page=200`)).json.data as {
      action: string;
    }[];
    const kinds = new Set(audit.map((r) => r.action));
    for (const k of [
      'action.proposed',
      'action.started',
      'action.executed',
      'action.approved',
      'action.failed',
    ])
      expect(kinds, k).toContain(k);
    const ks = (await api('GET', '/api/v1/audit?action=kill_switch.activated')).json.data as unknown[];
    expect(ks.length).toBeGreaterThan(0);

    // 6. The WebSocket carried it: proposals, the quarantine's execution, the denial, the switch.
    await eventually(
      async () =>
        events.some(
          (e) =>
            e.type === 'action_status_changed' &&
            (e.data as { action_id: string }).action_id === laptop.json.action_id &&
            (e.data as { to: string }).to === 'failed',
        ),
      'the refused isolation on the stream',
    );
    const types = new Set(events.map((e) => e.type));
    for (const t of [
      'actions_proposed',
      'analysis_complete',
      'action_approved',
      'action_executed',
      'kill_switch_activated',
    ] as const)
      expect(types, t).toContain(t);
    expect(
      events.some(
        (e) => e.type === 'action_executed' && (e.data as { action_id: string }).action_id === quarantine.id,
      ),
    ).toBe(true);
  }, 240_000);
});
