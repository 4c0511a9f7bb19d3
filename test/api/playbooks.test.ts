// /api/v1/playbooks on the embedded runtime: CRUD, enable/disable, validate, versions, errors,
// audit rows and events; loading playbooks.dir and what a restart does with API edits; the SLA job.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

const doc = (name: string, extra = '') =>
  `name: ${name}\ndescription: test playbook\n${extra}trigger:\n  incident_types: [reconnaissance]\nstages:\n  - name: s\n    steps:\n      - id: enrich\n        kind: enrich\n      - id: analyze\n        kind: analyze\n`;

describe('playbooks API', () => {
  let rt: Runtime;
  const events: BusEvent[] = [];
  beforeAll(async () => {
    rt = await startRuntime(testConfig());
    await rt.transports.bus.subscribe((e) => void events.push(e));
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: string | object,
    type = 'application/json',
  ) =>
    rt.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: asAdmin(body !== undefined ? { 'content-type': type } : {}),
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });

  it('lists the built-ins, shows one with its YAML and compiled form', async () => {
    const list = await call('GET', '/playbooks');
    expect(list.statusCode).toBe(200);
    const names = (list.json().data as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(['cloud-finding', 'generic', 'malware', 'phishing', 'suspicious-login']);
    const one = await call('GET', '/playbooks/phishing');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      name: 'phishing',
      version: 1,
      enabled: true,
      builtin: true,
      fallback: false,
      origin: 'builtin',
      valid: true,
      definition: { name: 'phishing', trigger: { incident_types: ['phishing'] } },
    });
    expect(one.json().yaml).toContain('block_sender');
    const listed = (list.json().data as { name: string; sla?: unknown; trigger?: unknown }[]).find(
      (p) => p.name === 'phishing',
    );
    expect(listed).toMatchObject({
      trigger: { incident_types: ['phishing'] },
      sla: { time_to_triage_ms: 900_000, time_to_respond_ms: 14_400_000 },
    });
    expect((await call('GET', '/playbooks/generic')).json()).toMatchObject({ fallback: true });
    expect((await call('GET', '/playbooks/nope')).statusCode).toBe(404);
    expect((await call('GET', '/playbooks/Not%20A%20Name')).statusCode).toBe(404);
  });

  it('creates from application/yaml or JSON {yaml}; replaces; enables and disables; deletes', async () => {
    const created = await call('POST', '/playbooks', doc('recon'), 'application/yaml');
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'recon',
      version: 1,
      origin: 'api',
      builtin: false,
      enabled: true,
    });
    expect(created.json().yaml).toBe(doc('recon'));

    const dup = await call('POST', '/playbooks', { yaml: doc('recon') });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('CONFLICT');

    const replaced = await call('PUT', '/playbooks/recon', { yaml: doc('recon', 'priority: 40\n') });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ version: 2, priority: 40 });
    const stale = await call('PUT', '/playbooks/recon', { yaml: doc('recon'), expected_version: 1 });
    expect(stale.statusCode).toBe(409);
    const renamed = await call('PUT', '/playbooks/recon', { yaml: doc('other-name') });
    expect(renamed.statusCode).toBe(400);
    expect((await call('PUT', '/playbooks/ghost', { yaml: doc('ghost') })).statusCode).toBe(404);

    const off = await call('POST', '/playbooks/recon/disable');
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ enabled: false, version: 3 });
    const on = await call('POST', '/playbooks/recon/enable');
    expect(on.json()).toMatchObject({ enabled: true, version: 4 });
    // `enabled: false` in a replacing document switches it off too.
    const viaDoc = await call('PUT', '/playbooks/recon', doc('recon', 'enabled: false\n'), 'text/yaml');
    expect(viaDoc.json()).toMatchObject({ enabled: false, version: 5 });

    const versions = await call('GET', '/playbooks/recon/versions?limit=3');
    expect(
      versions.json().data.map((v: { version: number; change: string }) => [v.version, v.change]),
    ).toEqual([
      [5, 'replaced'],
      [4, 'enabled'],
      [3, 'disabled'],
    ]);

    expect((await call('DELETE', '/playbooks/recon')).statusCode).toBe(204);
    expect((await call('GET', '/playbooks/recon')).statusCode).toBe(404);
    expect((await call('DELETE', '/playbooks/recon')).statusCode).toBe(404);

    const audit = await sql<{ action: string; actor: string }>`
      SELECT action, actor FROM audit_log WHERE details->>'playbook' = 'recon' ORDER BY id`.execute(
      rt.database.primary,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'playbook.created',
      'playbook.replaced',
      'playbook.disabled',
      'playbook.enabled',
      'playbook.replaced',
      'playbook.deleted',
    ]);
    expect(new Set(audit.rows.map((r) => r.actor)).size).toBe(1);
    const changes = events
      .filter((e) => e.type === 'playbook_changed' && (e.data as { name: string }).name === 'recon')
      .map((e) => (e.data as { change: string }).change);
    expect(changes).toEqual(['created', 'replaced', 'disabled', 'enabled', 'replaced', 'deleted']);
  });

  it('an invalid document is a 400 INVALID_PLAYBOOK listing line and field; validate is a dry run', async () => {
    const bad = doc('bad-one').replace('kind: analyze', 'kind: analyse');
    const res = await call('POST', '/playbooks', bad, 'application/yaml');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_PLAYBOOK');
    expect(res.json().details.errors).toEqual([
      expect.objectContaining({ file: '<request>', line: 11, field: 'stages[0].steps[1].kind' }),
    ]);
    const dry = await call('POST', '/playbooks/validate', { yaml: bad });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({
      valid: false,
      errors: [{ line: 11, field: 'stages[0].steps[1].kind' }],
    });
    const good = await call('POST', '/playbooks/validate', doc('good-one'), 'application/yaml');
    expect(good.json()).toMatchObject({ valid: true, definition: { name: 'good-one', version: 1 } });
    expect((await call('GET', '/playbooks/good-one')).statusCode).toBe(404);
    // Malformed requests: no document, a non-string, an unknown media type, a NUL.
    expect((await call('POST', '/playbooks', {})).json().code).toBe('VALIDATION_ERROR');
    expect((await call('POST', '/playbooks', { yaml: 5 })).statusCode).toBe(400);
    expect((await call('POST', '/playbooks', doc('x'), 'text/plain')).statusCode).toBe(415);
    expect((await call('POST', '/playbooks', `${doc('nul')}# \u0000\n`, 'application/yaml')).statusCode).toBe(
      400,
    );
    const huge = await call(
      'POST',
      '/playbooks',
      `${doc('huge')}# ${'x'.repeat(70_000)}\n`,
      'application/yaml',
    );
    expect([400, 413]).toContain(huge.statusCode);
  });

  it('built-ins can be disabled, not deleted; the fallback can be neither', async () => {
    expect((await call('DELETE', '/playbooks/malware')).statusCode).toBe(409);
    expect((await call('DELETE', '/playbooks/generic')).statusCode).toBe(409);
    const off = await call('POST', '/playbooks/generic/disable');
    expect(off.statusCode).toBe(409);
    expect(off.json().code).toBe('CONFLICT');
    expect((await call('POST', '/playbooks/malware/disable')).json().enabled).toBe(false);
    expect((await call('POST', '/playbooks/malware/enable')).json().enabled).toBe(true);
  });

  it('the SLA job records a breach once, announces it and counts it', async () => {
    const ingest = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify({
        title: 'port scan',
        severity: 'low',
        incident_type: 'reconnaissance',
        source: 'api',
      }),
    });
    expect(ingest.statusCode, ingest.body).toBeLessThan(300);
    const id = ingest.json().incident_id as string;
    // Let its own triage finish first (it would otherwise move the status under the test).
    await eventually(async () => {
      const r = await sql<{ status: string }>`SELECT status FROM incidents WHERE id = ${id}`.execute(
        rt.database.primary,
      );
      return !['new', 'enriching', 'analyzing'].includes(r.rows[0]!.status);
    }, 'triage finished');
    await sql`UPDATE incidents SET created_at = now() - interval '2 days', status = 'pending_review' WHERE id = ${id}`.execute(
      rt.database.primary,
    );
    await rt.playbooks.sla.run();
    await rt.playbooks.sla.run();
    const mine = events.filter(
      (e) => e.type === 'sla_breached' && (e.data as { incident_id: string }).incident_id === id,
    );
    // generic (reconnaissance has no built-in): time_to_respond 24h; it was triaged, so only that kind.
    expect(mine.map((e) => e.data)).toEqual([
      expect.objectContaining({ incident_id: id, playbook: 'generic', kind: 'time_to_respond' }),
    ]);
    const metrics = await rt.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /^tw_playbook_sla_breaches_total\{playbook="generic",kind="time_to_respond"\} [1-9]/m,
    );
  });
});

describe('playbooks.dir and restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-pb-data-'));
  const dir = mkdtempSync(join(tmpdir(), 'tw-pb-dir-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const config = () => testConfig({ data_dir: dataDir, playbooks: { dir } });
  const get = async (rt: Runtime, name: string) =>
    (await rt.app.inject({ method: 'GET', url: `/api/v1/playbooks/${name}`, headers: asAdmin() })).json();

  it('loads the folder; an API edit survives a restart until its file changes; a bad file is skipped', async () => {
    writeFileSync(join(dir, 'recon.yaml'), doc('folder-recon', 'priority: 5\n'));
    // A folder file replaces the built-in of the same name.
    writeFileSync(join(dir, 'malware.yaml'), doc('malware', 'priority: 7\n'));
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nstages: nope\n');
    let rt = await startRuntime(config());
    try {
      expect(rt.playbooks.loaded).toMatchObject({ 'folder-recon': 'inserted', malware: 'inserted' });
      expect(await get(rt, 'folder-recon')).toMatchObject({
        version: 1,
        priority: 5,
        origin: `file:${join(dir, 'recon.yaml')}`,
      });
      expect((await get(rt, 'malware')).priority).toBe(7);
      expect((await get(rt, 'broken')).code).toBe('NOT_FOUND');
      const edit = await rt.app.inject({
        method: 'PUT',
        url: '/api/v1/playbooks/folder-recon',
        headers: asAdmin({ 'content-type': 'application/yaml' }),
        payload: doc('folder-recon', 'priority: 50\n'),
      });
      expect(edit.statusCode, edit.body).toBe(200);
      const del = await rt.app.inject({
        method: 'DELETE',
        url: '/api/v1/playbooks/folder-recon',
        headers: asAdmin(),
      });
      expect(del.statusCode).toBe(409);
      await rt.app.inject({ method: 'POST', url: '/api/v1/playbooks/phishing/disable', headers: asAdmin() });
    } finally {
      await rt.stop();
    }
    rt = await startRuntime(config());
    try {
      expect(rt.playbooks.loaded['folder-recon']).toBe('unchanged');
      expect(await get(rt, 'folder-recon')).toMatchObject({ version: 2, priority: 50 });
      expect((await get(rt, 'phishing')).enabled).toBe(false);
    } finally {
      await rt.stop();
    }
    writeFileSync(join(dir, 'recon.yaml'), doc('folder-recon', 'priority: 6\n'));
    rt = await startRuntime(config());
    try {
      expect(rt.playbooks.loaded['folder-recon']).toBe('updated');
      expect(await get(rt, 'folder-recon')).toMatchObject({ version: 3, priority: 6 });
      expect((await get(rt, 'phishing')).enabled).toBe(false);
    } finally {
      await rt.stop();
    }
  }, 120_000);
});
