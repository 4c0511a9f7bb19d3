// /api/v1/policies on the embedded runtime: the built-in as version 1, replace with validation
// errors located, expected_version conflicts, rollback, evaluate (active, unsaved, by incident),
// events and audit rows; response.policy_file loaded at start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

const small = (n: number) =>
  `description: small ${n}\ndeny:\n  lab:\n    kind: hosts\n    entries: ["LAB-*"]\ndefaults:\n  manual: { decision: allowed }\n`;

describe('policies API', () => {
  let rt: Runtime;
  const events: BusEvent[] = [];
  beforeAll(async () => {
    rt = await startRuntime(testConfig());
    await rt.transports.bus.subscribe((e) => void events.push(e));
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: object) =>
    rt.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: asAdmin(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  const evaluate = (body: object) => call('POST', '/policies/evaluate', body);

  it('serves the built-in guardrails as version 1 with a summary', async () => {
    const res = await call('GET', '/policies');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.active).toMatchObject({ version: 1, active: true, created_by: 'system:test' });
    expect(body.active.source).toContain('protected_hosts');
    expect(body.summary.deny_lists.map((l: { name: string }) => l.name)).toContain('protected_hosts');
    expect(body.summary.rate_limits.isolate_host).toEqual({ per_hour: 10, per_day: 50, concurrent: 3 });
  });

  it('evaluates the issue scenario against the active policy (supervised)', async () => {
    const phishing = {
      severity: 'high',
      incident_type: 'phishing',
      classification: 'malicious',
      confidence: 0.93,
    };
    const q = await evaluate({
      action_type: 'quarantine_email',
      target: { type: 'email_message', value: '<m1@phish.example.net>' },
      incident: phishing,
      origin: 'recommended',
    });
    expect(q.statusCode, q.body).toBe(200);
    expect(q.json()).toMatchObject({
      decision: { outcome: 'allowed', rule: 'auto_approve.phishing-containment', policy_version: 1 },
      policy_version: 1,
      counts: { last_hour: 0, last_day: 0, executing: 0 },
      kill_switch_active: false,
    });
    const dc = await evaluate({
      action_type: 'isolate_host',
      target: { type: 'host', value: 'dc-01.corp.local' },
      origin: 'recommended',
    });
    expect(dc.json().decision).toMatchObject({ outcome: 'denied', rule: 'deny.protected_hosts' });
    const ws = await evaluate({
      action_type: 'isolate_host',
      target: { type: 'host', value: 'FIN-LT-0417' },
    });
    expect(ws.json().decision).toMatchObject({
      outcome: 'requires_approval',
      level: 'analyst',
      rule: 'approval.isolate-host',
    });
    const auto = await evaluate({
      action_type: 'isolate_host',
      target: { type: 'host', value: 'FIN-LT-0417' },
      mode: 'autonomous',
    });
    expect(auto.json().decision).toMatchObject({ outcome: 'allowed', rule: 'mode.autonomous' });
  });

  it('takes severity, type, tags and verdict from an incident when given its id', async () => {
    const created = await call('POST', '/incidents', {
      incident_type: 'phishing',
      source: 'manual',
      severity: 'high',
      title: 'policy evaluate',
    });
    expect(created.statusCode, created.body).toBeLessThan(300);
    const id = created.json().incident_id ?? created.json().id;
    // No verdict yet: phishing containment is not auto-approved.
    const r = await evaluate({
      action_type: 'block_sender',
      target: { type: 'email', value: 'x@phish.example.net' },
      incident_id: id,
      origin: 'recommended',
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().decision.rule).toBe('default.recommended');
    expect(
      (
        await evaluate({
          action_type: 'notify',
          target: { type: 'channel', value: 'soc' },
          incident_id: '00000000-0000-4000-8000-000000000000',
        })
      ).statusCode,
    ).toBe(404);
  });

  it('refuses bad input with 400s and never a 5xx', async () => {
    const bad = [
      { action_type: 'launch_missiles', target: { type: 'host', value: 'x' } },
      { action_type: 'notify', target: { type: 'host' } },
      { action_type: 'notify', target: { type: 'host', value: '' } },
      { action_type: 'notify', target: { type: 'host', value: 'x' }, incident: { confidence: 2 } },
      { action_type: 'notify', target: { type: 'host', value: 'x' }, incident_id: 'nope' },
      { action_type: 'notify', target: { type: 'host', value: 'x' }, mode: 'yolo' },
      { action_type: 'notify', target: { type: 'host', value: 'x' }, extra: 1 },
      {
        action_type: 'notify',
        target: { type: 'host', value: 'x' },
        incident_id: '00000000-0000-4000-8000-000000000000',
        incident: {},
      },
    ];
    for (const body of bad) {
      const r = await evaluate(body);
      expect(r.statusCode, `${JSON.stringify(body)} → ${r.body}`).toBe(400);
    }
    // A NUL in JSON is cleaned by the app's JSON parser before the route sees it.
    expect(
      (await evaluate({ action_type: 'notify', target: { type: 'host', value: 'x\u0000' } })).statusCode,
    ).toBeLessThan(500);
    for (const [method, url, body] of [
      ['PUT', '/policies', {}],
      ['PUT', '/policies', { source: 'description: x', colour: 1 }],
      ['POST', '/policies/activate', { version: 0 }],
      ['POST', '/policies/activate', { version: 'one' }],
      ['GET', '/policies/versions/abc', undefined],
      ['GET', '/policies/versions?per_page=1000', undefined],
    ] as const) {
      const r = await call(method, url, body);
      expect(r.statusCode, `${method} ${url} → ${r.body}`).toBe(400);
    }
    expect((await call('GET', '/policies/versions/999')).statusCode).toBe(404);
    expect((await call('POST', '/policies/activate', { version: 999 })).statusCode).toBe(404);
  });

  it('an invalid document is a 400 VALIDATION_ERROR with file, line, column and field; nothing stored', async () => {
    const r = await call('PUT', '/policies', {
      source: 'deny:\n  x:\n    kind: hosts\n    entries: [a]\n    colour: red\n',
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { errors: [{ file: '<request>', line: 5, column: 5, field: 'deny.x.colour' }] },
    });
    const dry = await evaluate({
      action_type: 'notify',
      target: { type: 'channel', value: 's' },
      source: 'rate_limits: [1]\n',
    });
    expect(dry.statusCode).toBe(400);
    expect(dry.json().details.errors[0]).toMatchObject({ line: 1, field: 'rate_limits' });
    expect((await call('GET', '/policies')).json().active.version).toBe(1);
  });

  it('evaluates an unsaved document as version 0', async () => {
    const r = await evaluate({
      action_type: 'isolate_host',
      target: { type: 'host', value: 'lab-7' },
      source: small(0),
    });
    expect(r.json()).toMatchObject({
      policy_version: 0,
      decision: { outcome: 'denied', rule: 'deny.lab', policy_version: 0 },
    });
  });

  it('replaces, conflicts on a stale expected_version, rolls back as a new version; events and audit rows', async () => {
    const put = await call('PUT', '/policies', {
      source: small(1),
      comment: 'lab lock-down',
      expected_version: 1,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      version: 2,
      active: true,
      comment: 'lab lock-down',
      created_by: 'api_key:admin-env',
    });
    const stale = await call('PUT', '/policies', { source: small(2), expected_version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('CONFLICT');
    // The new version decides at once in this process.
    const e = await evaluate({ action_type: 'isolate_host', target: { type: 'host', value: 'LAB-1' } });
    expect(e.json()).toMatchObject({ policy_version: 2, decision: { rule: 'deny.lab' } });

    const back = await call('POST', '/policies/activate', { version: 1, comment: 'undo' });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toMatchObject({ version: 3, active: true, comment: 'undo' });
    expect(back.json().source).toBe((await call('GET', '/policies/versions/1')).json().source);
    expect((await call('POST', '/policies/activate', { version: 1, expected_version: 2 })).statusCode).toBe(
      409,
    );

    const list = await call('GET', '/policies/versions?page=1&per_page=2');
    expect(list.json().data.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    expect(list.json().pagination).toEqual({ page: 1, per_page: 2, total_items: 3, total_pages: 2 });
    expect(
      (await call('GET', '/policies/versions?page=2&per_page=2'))
        .json()
        .data.map((v: { version: number }) => v.version),
    ).toEqual([1]);
    expect((await call('GET', '/policies/versions/2')).json()).toMatchObject({ version: 2, active: false });

    await eventually(
      async () => events.filter((x) => x.type === 'policy_changed').length >= 2,
      'policy_changed events',
    );
    expect(events.filter((x) => x.type === 'policy_changed').map((x) => x.data)).toEqual([
      { version: 2, by: 'api_key:admin-env' },
      { version: 3, by: 'api_key:admin-env' },
    ]);
    const rows = await sql<{ action: string; actor: string; details: Record<string, unknown> }>`
      SELECT action, actor, details FROM audit_log WHERE action LIKE 'policy.%' ORDER BY seq`.execute(
      rt.database.primary,
    );
    expect(rows.rows.map((r) => `${r.action}:${String(r.details.version)}`)).toEqual([
      'policy.created:1',
      'policy.activated:1',
      'policy.created:2',
      'policy.activated:2',
      'policy.created:3',
      'policy.activated:3',
    ]);
    expect(rows.rows[4]!.details).toMatchObject({ origin: 'rollback', rollback_of: 1 });
  });
});

describe('response.policy_file', () => {
  it('is loaded at start as a new version; an invalid file stops the start with its position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-policy-'));
    try {
      const file = join(dir, 'guardrails.yaml');
      writeFileSync(file, small(5));
      const rt = await startRuntime(testConfig({ response: { policy_file: file } }));
      try {
        const active = await rt.app.inject({ method: 'GET', url: '/api/v1/policies', headers: asAdmin() });
        expect(active.json().active).toMatchObject({ version: 1, source: small(5) });
      } finally {
        await rt.stop();
      }
      writeFileSync(file, 'deny:\n  x: { kind: nope, entries: [] }\n');
      await expect(startRuntime(testConfig({ response: { policy_file: file } }))).rejects.toThrow(
        /guardrails\.yaml:2:\d+ deny\.x\.kind/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
