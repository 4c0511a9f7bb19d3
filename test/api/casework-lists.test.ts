// Case work on many incidents over the API (embedded runtime): bulk operations answered per item,
// the streamed export (CSV quoting and formula-injection defence, JSON lines), the list's search over
// indicators, hosts, users and raw payloads, its new filters, and saved views isolated per user.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

const PASSWORD = 'correct horse battery staple 42';
const MISSING = '00000000-0000-4000-8000-000000000000';

describe('case work on lists (API)', () => {
  let rt: Runtime;
  const sessions: Record<string, Record<string, string>> = {};
  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers = asAdmin(),
  ) =>
    rt.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  async function incident(over: Record<string, unknown> = {}): Promise<string> {
    const res = await call('POST', '/incidents', {
      incident_type: 'malware',
      source: 'edr',
      severity: 'medium',
      title: `Beacon ${randomUUID()}`,
      ...over,
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().incident_id as string;
    await eventually(
      async () => {
        const s = (await call('GET', `/incidents/${id}`)).json().status as string;
        return !['new', 'enriching', 'analyzing'].includes(s);
      },
      'triage settled',
      30_000,
    );
    return id;
  }
  const ids = async (query: string, headers = asAdmin()) => {
    const res = await call('GET', `/incidents?per_page=200&${query}`, undefined, headers);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().data as { id: string }[]).map((i) => i.id);
  };

  beforeAll(async () => {
    rt = await startRuntime(testConfig());
    for (const username of ['carol', 'dave']) {
      expect(
        (await call('POST', '/users', { username, password: PASSWORD, role: 'analyst' })).statusCode,
      ).toBe(201);
      const login = await rt.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password: PASSWORD },
      });
      const token = /tw_session=([^;]+)/.exec(String(login.headers['set-cookie']))![1];
      sessions[username] = {
        cookie: `tw_session=${token}`,
        'x-csrf-token': login.json().csrf_token as string,
      };
    }
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('bulk answers per item: ok, NOT_FOUND, CONFLICT, VALIDATION_ERROR; never all or nothing', async () => {
    const a = await incident();
    const b = await incident();
    await call('POST', `/incidents/${b}/dismiss`, { reason: 'noise' });
    const res = await call('POST', '/incidents/bulk', {
      op: 'resolve',
      reason: 'cleaned',
      ids: [a, b, MISSING, 'nope'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ op: 'resolve', succeeded: 1, failed: 3 });
    expect(res.json().results).toEqual([
      { id: a, ok: true, status: 'resolved' },
      expect.objectContaining({ id: b, ok: false, code: 'CONFLICT' }),
      expect.objectContaining({ id: MISSING, ok: false, code: 'NOT_FOUND' }),
      expect.objectContaining({ id: 'nope', ok: false, code: 'VALIDATION_ERROR' }),
    ]);
    const tagged = await call('POST', '/incidents/bulk', { op: 'tag', tags: ['Bulk-1'], ids: [a, b] });
    expect(tagged.json()).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await ids('tag=bulk-1')).toEqual(expect.arrayContaining([a, b]));
    const assigned = await call(
      'POST',
      '/incidents/bulk',
      { op: 'assign', assignee: 'me', filter: { tag: 'bulk-1' } },
      sessions.carol,
    );
    expect(assigned.json()).toMatchObject({ succeeded: 2 });
    expect((await ids('assignee=me', sessions.carol)).sort()).toEqual([a, b].sort());
    const untag = await call('POST', '/incidents/bulk', {
      op: 'untag',
      tags: ['bulk-1'],
      filter: { tag: 'bulk-1' },
    });
    expect(untag.json()).toMatchObject({ succeeded: 2 });
    // Request-level mistakes are 400s.
    for (const body of [
      { op: 'resolve', ids: [a] },
      { op: 'resolve', reason: 'r' },
      { op: 'resolve', reason: 'r', ids: [a], filter: {} },
      { op: 'tag', ids: [a] },
      { op: 'explode', ids: [a] },
      { op: 'assign', ids: [a] },
      { op: 'dismiss', reason: 'r', ids: Array.from({ length: 501 }, () => randomUUID()) },
      { op: 'dismiss', reason: 'r', filter: { nonsense: 'x' } },
    ]) {
      const r = await call('POST', '/incidents/bulk', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it('exports CSV (quoted, formula cells defused) and JSON lines, with the list filters', async () => {
    const tag = `exp-${randomUUID().slice(0, 6)}`;
    const evil = await incident({
      title: '=HYPERLINK("http://x.example","click"), "quoted"\nline',
      tags: [tag],
    });
    const plain = await incident({ title: 'plain title', tags: [tag] });
    await call('PUT', `/incidents/${evil}/tags`, { add: [tag] });
    await call('PUT', `/incidents/${plain}/tags`, { add: [tag] });
    const csv = await call('GET', `/incidents/export?format=csv&tag=${tag}`);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('incidents.csv');
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(
      'id,created_at,updated_at,status,severity,original_severity,incident_type,original_incident_type,source,title,assignee,classification,confidence,tags,occurrence_count,resolution_reason',
    );
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x.example"",""click""), ""quoted""\nline"`);
    expect(csv.body).toContain(',plain title,');
    expect(lines.filter((l) => l.startsWith(evil) || l.startsWith(plain))).toHaveLength(2);
    const jsonl = await call('GET', `/incidents/export?format=jsonl&tag=${tag}`);
    expect(jsonl.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const rows = jsonl.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; title: string });
    expect(rows.map((r) => r.id)).toEqual([plain, evil]);
    expect(rows[1]!.title).toContain('=HYPERLINK');
    const none = await call('GET', '/incidents/export?format=jsonl&tag=no-such-tag-here');
    expect(none.statusCode).toBe(200);
    expect(none.body).toBe('');
    expect((await call('GET', '/incidents/export?format=xml')).statusCode).toBe(400);
    expect((await call('GET', '/incidents/export?min_confidence=2')).statusCode).toBe(400);
    expect((await call('GET', '/incidents/export?cursor=abc')).statusCode).toBe(400);
  });

  it('searches indicators, hosts, users and raw payload fields; filters by verdict and confidence', async () => {
    const m = randomUUID().replace(/-/g, '').slice(0, 8);
    const byIndicator = await incident({ indicators: [{ type: 'sha256', value: `${m}${'a'.repeat(56)}` }] });
    const byUser = await incident({ indicators: [{ type: 'username', value: `${m}.svc@corp.example` }] });
    const byRaw = await incident({ raw_data: { process: { cmdline: `rundll32 ${m}payload.dll` } } });
    expect(await ids(`q=${m.toUpperCase()}${'A'.repeat(56)}`)).toEqual([byIndicator]);
    expect(await ids(`q=${m}.SVC@corp.example`)).toEqual([byUser]);
    expect(await ids(`q=${m}payload.dll`)).toEqual([byRaw]);
    expect(await ids(`q=${m}`)).toEqual(expect.arrayContaining([byIndicator, byUser]));
    await sql`UPDATE incidents SET classification = 'malicious', confidence = 0.95 WHERE id = ${byRaw}`.execute(
      rt.database.primary,
    );
    await sql`UPDATE incidents SET classification = 'benign', confidence = 0.3 WHERE id = ${byUser}`.execute(
      rt.database.primary,
    );
    const verdicts = await ids('classification=malicious&min_confidence=0.9');
    expect(verdicts).toContain(byRaw);
    expect(verdicts).not.toContain(byUser);
    expect(await ids(`classification=benign&max_confidence=0.5&q=${m}`)).toEqual([byUser]);
    expect((await call('GET', '/incidents?classification=evil')).statusCode).toBe(400);
    expect((await call('GET', '/incidents?min_confidence=0.9&max_confidence=0.1')).statusCode).toBe(400);
    // The cursor keeps working with the new filters.
    const first = await call('GET', `/incidents?per_page=1&q=${m}`);
    const cursor = first.json().pagination.next_cursor as string;
    const second = await call('GET', `/incidents?per_page=1&q=${m}&cursor=${cursor}`);
    expect(second.statusCode).toBe(200);
    expect(second.json().data[0].id).not.toBe(first.json().data[0].id);
  });

  it("keeps saved views per user: nobody sees, changes or deletes another user's view", async () => {
    const create = await call(
      'POST',
      '/views',
      { name: 'My queue', query: { assignee: 'me', status: 'pending_review' } },
      sessions.carol,
    );
    expect(create.statusCode, create.body).toBe(201);
    const view = create.json() as { id: string };
    expect((await call('POST', '/views', { name: 'My queue', query: {} }, sessions.carol)).statusCode).toBe(
      409,
    );
    expect(
      (await call('POST', '/views', { name: 'Bad', query: { drop: 'table' } }, sessions.carol)).statusCode,
    ).toBe(400);
    expect((await call('POST', '/views', { name: 'My queue', query: {} }, sessions.dave)).statusCode).toBe(
      201,
    );
    expect(
      (await call('GET', '/views', undefined, sessions.dave)).json().data.map((v: { id: string }) => v.id),
    ).not.toContain(view.id);
    expect((await call('PUT', `/views/${view.id}`, { name: 'mine now' }, sessions.dave)).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/views/${view.id}`, undefined, sessions.dave)).statusCode).toBe(404);
    const renamed = await call('PUT', `/views/${view.id}`, { name: 'Queue' }, sessions.carol);
    expect(renamed.json()).toMatchObject({
      name: 'Queue',
      query: { assignee: 'me', status: 'pending_review' },
    });
    expect((await call('GET', '/views', undefined, sessions.carol)).json().data).toHaveLength(1);
    expect((await call('DELETE', `/views/${view.id}`, undefined, sessions.carol)).statusCode).toBe(204);
    expect((await call('DELETE', `/views/${view.id}`, undefined, sessions.carol)).statusCode).toBe(404);
    const audit = await sql<{ action: string }>`
      SELECT action FROM audit_log WHERE actor = 'user:carol' AND action LIKE 'view.%' ORDER BY id`.execute(
      rt.database.primary,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['view.created', 'view.updated', 'view.deleted']);
  });
});
