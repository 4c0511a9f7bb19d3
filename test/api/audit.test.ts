// GET /api/v1/audit, its streamed export (JSON lines, CSV with formula-injection defence) and the
// chain check, on the embedded runtime.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlAuditQuery } from '../../src/adapters/sql/index.ts';
import { csvCell, exportStream } from '../../src/api/routes/audit-export.ts';
import type { AuditEntryView } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

describe('audit API', () => {
  let rt: Runtime;
  const incident = randomUUID();
  const run = `t${randomUUID().slice(0, 8)}`;
  let start: string;
  let middle: string;

  beforeAll(async () => {
    rt = await startRuntime(testConfig());
    const add = (actor: string, action: string, details: object, inc: string | null = null) =>
      sql`INSERT INTO audit_log (incident_id, actor, action, details)
          VALUES (${inc}, ${actor}, ${action}, ${JSON.stringify(details)}::jsonb)`.execute(
        rt.database.primary,
      );
    start = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 30; i++)
      await add(`user:${run}-a`, `${run}.bulk`, { i }, i % 3 === 0 ? incident : null);
    await new Promise((r) => setTimeout(r, 20));
    middle = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await add(`=HYPERLINK("http://x")`, `${run}.evil`, { note: 'a,b "c"\nline2' });
    await add(`-2+3`, `${run}.evil`, { note: '@SUM(A1)' });
    await add(`user:${run}-b`, `${run}x.other`, {});
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });

  const get = (url: string) => rt.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: asAdmin() });
  const list = async (q: string) => {
    const r = await get(`/audit?${q}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { data: AuditEntryView[]; pagination: Record<string, unknown> };
  };

  it('filters by actor, incident, exact action, action prefix and time; newest first', async () => {
    const byActor = await list(`actor=user:${run}-a&per_page=200`);
    expect(byActor.data).toHaveLength(30);
    expect(byActor.pagination).toMatchObject({
      page: 1,
      per_page: 200,
      total_items: 30,
      total_pages: 1,
      next_cursor: null,
    });
    const seqs = byActor.data.map((e) => BigInt(e.seq));
    expect([...seqs].sort((a, b) => (a > b ? -1 : 1))).toEqual(seqs);
    expect(byActor.data[0]).toMatchObject({
      actor: `user:${run}-a`,
      action: `${run}.bulk`,
      details: { i: 29 },
    });
    expect(byActor.data[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await list(`incident_id=${incident}`)).data).toHaveLength(10);
    expect((await list(`incident_id=${incident}`)).data.every((e) => e.incident_id === incident)).toBe(true);
    expect((await list(`action=${run}.evil`)).pagination.total_items).toBe(2);
    // The prefix is `<run>.`: `<run>x.other` is not in it.
    expect((await list(`action=${run}.*&per_page=100`)).pagination.total_items).toBe(32);
    expect((await list(`action=${run}.*&from=${encodeURIComponent(middle)}`)).pagination.total_items).toBe(2);
    expect(
      (await list(`action=${run}.*&from=${encodeURIComponent(start)}&to=${encodeURIComponent(middle)}`))
        .pagination.total_items,
    ).toBe(30);
  });

  it('pages by offset and by keyset cursor without gaps or repeats', async () => {
    const p2 = await list(`actor=user:${run}-a&per_page=7&page=2`);
    expect(p2.data.map((e) => e.details.i)).toEqual([22, 21, 20, 19, 18, 17, 16]);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`actor=user:${run}-a&per_page=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((e) => e.details.i as number));
      expect(page.pagination.page).toBe(++pages);
      cursor = page.pagination.next_cursor as string | null;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
  });

  it('refuses bad filters, cursors and deep offsets with 400s', async () => {
    for (const q of [
      'action=policy.%25',
      'action=a b',
      'incident_id=nope',
      'from=yesterday',
      'per_page=0',
      'per_page=500',
      'page=0',
      'cursor=bm9wZQ',
      'cursor=eyJ2IjoxLCJzIjoiMSIsInAiOjJ9&page=2',
      'page=1000&per_page=20',
      'colour=red',
    ]) {
      const r = await get(`/audit?${q}`);
      expect(r.statusCode, `${q} → ${r.body}`).toBe(400);
    }
    expect((await get('/audit?cursor=bm9wZQ')).json().code).toBe('INVALID_CURSOR');
    expect((await get('/audit?page=1000&per_page=20')).json().code).toBe('PAGE_TOO_DEEP');
    expect((await get('/audit/export?format=xml')).statusCode).toBe(400);
  });

  it('exports JSON lines, newest first, with the same filters', async () => {
    const r = await get(`/audit/export?format=jsonl&action=${run}.*`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="audit-.*\.jsonl"$/);
    const rows = r.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntryView);
    expect(rows).toHaveLength(32);
    expect(rows[0]!.actor).toBe('-2+3');
    expect(rows[31]!.details).toEqual({ i: 0 });
    const all = await get('/audit/export');
    expect(all.body.trim().split('\n').length).toBeGreaterThan(32);
  });

  it('exports CSV with quoting and formula cells neutralised', async () => {
    const r = await get(`/audit/export?format=csv&action=${run}.evil`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    const lines = r.body.split('\r\n');
    expect(lines[0]).toBe('id,seq,created_at,actor,action,incident_id,details,hash');
    expect(r.body).toContain(`,'-2+3,${run}.evil,,`);
    expect(r.body).toContain(`,"'=HYPERLINK(""http://x"")",${run}.evil,,`);
    expect(r.body).toContain('"{""note"":""a,b \\""c\\""\\nline2""}"');
    // No cell begins with a formula character (a quoted cell's first character counts too).
    expect(r.body).not.toMatch(/(^|,)"?[=+\-@]/m);
    expect(lines.filter(Boolean)).toHaveLength(3);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
  });

  it('streams batch by batch: the first chunk is sent before later batches are read', async () => {
    const inner = new SqlAuditQuery(rt.database);
    let batches = 0;
    const counting = {
      page: inner.page.bind(inner),
      async *scan(filter: Parameters<typeof inner.scan>[0], batch: number) {
        for await (const rows of inner.scan(filter, batch)) {
          batches += 1;
          yield rows;
        }
      },
    };
    const stream = exportStream(counting, { actor: `user:${run}-a` }, 'jsonl', 5);
    const chunks: string[] = [];
    for await (const chunk of stream) {
      chunks.push(String(chunk));
      if (chunks.length === 1) expect(batches).toBeLessThanOrEqual(2);
    }
    expect(batches).toBe(6);
    expect(chunks.join('').trim().split('\n')).toHaveLength(30);
  });

  it('verifies the chain', async () => {
    const r = await get('/audit/verify');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, head: { seq: expect.any(String) } });
    expect(r.json().rows).toBeGreaterThanOrEqual(33);
  });
});
