// Response actions through the HTTP API on the embedded runtime, with an injected policy and a
// connector that POSTs to a loopback server: a manual action the policy allows runs exactly once; one
// needing approval waits for a person with the level (not the requester), can be denied, expires via
// the leader's sweep; the kill switch blocks execution; 400/403/404/409 paths; events and audit rows.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/api/plugins/access.ts';
import { permissionsOf } from '../../src/api/plugins/role-permissions.ts';
import type { ActionCreated, ActionView, BusEvent, NormalizedAlert } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { TEST_ADMIN_KEY } from '../helpers/auth.ts';
import {
  LoopbackConnector,
  LoopbackVendor,
  TestConnectorDirectory,
  testPolicy,
} from '../helpers/loopback-connector.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

const USERS: Record<string, Principal> = {
  alice: {
    id: 'alice',
    kind: 'user',
    name: 'alice',
    role: 'analyst',
    approvalLevel: 'analyst',
    permissions: permissionsOf('analyst'),
  },
  carol: {
    id: 'carol',
    kind: 'user',
    name: 'carol',
    role: 'analyst',
    approvalLevel: 'analyst',
    permissions: permissionsOf('analyst'),
  },
  bob: {
    id: 'bob',
    kind: 'user',
    name: 'bob',
    role: 'analyst',
    approvalLevel: 'senior',
    permissions: permissionsOf('analyst'),
  },
  vic: { id: 'vic', kind: 'user', name: 'vic', role: 'viewer', permissions: permissionsOf('viewer') },
  admin: { id: 'admin-env', kind: 'api_key', name: 'admin', role: 'admin', permissions: 'all' },
};

const ev = (e: BusEvent) => e.data as Record<string, unknown>;

describe('response actions API (embedded)', () => {
  const vendor = new LoopbackVendor();
  const policy = testPolicy(
    {
      block_ip: { outcome: 'allowed' },
      isolate_host: { outcome: 'requires_approval', level: 'senior' },
      disable_user: { outcome: 'requires_approval', level: 'analyst' },
      block_domain: { outcome: 'denied' },
      block_hash: { outcome: 'allowed' },
    },
    { block_hash: { per_hour: 1 } },
  );
  const edr = new LoopbackConnector(
    'edr',
    ['block_ip', 'isolate_host', 'disable_user', 'block_hash'],
    () => vendor.url,
  );
  let rt: Runtime;
  let incidentId: string;
  const seen: BusEvent[] = [];

  const as = (user: keyof typeof USERS) => ({
    authorization: `Bearer tok-${user}`,
    'content-type': 'application/json',
  });
  const request = (user: keyof typeof USERS, body: unknown, id = incidentId) =>
    rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/actions`,
      headers: as(user),
      payload: JSON.stringify(body),
    });
  const decide = (user: keyof typeof USERS, id: string, verb: 'approve' | 'deny', comment?: string) =>
    rt.app.inject({
      method: 'POST',
      url: `/api/v1/approvals/${id}/${verb}`,
      headers: as(user),
      payload: JSON.stringify(comment ? { comment } : {}),
    });
  const get = async (id: string) =>
    (
      await rt.app.inject({ method: 'GET', url: `/api/v1/actions/${id}`, headers: as('vic') })
    ).json() as ActionView;
  const auditOf = async (id: string) =>
    (
      await sql<{ action: string; actor: string }>`
        SELECT action, actor FROM audit_log WHERE details->>'action_id' = ${id} ORDER BY seq`.execute(
        rt.database.primary,
      )
    ).rows;

  beforeAll(async () => {
    await vendor.start();
    const config = testConfig({ response: { approval_ttl: '1h' } });
    const log = createLogger({ level: config.logging.level, instance: 'test', role: 'all' });
    rt = await createRuntime(config, 'all', log, {
      access: {
        async authenticate(req) {
          const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          if (token === TEST_ADMIN_KEY) return USERS.admin!;
          const user = token?.startsWith('tok-') ? USERS[token.slice(4)] : undefined;
          return user ?? null;
        },
      },
      response: { policy, connectors: new TestConnectorDirectory([edr]) },
    });
    await rt.start({ listen: false });
    await rt.transports.bus.subscribe((e) => void seen.push(e));
    const alert: NormalizedAlert = {
      source: 'test',
      title: 'Beacon from a laptop',
      severity: 'medium',
      incidentType: 'malware',
      occurredAt: new Date(),
      indicators: [],
      assets: [],
      tags: ['finance'],
      mitreTechniques: [],
      fingerprint: `test:${randomUUID()}`,
      raw: {},
    };
    incidentId = (await rt.store.ingest(alert, 60_000)).incident.id;
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    await vendor.stop();
  });

  it('an allowed manual action runs exactly once against the vendor, with its id as idempotency key', async () => {
    const res = await request('alice', {
      action_type: 'block_ip',
      target: { type: 'ip', value: '203.0.113.9' },
      reason: 'C2 address',
      parameters: { duration: '24h' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json() as ActionCreated;
    expect(created.decision).toEqual({
      outcome: 'allowed',
      rule: 'test.block_ip',
      message: 'test rule',
      policy_version: 7,
    });
    expect(created.action).toMatchObject({
      status: 'auto_approved',
      origin: 'manual',
      requested_by: 'user:alice',
      connector: 'edr',
      mode: 'supervised',
    });
    expect(policy.subjects.at(-1)).toMatchObject({
      mode: 'supervised',
      origin: 'manual',
      incident: { id: incidentId, tags: ['finance'] },
    });
    const done = await eventually(async () => {
      const a = await get(created.action_id);
      return a.status === 'executed' ? a : null;
    }, 'executed');
    expect(done.result).toMatchObject({ vendor_ref: 'ref-1', connector: 'edr', http_status: 200 });
    const calls = vendor.calls.filter((c) => c.idempotencyKey === created.action_id);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({
      action_type: 'block_ip',
      target: { type: 'ip', value: '203.0.113.9' },
      parameters: { duration: '24h' },
    });
    // A redelivered job finds it executed and does nothing.
    expect(await rt.response.executor.execute(created.action_id)).toBe('skipped');
    expect(vendor.calls.filter((c) => c.idempotencyKey === created.action_id)).toHaveLength(1);
    expect((await auditOf(created.action_id)).map((r) => r.action)).toEqual([
      'action.proposed',
      'action.started',
      'action.executed',
    ]);
    await eventually(
      async () => seen.some((e) => e.type === 'action_executed' && ev(e).action_id === created.action_id),
      'event',
    );
    const types = seen
      .filter((e) => 'action_id' in e.data && ev(e).action_id === created.action_id)
      .map((e) => e.type);
    expect(types).toContain('action_status_changed');
    expect(
      seen.some(
        (e) => e.type === 'actions_proposed' && (ev(e).action_ids as string[]).includes(created.action_id),
      ),
    ).toBe(true);
    const metrics = await rt.metrics.instance.metrics();
    expect(metrics).toMatch(/tw_actions_total\{action_type="block_ip",outcome="executed"\} 1/);
  });

  it('approval: level enforced, four eyes, then executed once; a second approval is 409', async () => {
    const res = await request('alice', {
      action_type: 'isolate_host',
      target: { type: 'host', value: 'FIN-LT-0417' },
      reason: 'ransomware',
    });
    expect(res.statusCode).toBe(201);
    const { action_id, action } = res.json() as ActionCreated;
    expect(action).toMatchObject({ status: 'pending', approval_level: 'senior' });
    expect(Date.parse(action.expires_at!) - Date.parse(action.created_at)).toBeGreaterThan(3_500_000);
    const pending = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/approvals?mine=true',
      headers: as('carol'),
    });
    expect((pending.json() as { data: ActionView[] }).data.map((a) => a.id)).not.toContain(action_id);
    const bobs = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/approvals?mine=true&action_type=isolate_host',
      headers: as('bob'),
    });
    expect((bobs.json() as { data: ActionView[] }).data.map((a) => a.id)).toContain(action_id);

    const low = await decide('carol', action_id, 'approve');
    expect(low.statusCode).toBe(403);
    expect(low.json().message).toContain('needs approval level senior');
    const viewer = await decide('vic', action_id, 'approve');
    expect(viewer.statusCode).toBe(403);
    const ok = await decide('bob', action_id, 'approve', 'confirmed with the owner');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'approved',
      decided_by: 'user:bob',
      decision_comment: 'confirmed with the owner',
    });
    await eventually(async () => (await get(action_id)).status === 'executed', 'executed');
    expect(vendor.calls.filter((c) => c.idempotencyKey === action_id)).toHaveLength(1);
    const again = await decide('bob', action_id, 'deny');
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
    expect(
      seen.some(
        (e) => e.type === 'action_approved' && ev(e).action_id === action_id && ev(e).by === 'user:bob',
      ),
    ).toBe(true);
  });

  it('the requester cannot approve their own request; an admin key can; deny records the comment', async () => {
    const mine = (
      await request('alice', {
        action_type: 'disable_user',
        target: { type: 'user', value: 'jdoe' },
        reason: 'phished',
      })
    ).json() as ActionCreated;
    const self = await decide('alice', mine.action_id, 'approve');
    expect(self.statusCode).toBe(403);
    expect(self.json().message).toContain('four eyes');
    const denied = await decide('carol', mine.action_id, 'deny', 'false positive');
    expect(denied.json()).toMatchObject({
      status: 'denied',
      decided_by: 'user:carol',
      decision_comment: 'false positive',
      approval_level: null,
    });
    expect(seen.some((e) => e.type === 'action_denied' && ev(e).action_id === mine.action_id)).toBe(true);
    const byAdmin = (
      await request('admin', {
        action_type: 'disable_user',
        target: { type: 'email', value: 'jdoe@example.com' },
        reason: 'x',
      })
    ).json() as ActionCreated;
    expect((await decide('admin', byAdmin.action_id, 'approve')).statusCode).toBe(200);
    await eventually(async () => (await get(byAdmin.action_id)).status === 'executed', 'executed');
  });

  it('a denied decision is stored denied and never runs', async () => {
    const res = await request('alice', {
      action_type: 'block_domain',
      target: { type: 'domain', value: 'example.org' },
      reason: 'x',
    });
    expect(res.statusCode).toBe(201);
    expect((res.json() as ActionCreated).action.status).toBe('denied');
    expect(await rt.response.executor.execute((res.json() as ActionCreated).action_id)).toBe('skipped');
  });

  it('no connector for the type: an approved action fails NO_CONNECTOR without a call', async () => {
    const res = await request('alice', {
      action_type: 'notify',
      target: { type: 'channel', value: 'soc' },
      reason: 'x',
    });
    const { action_id } = res.json() as ActionCreated;
    expect((res.json() as ActionCreated).action.connector).toBeNull();
    expect((await decide('bob', action_id, 'approve')).statusCode).toBe(200);
    const failed = await eventually(async () => {
      const a = await get(action_id);
      return a.status === 'failed' ? a : null;
    }, 'failed');
    expect(failed.error).toMatchObject({ code: 'NO_CONNECTOR' });
  });

  it('the kill switch blocks execution: failed KILL_SWITCH_ACTIVE, not started', async () => {
    await rt.killSwitch.activate('test', 'user:admin');
    try {
      const res = await request('alice', {
        action_type: 'block_ip',
        target: { type: 'ip', value: '198.51.100.1' },
        reason: 'x',
      });
      const { action_id } = res.json() as ActionCreated;
      const failed = await eventually(async () => {
        const a = await get(action_id);
        return a.status === 'failed' ? a : null;
      }, 'failed');
      expect(failed.error).toMatchObject({ code: 'KILL_SWITCH_ACTIVE' });
      expect(vendor.calls.filter((c) => c.idempotencyKey === action_id)).toHaveLength(0);
      expect((await auditOf(action_id)).map((r) => r.action)).toEqual(['action.proposed', 'action.failed']);
    } finally {
      await rt.killSwitch.deactivate('test', 'user:admin');
    }
  });

  it('rate limit: a start over the type limit is denied rate_limit.<type>.per_hour', async () => {
    const first = (
      await request('alice', {
        action_type: 'block_hash',
        target: { type: 'hash', value: 'a'.repeat(64) },
        reason: 'x',
      })
    ).json() as ActionCreated;
    await eventually(async () => (await get(first.action_id)).status === 'executed', 'first executed');
    const second = (
      await request('alice', {
        action_type: 'block_hash',
        target: { type: 'hash', value: 'b'.repeat(64) },
        reason: 'x',
      })
    ).json() as ActionCreated;
    const denied = await eventually(async () => {
      const a = await get(second.action_id);
      return a.status === 'denied' ? a : null;
    }, 'denied');
    expect(denied.decision).toMatchObject({ outcome: 'denied', rule: 'rate_limit.block_hash.per_hour' });
  });

  it('expiry: the leader sweep denies a pending action past its expiry (system:expiry)', async () => {
    const { action_id } = (
      await request('alice', {
        action_type: 'disable_user',
        target: { type: 'user', value: 'old' },
        reason: 'x',
      })
    ).json() as ActionCreated;
    await sql`UPDATE actions SET expires_at = now() - interval '1 second' WHERE id = ${action_id}`.execute(
      rt.database.primary,
    );
    expect(await rt.leaderJobs!.sweepActions()).toMatchObject({ expired: 1 });
    expect(await get(action_id)).toMatchObject({ status: 'denied', decided_by: 'system:expiry' });
    expect((await auditOf(action_id)).map((r) => r.action)).toEqual(['action.proposed', 'action.expired']);
    expect(
      seen.some(
        (e) => e.type === 'action_denied' && ev(e).action_id === action_id && ev(e).by === 'system:expiry',
      ),
    ).toBe(true);
    expect((await decide('bob', action_id, 'approve')).statusCode).toBe(409);
  });

  it('400 / 404 paths and lists', async () => {
    const wrongTarget = await request('alice', {
      action_type: 'isolate_host',
      target: { type: 'email', value: 'a@b.c' },
      reason: 'x',
    });
    expect(wrongTarget.statusCode).toBe(400);
    expect(wrongTarget.json().code).toBe('VALIDATION_ERROR');
    const unknownType = await request('alice', {
      action_type: 'launch_missiles',
      target: { type: 'host', value: 'h' },
      reason: 'x',
    });
    expect(unknownType.statusCode).toBe(400);
    const noReason = await request('alice', {
      action_type: 'block_ip',
      target: { type: 'ip', value: '1.2.3.4' },
    });
    expect(noReason.statusCode).toBe(400);
    const badConnector = await request('alice', {
      action_type: 'block_ip',
      target: { type: 'ip', value: '1.2.3.4' },
      reason: 'x',
      connector: 'nope',
    });
    expect(badConnector.statusCode).toBe(400);
    const missing = await request(
      'alice',
      { action_type: 'block_ip', target: { type: 'ip', value: '1.2.3.4' }, reason: 'x' },
      randomUUID(),
    );
    expect(missing.statusCode).toBe(404);
    expect(
      (await rt.app.inject({ method: 'GET', url: `/api/v1/actions/${randomUUID()}`, headers: as('vic') }))
        .statusCode,
    ).toBe(404);
    expect((await decide('bob', randomUUID(), 'approve')).statusCode).toBe(404);
    expect(
      (
        await rt.app.inject({
          method: 'GET',
          url: `/api/v1/incidents/${randomUUID()}/actions`,
          headers: as('vic'),
        })
      ).statusCode,
    ).toBe(404);
    const viewerRequest = await request('vic', {
      action_type: 'block_ip',
      target: { type: 'ip', value: '1.2.3.4' },
      reason: 'x',
    });
    expect(viewerRequest.statusCode).toBe(403);

    const mine = await rt.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${incidentId}/actions?per_page=2`,
      headers: as('vic'),
    });
    const body = mine.json() as {
      data: ActionView[];
      pagination: { total_items: number; total_pages: number };
    };
    expect(body.data).toHaveLength(2);
    expect(body.pagination.total_items).toBeGreaterThanOrEqual(8);
    const executed = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/actions?status=executed&action_type=block_ip',
      headers: as('vic'),
    });
    const ex = executed.json() as { data: ActionView[] };
    expect(ex.data.length).toBeGreaterThanOrEqual(1);
    expect(ex.data.every((a) => a.status === 'executed' && a.action_type === 'block_ip')).toBe(true);
    const badStatus = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/actions?status=bogus',
      headers: as('vic'),
    });
    expect(badStatus.statusCode).toBe(400);
  });
});
