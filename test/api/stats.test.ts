// GET /api/v1/stats/overview over the embedded runtime: the answer's shape (and its place in the
// OpenAPI document), incidents closed through the bulk endpoint counted in the current bucket with
// their time to respond, a bad window refused with VALIDATION_ERROR, and the access check (401 without
// a credential, 403 for a key scoped away from incidents:read, 200 for a viewer).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

describe('overview statistics (API)', () => {
  let rt: Runtime;
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, headers = asAdmin()) =>
    rt.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  async function incident(severity: string): Promise<string> {
    const res = await call('POST', '/incidents', {
      incident_type: 'malware',
      source: 'edr',
      severity,
      title: `Beacon ${randomUUID()}`,
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().incident_id as string;
    await eventually(
      async () =>
        !['new', 'enriching', 'analyzing'].includes((await call('GET', `/incidents/${id}`)).json().status),
      'triage settled',
      30_000,
    );
    return id;
  }
  const key = async (role: string, scopes?: string[]) => {
    const res = await call('POST', '/api-keys', {
      name: `k-${randomUUID()}`,
      role,
      ...(scopes ? { scopes } : {}),
    });
    expect(res.statusCode, res.body).toBe(201);
    return { authorization: `Bearer ${res.json().key as string}` };
  };

  type Bucket = {
    created: number;
    triaged: number;
    closed: number;
    by_severity: Record<string, number>;
    by_verdict: Record<string, number>;
  };
  const total = (s: { buckets: Bucket[] }) =>
    s.buckets.reduce(
      (t, b) => ({
        created: t.created + b.created,
        triaged: t.triaged + b.triaged,
        closed: t.closed + b.closed,
        high: t.high + b.by_severity.high!,
        critical: t.critical + b.by_severity.critical!,
        verdicts: t.verdicts + Object.values(b.by_verdict).reduce((x, y) => x + y, 0),
      }),
      { created: 0, triaged: 0, closed: 0, high: 0, critical: 0, verdicts: 0 },
    );

  beforeAll(async () => {
    rt = await startRuntime(testConfig());
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('answers buckets, status counts and durations; closing (bulk) shows as closed with a time to respond', async () => {
    const empty = await call('GET', '/stats/overview');
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toMatchObject({ window: '24h', bucket: 'hour', time_to_respond: { count: 0 } });

    const a = await incident('high');
    const b = await incident('critical');
    const bulk = await call('POST', '/incidents/bulk', { op: 'resolve', reason: 'contained', ids: [a, b] });
    expect(bulk.json()).toMatchObject({ succeeded: 2, failed: 0 });

    const res = await call('GET', '/stats/overview?window=24h');
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.buckets).toHaveLength(24);
    expect(Date.parse(s.buckets[23].start)).toBeLessThanOrEqual(Date.parse(s.generated_at));
    expect(Date.parse(s.to)).toBeGreaterThan(Date.parse(s.generated_at));
    // Summed over the window: the test may straddle an hour (or a day) boundary.
    expect(total(s)).toEqual({ created: 2, triaged: 2, closed: 2, high: 1, critical: 1, verdicts: 2 });
    expect(s.by_status.resolved).toBe(2);
    expect(Object.keys(s.by_status)).toHaveLength(11);
    expect(s.time_to_triage.count).toBe(2);
    expect(s.time_to_respond.count).toBe(2);
    expect(s.time_to_respond.mean_seconds).toBeGreaterThanOrEqual(s.time_to_triage.mean_seconds);
    expect(s.time_to_respond.p90_seconds).toBeGreaterThanOrEqual(s.time_to_respond.p50_seconds);

    const month = (await call('GET', '/stats/overview?window=30d')).json();
    expect(month).toMatchObject({ window: '30d', bucket: 'day' });
    expect(month.buckets).toHaveLength(30);
    expect(total(month)).toMatchObject({ created: 2, closed: 2 });

    // Reopening one clears its closed time: no longer counted as closed.
    const reopen = await call('POST', `/incidents/${a}/reopen`, { reason: 'came back' });
    expect(reopen.statusCode, reopen.body).toBe(200);
    const after = (await call('GET', '/stats/overview?window=7d')).json();
    expect(after.buckets).toHaveLength(7);
    expect(total(after)).toMatchObject({ created: 2, closed: 1 });
    expect(after.time_to_respond.count).toBe(1);
  }, 90_000);

  it('refuses a bad window or an unknown parameter with VALIDATION_ERROR', async () => {
    for (const q of ['window=1y', 'window=', 'window=24h&x=1']) {
      const res = await call('GET', `/stats/overview?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
  });

  it('needs a credential with incidents:read', async () => {
    expect((await rt.app.inject({ method: 'GET', url: '/api/v1/stats/overview' })).statusCode).toBe(401);
    const scoped = await call('GET', '/stats/overview', undefined, await key('analyst', ['playbooks:read']));
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().code).toBe('FORBIDDEN');
    expect((await call('GET', '/stats/overview', undefined, await key('viewer'))).statusCode).toBe(200);
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = rt.app.swagger() as { paths: Record<string, { get?: Record<string, unknown> }> };
    const op = doc.paths['/api/v1/stats/overview']?.get as
      | {
          parameters: { name: string }[];
          responses: Record<
            string,
            { content: Record<string, { schema: { properties: Record<string, unknown> } }> }
          >;
        }
      | undefined;
    expect(op).toBeDefined();
    expect(op!.parameters.map((p) => p.name)).toEqual(['window']);
    const props = op!.responses['200']!.content['application/json']!.schema.properties;
    expect(Object.keys(props)).toEqual(
      expect.arrayContaining(['buckets', 'by_status', 'time_to_triage', 'time_to_respond', 'generated_at']),
    );
  });
});
