// Case work over the API on the embedded runtime: assignment (me, users, unknown), comments with
// mentions, tags, overrides, status/reopen with version conflicts, related incidents, the audit rows
// and the events on the WebSocket. Bulk, export, search and saved views: casework-lists.test.ts.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

const PASSWORD = 'correct horse battery staple 42';
const ADMIN = 'api_key:admin-env';
const MISSING = '00000000-0000-4000-8000-000000000000';

interface Incident {
  id: string;
  status: string;
  version: number;
  assignee: string | null;
  tags: string[];
  severity: string;
  original_severity: string | null;
  incident_type: string;
  original_incident_type: string | null;
}

describe('case work API', () => {
  let rt: Runtime;
  let alice: Record<string, string>;
  const json = (h: Record<string, string>) => ({ ...h, 'content-type': 'application/json' });
  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers = asAdmin(),
  ) =>
    rt.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: body === undefined ? headers : json(headers),
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  /** A new incident, once triage has settled it (triage bumps the version too). */
  async function incident(over: Record<string, unknown> = {}): Promise<Incident> {
    const res = await call('POST', '/incidents', {
      incident_type: 'malware',
      source: 'edr',
      severity: 'medium',
      title: `Beacon ${randomUUID()}`,
      indicators: [{ type: 'ipv4', value: '198.51.100.77' }],
      ...over,
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().incident_id as string;
    return eventually(
      async () => {
        const got = (await call('GET', `/incidents/${id}`)).json() as Incident;
        return ['new', 'enriching', 'analyzing'].includes(got.status) ? null : got;
      },
      'triage settled',
      30_000,
    );
  }
  const audits = async (id: string, action: string) =>
    (
      await sql<{ actor: string; details: Record<string, unknown> }>`
        SELECT actor, details FROM audit_log WHERE incident_id = ${id} AND action = ${action} ORDER BY id`.execute(
        rt.database.primary,
      )
    ).rows;

  beforeAll(async () => {
    rt = await startRuntime(testConfig(), { listen: true });
    for (const username of ['alice', 'bob']) {
      const res = await call('POST', '/users', { username, password: PASSWORD, role: 'analyst' });
      expect(res.statusCode, res.body).toBe(201);
    }
    const login = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'alice', password: PASSWORD },
    });
    const token = /tw_session=([^;]+)/.exec(String(login.headers['set-cookie']))![1];
    alice = { cookie: `tw_session=${token}`, 'x-csrf-token': login.json().csrf_token as string };
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('assigns (me, a username, null), refuses unknown users and stale versions, audits', async () => {
    const inc = await incident();
    const mine = await call('PUT', `/incidents/${inc.id}/assignee`, { assignee: 'me' }, alice);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toMatchObject({ assignee: 'alice', version: inc.version + 1 });
    expect(mine.json().assigned_at).toBeTruthy();
    const meByKey = await call('PUT', `/incidents/${inc.id}/assignee`, { assignee: 'me' });
    expect(meByKey.statusCode).toBe(400);
    const unknown = await call('PUT', `/incidents/${inc.id}/assignee`, { assignee: 'mallory' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('VALIDATION_ERROR');
    const stale = await call('PUT', `/incidents/${inc.id}/assignee`, {
      assignee: 'bob',
      version: inc.version,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'CONFLICT', details: { version: inc.version + 1 } });
    const bob = await call('PUT', `/incidents/${inc.id}/assignee`, {
      assignee: 'BOB',
      version: inc.version + 1,
    });
    expect(bob.json().assignee).toBe('bob');
    expect(
      (await call('PUT', `/incidents/${inc.id}/assignee`, { assignee: null })).json().assignee,
    ).toBeNull();
    expect((await call('PUT', `/incidents/${MISSING}/assignee`, { assignee: 'bob' })).statusCode).toBe(404);
    expect((await call('PUT', `/incidents/not-a-uuid/assignee`, { assignee: 'bob' })).statusCode).toBe(400);
    expect((await call('PUT', `/incidents/${inc.id}/assignee`, { who: 'bob' })).statusCode).toBe(400);
    expect((await audits(inc.id, 'incident.assigned')).map((r) => [r.actor, r.details.to])).toEqual([
      ['user:alice', 'alice'],
      [ADMIN, 'bob'],
      [ADMIN, null],
    ]);
    // My queue.
    await call('PUT', `/incidents/${inc.id}/assignee`, { assignee: 'me' }, alice);
    const queue = await call('GET', '/incidents?assignee=me', undefined, alice);
    expect(queue.json().data.map((i: Incident) => i.id)).toEqual([inc.id]);
    const byName = await call('GET', '/incidents?assignee=alice');
    expect(byName.json().data.map((i: Incident) => i.id)).toEqual([inc.id]);
    const none = await call('GET', '/incidents?assignee=none&per_page=200');
    expect(none.json().data.map((i: Incident) => i.id)).not.toContain(inc.id);
    expect((await call('GET', '/incidents?assignee=me')).statusCode).toBe(400);
  });

  it('comments with mentions of existing users; lists them; 400 on empty or oversized bodies', async () => {
    const inc = await incident();
    const res = await call(
      'POST',
      `/incidents/${inc.id}/comments`,
      { body: 'Looks bad, @bob and @nobody: check =cmd' },
      alice,
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ author: 'user:alice', mentions: ['bob'], incident_id: inc.id });
    const list = await call('GET', `/incidents/${inc.id}/comments`);
    expect(list.json().data).toEqual([res.json()]);
    expect((await call('POST', `/incidents/${inc.id}/comments`, { body: '' })).statusCode).toBe(400);
    expect((await call('POST', `/incidents/${inc.id}/comments`, { body: '   ' })).json().code).toBe(
      'VALIDATION_ERROR',
    );
    expect(
      (await call('POST', `/incidents/${inc.id}/comments`, { body: 'x'.repeat(10_001) })).statusCode,
    ).toBe(400);
    expect((await call('POST', `/incidents/${MISSING}/comments`, { body: 'hi' })).statusCode).toBe(404);
    expect((await call('GET', `/incidents/${MISSING}/comments`)).statusCode).toBe(404);
    const [row] = await audits(inc.id, 'incident.commented');
    expect(row!.details).toEqual({
      comment_id: res.json().id,
      length: res.json().body.length,
      mentions: ['bob'],
    });
    expect(JSON.stringify(row)).not.toContain('Looks bad');
  });

  it('tags (normalised, bounded), overrides severity and type keeping the originals', async () => {
    const inc = await incident({ tags: ['edr'] });
    const t = await call('PUT', `/incidents/${inc.id}/tags`, { add: ['Phish:Wave-2', 'vip', 'gone'] });
    expect(t.statusCode, t.body).toBe(200);
    expect(t.json().tags).toEqual(expect.arrayContaining(['phish:wave-2', 'vip', 'gone']));
    const r = await call('PUT', `/incidents/${inc.id}/tags`, { remove: ['GONE'] });
    expect(r.json().tags).not.toContain('gone');
    expect((await call('PUT', `/incidents/${inc.id}/tags`, { add: ['-bad'] })).statusCode).toBe(400);
    expect((await call('PUT', `/incidents/${inc.id}/tags`, { add: ['white space'] })).json().code).toBe(
      'VALIDATION_ERROR',
    );
    const many = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const over = await call('PUT', `/incidents/${inc.id}/tags`, { add: many });
    expect(over.statusCode).toBe(400);
    expect((await call('PUT', `/incidents/${MISSING}/tags`, { add: ['x'] })).statusCode).toBe(404);
    const noReason = await call('PATCH', `/incidents/${inc.id}`, { severity: 'high' });
    expect(noReason.statusCode).toBe(400);
    expect((await call('PATCH', `/incidents/${inc.id}`, { reason: 'nothing' })).statusCode).toBe(400);
    const p = await call('PATCH', `/incidents/${inc.id}`, {
      severity: 'critical',
      incident_type: 'ransomware',
      reason: 'encryptor',
    });
    expect(p.statusCode, p.body).toBe(200);
    const again = await call('PATCH', `/incidents/${inc.id}`, { severity: 'low', reason: 'overcalled' });
    expect(again.json()).toMatchObject({
      severity: 'low',
      original_severity: 'medium',
      incident_type: 'ransomware',
      original_incident_type: 'malware',
    });
    const stale = await call('PATCH', `/incidents/${inc.id}`, { severity: 'high', reason: 'r', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect((await call('PATCH', `/incidents/${MISSING}`, { severity: 'high', reason: 'r' })).statusCode).toBe(
      404,
    );
    expect(await audits(inc.id, 'incident.severity_overridden')).toHaveLength(2);
    expect(await audits(inc.id, 'incident.type_overridden')).toHaveLength(1);
    expect((await audits(inc.id, 'incident.tagged')).map((a) => a.details)).toEqual([
      { added: ['phish:wave-2', 'vip', 'gone'], removed: [] },
      { added: [], removed: ['gone'] },
    ]);
  });

  it('sets statuses with a reason by the lifecycle rules, reopens, and answers 409 on conflicts', async () => {
    const inc = await incident();
    const bad = await call('POST', `/incidents/${inc.id}/status`, { status: 'executing', reason: 'x' });
    expect(bad.statusCode).toBe(400);
    expect((await call('POST', `/incidents/${inc.id}/status`, { status: 'resolved' })).statusCode).toBe(400);
    const stale = await call('POST', `/incidents/${inc.id}/status`, {
      status: 'resolved',
      reason: 'r',
      version: inc.version + 5,
    });
    expect(stale.statusCode).toBe(409);
    const fp = await call('POST', `/incidents/${inc.id}/status`, {
      status: 'false_positive',
      reason: 'test box',
      version: inc.version,
    });
    expect(fp.statusCode, fp.body).toBe(200);
    expect(fp.json()).toMatchObject({ status: 'false_positive', resolution_reason: 'test box' });
    const twice = await call('POST', `/incidents/${inc.id}/status`, { status: 'resolved', reason: 'r' });
    expect(twice.statusCode).toBe(409);
    const reopened = await call('POST', `/incidents/${inc.id}/reopen`, { reason: 'it came back' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json().status).toBe('pending_review');
    expect((await call('POST', `/incidents/${inc.id}/reopen`, { reason: 'again' })).statusCode).toBe(409);
    expect((await call('POST', `/incidents/${inc.id}/reopen`, {})).statusCode).toBe(400);
    expect((await call('POST', `/incidents/${MISSING}/reopen`, { reason: 'x' })).statusCode).toBe(404);
    const closed = await call('POST', `/incidents/${inc.id}/status`, { status: 'closed', reason: 'done' });
    expect(closed.json().status).toBe('closed');
    expect((await audits(inc.id, 'incident.status_changed')).map((r) => r.details)).toEqual([
      { reason: 'test box', from: 'pending_review', to: 'false_positive' },
      { reason: 'done', from: 'pending_review', to: 'closed' },
    ]);
    expect((await audits(inc.id, 'incident.reopened'))[0]!.details).toMatchObject({
      from: 'false_positive',
      to: 'pending_review',
    });
  });

  it('lists related incidents sharing indicators', async () => {
    const a = await incident({
      indicators: [
        { type: 'domain', value: 'rel-shared.example' },
        { type: 'ipv4', value: '192.0.2.200' },
      ],
    });
    const b = await incident({
      title: 'Second',
      indicators: [{ type: 'domain', value: 'rel-shared.example' }],
    });
    const res = await call('GET', `/incidents/${a.id}/related`);
    expect(res.statusCode).toBe(200);
    const hit = res.json().data.find((r: { id: string }) => r.id === b.id);
    expect(hit).toMatchObject({ title: 'Second', shared: ['domain:rel-shared.example'] });
    expect((await call('GET', `/incidents/${MISSING}/related`)).statusCode).toBe(404);
  });

  it('streams incident_assigned and comment_added on the WebSocket', async () => {
    const inc = await incident();
    const ws = new WebSocket(`${rt.url!.replace(/^http/, 'ws')}/api/v1/stream?incident_id=${inc.id}`, {
      headers: asAdmin(),
    });
    const got: { type: string; data?: Record<string, unknown> }[] = [];
    ws.on('message', (raw) => got.push(JSON.parse(raw.toString()) as (typeof got)[number]));
    await eventually(async () => got.some((m) => m.type === 'subscribed'), 'subscribed');
    await call('PUT', `/incidents/${inc.id}/assignee`, { assignee: 'bob' });
    const c = await call('POST', `/incidents/${inc.id}/comments`, { body: 'hey @alice' });
    await call('PUT', `/incidents/${inc.id}/tags`, { add: ['streamed'] });
    await eventually(async () => got.some((m) => m.type === 'incident_updated'), 'incident_updated');
    ws.close();
    expect(got.find((m) => m.type === 'incident_assigned')?.data).toEqual({
      incident_id: inc.id,
      assignee: 'bob',
      by: ADMIN,
    });
    expect(got.find((m) => m.type === 'comment_added')?.data).toEqual({
      incident_id: inc.id,
      comment_id: c.json().id,
      by: ADMIN,
      mentions: ['alice'],
    });
    expect(got.find((m) => m.type === 'incident_updated')?.data).toMatchObject({ fields: ['tags'] });
  });
});
