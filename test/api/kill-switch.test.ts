// The kill switch on the embedded runtime (PGlite in a data folder): routes and who may use them,
// the audit rows, events and gauge, what triage records while it is active, and that it survives a
// restart. The multi-process propagation is test/api/kill-switch.replicas.test.ts.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/contracts/index.ts';
import { BuiltinPlaybookSource } from '../../src/core/playbooks/builtin-playbooks.ts';
import type { PlaybookDefinition } from '../../src/core/playbooks/playbook.model.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

const BLOCK: PlaybookDefinition = {
  name: 'malware-block',
  version: 1,
  description: 'malware: intel on IPs, analyze, recommend a block',
  enabled: true,
  priority: 100,
  trigger: { incident_types: ['malware'] },
  stages: [
    {
      name: 'intel',
      parallel: false,
      steps: [{ id: 'ip-intel', kind: 'enrich', indicator_types: ['ipv4'] }],
    },
    { name: 'analysis', parallel: false, steps: [{ id: 'judge', kind: 'analyze', analyzer: 'auto' }] },
    {
      name: 'respond',
      parallel: false,
      steps: [{ id: 'block', kind: 'propose_action', action: 'block_ip', target: '{{indicator.ipv4}}' }],
    },
  ],
  origin: 'api',
};

describe('kill switch (embedded)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-ks-'));
  let rt: Runtime;
  const seen: BusEvent[] = [];
  const keys: Record<string, string> = {};

  const start = async () => {
    const config = testConfig({ data_dir: dataDir });
    const log = createLogger({ level: config.logging.level, instance: 'test', role: 'all' });
    const r = await createRuntime(config, 'all', log, { playbooks: new BuiltinPlaybookSource([BLOCK]) });
    await r.start({ listen: false });
    return r;
  };
  const bearer = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const post = (verb: 'activate' | 'deactivate', headers: Record<string, string>, body: unknown) =>
    rt.app.inject({
      method: 'POST',
      url: `/api/v1/kill-switch/${verb}`,
      headers,
      payload: JSON.stringify(body),
    });

  beforeAll(async () => {
    rt = await start();
    await rt.transports.bus.subscribe((e) => void seen.push(e));
    for (const role of ['analyst', 'viewer'] as const) {
      const res = await rt.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: asAdmin(),
        payload: { name: `ks-${role}`, role },
      });
      expect(res.statusCode, res.body).toBe(201);
      keys[role] = (res.json() as { key: string }).key;
    }
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts inactive; a viewer reads it but may not pull it', async () => {
    const got = await rt.app.inject({ url: '/api/v1/kill-switch', headers: bearer(keys.viewer!) });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual({ active: false, reason: null, changed_by: null, changed_at: null });
    expect(rt.killSwitch.isActive()).toBe(false);
    const refused = await post('activate', bearer(keys.viewer!), { reason: 'x' });
    expect(refused.statusCode).toBe(403);
    // Deactivating what was never active records nothing.
    const noop = await post('deactivate', asAdmin({ 'content-type': 'application/json' }), { reason: 'x' });
    expect(noop.json()).toMatchObject({ changed: false, kill_switch: { active: false } });
  });

  it('a reason is required', async () => {
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x', extra: 1 }]) {
      const res = await post('activate', bearer(keys.analyst!), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(rt.killSwitch.isActive()).toBe(false);
  });

  it('an analyst pulls it: stored, audited, published, the gauge says 1; again is a no-op', async () => {
    const res = await post('activate', bearer(keys.analyst!), { reason: 'runaway playbook' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as {
      changed: boolean;
      kill_switch: { active: boolean; reason: string; changed_by: string };
    };
    expect(body).toMatchObject({ changed: true, kill_switch: { active: true, reason: 'runaway playbook' } });
    expect(body.kill_switch.changed_by).toMatch(/^api_key:/);
    expect(rt.killSwitch.isActive()).toBe(true);
    await eventually(async () => seen.some((e) => e.type === 'kill_switch_activated'), 'the event');
    expect(seen.find((e) => e.type === 'kill_switch_activated')!.data).toEqual({
      by: body.kill_switch.changed_by,
      reason: 'runaway playbook',
    });
    const again = await post('activate', asAdmin({ 'content-type': 'application/json' }), {
      reason: 'again',
    });
    expect(again.json()).toMatchObject({ changed: false, kill_switch: { reason: 'runaway playbook' } });
    const audit = await sql<{ actor: string; details: { reason: string } }>`
      SELECT actor, details FROM audit_log WHERE action = 'kill_switch.activated'`.execute(
      rt.database.primary,
    );
    expect(audit.rows).toEqual([
      { actor: body.kill_switch.changed_by, details: { reason: 'runaway playbook' } },
    ]);
    expect((await rt.app.inject('/metrics')).body).toMatch(/^tw_kill_switch_active 1$/m);
  });

  it('while active, ingestion and triage go on and propose_action records that the switch was active', async () => {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/open-source',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify({
        id: `alert-${randomUUID()}`,
        alert_type: 'malware',
        severity: 'high',
        title: 'Beacon from WS-12',
        description: 'beaconing to 185.220.101.47 from evil.example',
        data: { remote_ip: '185.220.101.47', domain: 'evil.example' },
      }),
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as { incident_id: string }).incident_id;
    await eventually(async () => {
      const i = await rt.store.get(id);
      return i && i.triaged_at && !['new', 'enriching', 'analyzing'].includes(i.status);
    }, 'triage');
    const step = await sql<{ result: Record<string, unknown> }>`
      SELECT result FROM triage_steps WHERE incident_id = ${id} AND step_id = 'block'`.execute(
      rt.database.primary,
    );
    expect(step.rows[0]?.result).toMatchObject({ executed: false, kill_switch_active: true });
    const audit = await sql<{ details: Record<string, unknown> }>`
      SELECT details FROM audit_log WHERE incident_id = ${id} AND action = 'triage.action_recommended'`.execute(
      rt.database.primary,
    );
    expect(audit.rows[0]?.details).toMatchObject({ executed: false, kill_switch_active: true });
  });

  it('survives a restart; only an admin releases it', async () => {
    await rt.stop();
    rt = await start();
    expect(rt.killSwitch.isActive()).toBe(true);
    expect((await rt.app.inject('/metrics')).body).toMatch(/^tw_kill_switch_active 1$/m);
    expect((await post('deactivate', bearer(keys.analyst!), { reason: 'fixed' })).statusCode).toBe(403);
    expect(rt.killSwitch.isActive()).toBe(true);
    const res = await post('deactivate', asAdmin({ 'content-type': 'application/json' }), {
      reason: 'fixed',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ changed: true, kill_switch: { active: false, reason: 'fixed' } });
    expect(rt.killSwitch.isActive()).toBe(false);
    expect((await rt.app.inject('/metrics')).body).toMatch(/^tw_kill_switch_active 0$/m);
    const audit = await sql<{ action: string }>`
      SELECT action FROM audit_log WHERE action LIKE 'kill_switch.%' ORDER BY seq`.execute(
      rt.database.primary,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['kill_switch.activated', 'kill_switch.deactivated']);
  });
});
