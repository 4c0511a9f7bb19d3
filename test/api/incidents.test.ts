import { DASHBOARD_PAGES } from '../../src/api/routes/dashboard.routes.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { ApiDeps } from '../../src/api/deps.ts';
import { OPEN_ACCESS, type AccessPolicy } from '../../src/api/plugins/access.ts';
import type { BusEvent } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';

/** The read and decide API: list filters, sorting and paging, the detail shape, analyst decisions, OpenAPI. */

interface Incident {
  id: string;
  incident_type: string;
  source: string;
  severity: string;
  status: string;
  title: string;
  description: string | null;
  occurrence_count: number;
  created_at: string;
  updated_at: string;
  last_seen: string;
  resolution_reason: string | null;
}

const SEVERITY_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const UNFINISHED = new Set(['new', 'enriching', 'analyzing']);

/** Seeds: varied type, source and severity; a few repeated (dedup) so occurrence_count varies. */
const SEEDS = [
  {
    incident_type: 'phishing',
    source: 'mail-gw',
    severity: 'high',
    title: 'Zebracorn credential lure',
    repeat: 3,
    ip: '45.155.205.233',
  },
  {
    incident_type: 'phishing',
    source: 'mail-gw',
    severity: 'low',
    title: 'Newsletter flagged as spam',
    ip: '8.8.8.8',
  },
  {
    incident_type: 'malware',
    source: 'edr-x',
    severity: 'critical',
    title: 'Ransomware behaviour on fin-ws-042',
    repeat: 2,
    ip: '185.220.101.47',
  },
  {
    incident_type: 'malware',
    source: 'edr-x',
    severity: 'medium',
    title: 'Adware installer quarantined',
    description: 'quokkafile bundled installer',
  },
  {
    incident_type: 'suspicious_login',
    source: 'idp',
    severity: 'medium',
    title: 'Password spray against VPN',
    ip: '203.0.113.50',
  },
  {
    incident_type: 'suspicious_login',
    source: 'idp',
    severity: 'info',
    title: 'Single failed login burst',
    ip: '198.51.100.7',
  },
  {
    incident_type: 'data_exfiltration',
    source: 'dlp',
    severity: 'high',
    title: 'Large upload to file share',
    ip: '45.155.205.233',
  },
  {
    incident_type: 'data_exfiltration',
    source: 'dlp',
    severity: 'low',
    title: 'USB copy of public brochure',
  },
] as const;

let rt: Runtime;
let all: Incident[];
const ids: string[] = [];

const get = async (url: string) => {
  const res = await rt.app.inject({ url, headers: asAdmin() });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json() as {
    data: Incident[];
    pagination: {
      page: number;
      per_page: number;
      total_items: number;
      total_pages: number;
      total_exact: boolean;
      next_cursor: string | null;
    };
  };
};
const errorOf = async (url: string) => {
  const res = await rt.app.inject({ url, headers: asAdmin() });
  return { status: res.statusCode, code: (res.json() as { code?: string }).code };
};
const idsOf = (list: { id: string }[]) => list.map((i) => i.id).sort();

beforeAll(async () => {
  rt = await startRuntime(testConfig());
  // An incident's source is who sent it: one analyst key per seed source (incidents get `api:<name>`).
  const keys = new Map<string, string>();
  for (const name of new Set(SEEDS.map((s) => s.source))) {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: asAdmin(),
      payload: { name, role: 'analyst' },
    });
    expect(res.statusCode, res.body).toBe(201);
    keys.set(name, res.json().key as string);
  }
  for (const seed of SEEDS) {
    const { repeat = 1, ip, ...body } = seed as (typeof SEEDS)[number] & { repeat?: number; ip?: string };
    for (let n = 0; n < repeat; n++) {
      const res = await rt.app.inject({
        headers: { authorization: `Bearer ${keys.get(seed.source)!}` },
        method: 'POST',
        url: '/api/v1/incidents',
        payload: { ...body, ...(ip ? { indicators: [{ type: 'ipv4', value: ip }] } : {}), tags: ['seed'] },
      });
      expect(res.statusCode, res.body).toBe(202);
      if (n === 0) ids.push(res.json().incident_id);
    }
  }
  await eventually(
    async () => {
      const page = await get('/api/v1/incidents?per_page=200');
      return page.data.every((i) => !UNFINISHED.has(i.status));
    },
    'triage of the seeds',
    100_000,
  );
  // A spread of statuses for the filters: one dismissed, one escalated by an analyst.
  for (const [i, decision] of [
    [5, 'dismiss'],
    [4, 'escalate'],
  ] as const) {
    const res = await rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: `/api/v1/incidents/${ids[i]}/${decision}`,
      payload: { reason: 'seed' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  all = (await get('/api/v1/incidents?per_page=200')).data;
}, 180_000);
afterAll(async () => {
  await rt?.stop();
});

describe('GET /api/v1/incidents', () => {
  it('lists everything with the documented envelope and defaults (created_at desc, 20 per page)', async () => {
    expect(all).toHaveLength(SEEDS.length);
    const page = await get('/api/v1/incidents');
    expect(page.pagination).toEqual({
      page: 1,
      per_page: 20,
      total_items: SEEDS.length,
      total_pages: 1,
      total_exact: true,
      next_cursor: null,
    });
    const created = page.data.map((i) => Date.parse(i.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const counts = Object.fromEntries(all.map((i) => [i.title, i.occurrence_count]));
    expect(counts['Zebracorn credential lure']).toBe(3);
    expect(counts['Ransomware behaviour on fin-ws-042']).toBe(2);
  });

  it('filters by status, severity, incident_type and source: comma lists and repeated params agree', async () => {
    const statuses = [...new Set(all.map((i) => i.status))];
    expect(statuses.length).toBeGreaterThan(1); // the seeds triage to more than one status
    for (const s of statuses) {
      expect(idsOf((await get(`/api/v1/incidents?status=${s}`)).data)).toEqual(
        idsOf(all.filter((i) => i.status === s)),
      );
    }
    const two = statuses.slice(0, 2);
    const comma = (await get(`/api/v1/incidents?status=${two.join(',')}`)).data;
    const repeated = (await get(`/api/v1/incidents?${two.map((s) => `status=${s}`).join('&')}`)).data;
    expect(idsOf(comma)).toEqual(idsOf(all.filter((i) => two.includes(i.status))));
    expect(idsOf(repeated)).toEqual(idsOf(comma));

    const sev = (await get('/api/v1/incidents?severity=high,critical')).data;
    expect(idsOf(sev)).toEqual(idsOf(all.filter((i) => ['high', 'critical'].includes(i.severity))));
    expect(sev).toHaveLength(3);
    expect(idsOf((await get('/api/v1/incidents?severity=high&severity=critical')).data)).toEqual(idsOf(sev));

    const types = (await get('/api/v1/incidents?incident_type=phishing,suspicious_login')).data;
    expect(idsOf(types)).toEqual(
      idsOf(all.filter((i) => ['phishing', 'suspicious_login'].includes(i.incident_type))),
    );
    expect(types).toHaveLength(4);
    const src = (await get('/api/v1/incidents?source=api:dlp&source=api:idp')).data;
    expect(idsOf(src)).toEqual(idsOf(all.filter((i) => ['api:dlp', 'api:idp'].includes(i.source))));
    expect(src).toHaveLength(4);

    // Filters combine with AND.
    const combined = await get('/api/v1/incidents?source=api:mail-gw,api:dlp&severity=high');
    expect(combined.data.map((i) => i.title).sort()).toEqual([
      'Large upload to file share',
      'Zebracorn credential lure',
    ]);
    expect(combined.pagination.total_items).toBe(2);
    expect((await get('/api/v1/incidents?source=nobody')).pagination).toEqual({
      page: 1,
      per_page: 20,
      total_items: 0,
      total_pages: 0,
      total_exact: true,
      next_cursor: null,
    });
  });

  it('since (inclusive) and until (exclusive) bound created_at', async () => {
    const byCreated = [...all].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    const mid = byCreated[3]!;
    const since = (await get(`/api/v1/incidents?since=${encodeURIComponent(mid.created_at)}&per_page=200`))
      .data;
    expect(idsOf(since)).toEqual(
      idsOf(all.filter((i) => Date.parse(i.created_at) >= Date.parse(mid.created_at))),
    );
    expect(since.map((i) => i.id)).toContain(mid.id);
    const until = (await get(`/api/v1/incidents?until=${encodeURIComponent(mid.created_at)}&per_page=200`))
      .data;
    expect(idsOf(until)).toEqual(
      idsOf(all.filter((i) => Date.parse(i.created_at) < Date.parse(mid.created_at))),
    );
    expect(until.length + since.length).toBe(all.length);
    expect((await get('/api/v1/incidents?since=2999-01-01T00:00:00Z')).data).toEqual([]);
    expect((await get('/api/v1/incidents?until=2000-01-01T00:00:00Z')).data).toEqual([]);
  });

  it('q searches titles and descriptions', async () => {
    expect((await get('/api/v1/incidents?q=zebracorn')).data.map((i) => i.title)).toEqual([
      'Zebracorn credential lure',
    ]);
    expect((await get('/api/v1/incidents?q=quokkafile')).data.map((i) => i.title)).toEqual([
      'Adware installer quarantined',
    ]);
    expect((await get('/api/v1/incidents?q=ransomware')).data.map((i) => i.title)).toEqual([
      'Ransomware behaviour on fin-ws-042',
    ]);
    expect((await get('/api/v1/incidents?q=nothing-matches-this')).pagination.total_items).toBe(0);
    // Combined with a filter.
    expect((await get('/api/v1/incidents?q=zebracorn&source=api:dlp')).data).toEqual([]);
  });

  it('sorts by every field, asc and desc', async () => {
    const key: Record<string, (i: Incident) => number> = {
      created_at: (i) => Date.parse(i.created_at),
      updated_at: (i) => Date.parse(i.updated_at),
      last_seen: (i) => Date.parse(i.last_seen),
      severity: (i) => SEVERITY_RANK[i.severity]!,
      occurrence_count: (i) => i.occurrence_count,
    };
    for (const [field, k] of Object.entries(key)) {
      for (const order of ['asc', 'desc'] as const) {
        const data = (await get(`/api/v1/incidents?sort=${field}&order=${order}&per_page=200`)).data;
        expect(data).toHaveLength(all.length);
        const values = data.map(k);
        const sorted = [...values].sort((a, b) => (order === 'asc' ? a - b : b - a));
        expect(values, `${field} ${order}`).toEqual(sorted);
      }
    }
    const bySeverity = (await get('/api/v1/incidents?sort=severity&order=desc&per_page=1')).data;
    expect(bySeverity[0]!.severity).toBe('critical');
    const byCount = (await get('/api/v1/incidents?sort=occurrence_count&order=desc&per_page=1')).data;
    expect(byCount[0]!.occurrence_count).toBe(3);
  });

  it('pages: numbers are right, pages partition the list, a page past the end is empty', async () => {
    const perPage = 3;
    const seen: string[] = [];
    const expectedPages = Math.ceil(all.length / perPage);
    for (let page = 1; page <= expectedPages; page++) {
      const p = await get(`/api/v1/incidents?sort=severity&order=asc&page=${page}&per_page=${perPage}`);
      expect(p.pagination).toEqual({
        page,
        per_page: perPage,
        total_items: all.length,
        total_pages: expectedPages,
        total_exact: true,
        next_cursor: page < expectedPages ? expect.any(String) : null,
      });
      expect(p.data.length).toBe(page < expectedPages ? perPage : all.length - perPage * (expectedPages - 1));
      seen.push(...p.data.map((i) => i.id));
    }
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen).size).toBe(all.length);
    const whole = (await get('/api/v1/incidents?sort=severity&order=asc&per_page=200')).data.map((i) => i.id);
    expect(seen).toEqual(whole);
    const past = await get(`/api/v1/incidents?page=${expectedPages + 1}&per_page=${perPage}`);
    expect(past.data).toEqual([]);
    expect(past.pagination.total_items).toBe(all.length);
    // Paging with a filter counts only the filtered rows.
    const filtered = await get('/api/v1/incidents?source=api:edr-x,api:idp&per_page=1&page=2');
    expect(filtered.pagination).toMatchObject({ page: 2, per_page: 1, total_items: 4, total_pages: 4 });
  });

  it('cursor pages: next_cursor walks every row once in the order of one big page, for each sort', async () => {
    for (const sort of ['created_at', 'severity', 'occurrence_count'] as const) {
      const whole = (await get(`/api/v1/incidents?sort=${sort}&order=desc&per_page=200`)).data.map(
        (i) => i.id,
      );
      const walked: string[] = [];
      let url = `/api/v1/incidents?sort=${sort}&order=desc&per_page=2`;
      for (let page = 1; ; page++) {
        const p = await get(url);
        expect(p.pagination).toMatchObject({ page, per_page: 2, total_items: all.length, total_exact: true });
        walked.push(...p.data.map((i) => i.id));
        if (!p.pagination.next_cursor) break;
        url = `/api/v1/incidents?sort=${sort}&order=desc&per_page=2&cursor=${p.pagination.next_cursor}`;
      }
      expect(walked, sort).toEqual(whole);
    }
  });

  it('cursor errors are 400s with stable codes: with page, malformed, tampered, other sort; deep offsets point to the cursor', async () => {
    const first = await get('/api/v1/incidents?per_page=2');
    const cursor = first.pagination.next_cursor!;
    expect(await errorOf(`/api/v1/incidents?per_page=2&page=2&cursor=${cursor}`)).toEqual({
      status: 400,
      code: 'CURSOR_PAGE_CONFLICT',
    });
    expect(await errorOf(`/api/v1/incidents?per_page=2&page=1&cursor=${cursor}`)).toEqual({
      status: 400,
      code: 'CURSOR_PAGE_CONFLICT',
    });
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k: string[] };
    const tampered = Buffer.from(JSON.stringify({ ...body, k: ['yesterday', body.k[1]] })).toString(
      'base64url',
    );
    for (const bad of ['garbage!', 'eyJ2IjoxfQ', tampered, cursor.slice(0, 20)]) {
      expect(await errorOf(`/api/v1/incidents?per_page=2&cursor=${encodeURIComponent(bad)}`), bad).toEqual({
        status: 400,
        code: 'INVALID_CURSOR',
      });
    }
    expect(await errorOf(`/api/v1/incidents?per_page=2&sort=severity&cursor=${cursor}`)).toEqual({
      status: 400,
      code: 'INVALID_CURSOR',
    });
    expect(await errorOf('/api/v1/incidents?per_page=200&page=51')).toEqual({
      status: 400,
      code: 'PAGE_TOO_DEEP',
    });
    expect((await get('/api/v1/incidents?per_page=200&page=50')).data).toEqual([]);
  });
});

describe('GET /api/v1/incidents/:id', () => {
  it('returns the incident with alerts, indicators, enrichments, verdict and timeline', async () => {
    const id = ids[0]!; // Zebracorn: listed-malicious IP, seen three times
    const res = await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(Object.keys(d).sort()).toEqual(
      [...Object.keys(all[0]!), 'alerts', 'indicators', 'enrichments', 'verdict', 'timeline'].sort(),
    );
    expect(d.id).toBe(id);
    expect(d.occurrence_count).toBe(3);
    expect(d.alerts).toHaveLength(3);
    for (const a of d.alerts) {
      expect(a).toMatchObject({
        source: 'api:mail-gw',
        severity: 'high',
        title: 'Zebracorn credential lure',
      });
      expect(typeof a.id).toBe('string');
      expect(Number.isNaN(Date.parse(a.received_at))).toBe(false);
      expect(a.raw).toBeDefined();
    }
    expect(d.indicators).toContainEqual(expect.objectContaining({ type: 'ipv4', value: '45.155.205.233' }));
    expect(d.enrichments.length).toBeGreaterThan(0);
    expect(d.enrichments).toContainEqual(
      expect.objectContaining({
        indicator_type: 'ipv4',
        indicator_value: '45.155.205.233',
        verdict: 'malicious',
      }),
    );
    for (const e of d.enrichments)
      expect(Object.keys(e).sort()).toEqual([
        'created_at',
        'details',
        'first_seen',
        'id',
        'indicator_type',
        'indicator_value',
        'last_seen',
        'provider',
        'score',
        'verdict',
      ]);
    expect(d.verdict).toMatchObject({ classification: 'malicious' });
    expect(d.verdict.confidence).toBeGreaterThan(0);
    expect(d.verdict.confidence).toBeLessThanOrEqual(1);
    expect(d.verdict.reasons.length).toBeGreaterThan(0);
    expect(typeof d.verdict.reasoning).toBe('string');
    expect(d.classification).toBe('malicious');
    const actions = d.timeline.map((t: { action: string }) => t.action);
    const steps = new Set([
      'alert.deduplicated',
      'triage.action_recommended',
      'triage.notification_requested',
    ]);
    // Response actions the playbook proposed have their own audit rows (action.*, docs/RESPONSE.md).
    expect(actions.filter((a: string) => !steps.has(a) && !a.startsWith('action.'))).toEqual([
      'incident.created',
      'triage.started',
      'triage.enriched',
      'triage.analyzed',
    ]);
    expect(actions.filter((a: string) => a === 'alert.deduplicated')).toHaveLength(2);
    for (const t of d.timeline) expect(typeof t.actor).toBe('string');
    expect(d.timeline[1].actor).toBe('orchestrator:test');
  });

  it('an incident without indicators still has the full shape (empty lists)', async () => {
    const id = ids[7]!; // USB copy: no indicator
    const d = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
    expect(d.indicators).toEqual([]);
    expect(d.enrichments).toEqual([]);
    expect(d.alerts).toHaveLength(1);
    expect(Array.isArray(d.timeline)).toBe(true);
    expect(d.verdict === null || typeof d.verdict.classification === 'string').toBe(true);
  });
});

describe('decisions: resolve, dismiss, escalate', () => {
  const decide = (id: string, decision: string, payload?: unknown) =>
    rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: `/api/v1/incidents/${id}/${decision}`,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  /** A fresh open incident (new/pending_review), not shared with the list tests. */
  async function openIncident(title: string): Promise<string> {
    const res = await rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: '/api/v1/incidents',
      payload: {
        incident_type: 'malware',
        source: 'decisions',
        severity: 'high',
        title,
        indicators: [{ type: 'ipv4', value: '185.220.101.47' }],
      },
    });
    const id = res.json().incident_id as string;
    await eventually(
      async () => {
        const d = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
        return d.status === 'pending_review';
      },
      `triage of ${title}`,
      60_000,
    );
    return id;
  }

  async function collect(fn: () => Promise<void>, incidentId: string): Promise<BusEvent[]> {
    const events: BusEvent[] = [];
    const stop = await rt.transports.bus.subscribe((e) => {
      if ((e.data as { incident_id?: string }).incident_id === incidentId) events.push(e);
    });
    try {
      await fn();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      stop();
    }
    return events;
  }

  for (const [decision, status, resolvedEvent] of [
    ['resolve', 'resolved', true],
    ['dismiss', 'dismissed', true],
    ['escalate', 'escalated', false],
  ] as const) {
    it(`${decision}: status ${status}, reason stored, timeline entry with the actor, events published`, async () => {
      const id = await openIncident(`to ${decision} ${Date.now()}`);
      const reason = `analyst says ${decision} (ticket SOC-1234)`;
      let res: Awaited<ReturnType<typeof decide>> | undefined;
      const events = await collect(async () => {
        res = await decide(id, decision, { reason });
      }, id);
      expect(res!.statusCode, res!.body).toBe(200);
      const body = res!.json();
      expect(body.id).toBe(id);
      expect(body.status).toBe(status);
      if (decision !== 'escalate') expect(body.resolution_reason).toBe(reason);
      const d = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
      expect(d.status).toBe(status);
      const last = d.timeline.at(-1);
      expect(last.action).toBe(`incident.${decision}`);
      expect(last.actor).toBe('api_key:admin-env');
      expect(last.details.reason).toBe(reason);
      const changed = events.find((e) => e.type === 'status_changed');
      expect(changed?.data).toMatchObject({
        incident_id: id,
        from: 'pending_review',
        to: status,
        by: 'api_key:admin-env',
      });
      const resolved = events.find((e) => e.type === 'incident_resolved');
      if (resolvedEvent) expect(resolved?.data).toMatchObject({ incident_id: id, status, reason });
      else expect(resolved).toBeUndefined();
      // The list reflects it.
      expect(
        (await get(`/api/v1/incidents?status=${status}&source=api:admin`)).data.map((i) => i.id),
      ).toContain(id);
    }, 90_000);
  }

  it('deciding on a closed incident is 409 CONFLICT; an escalated one can still be resolved but not re-escalated', async () => {
    const id = await openIncident(`conflict ${Date.now()}`);
    expect((await decide(id, 'resolve', { reason: 'done' })).statusCode).toBe(200);
    for (const d of ['resolve', 'dismiss', 'escalate']) {
      const res = await decide(id, d, { reason: 'again' });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({ code: 'CONFLICT', details: { status: 'resolved' } });
      expect(res.json().request_id).toBe(res.headers['x-request-id']);
    }
    // Unchanged by the refused attempts.
    const after = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
    expect(after.resolution_reason).toBe('done');
    expect(
      after.timeline
        .filter((t: { action: string }) => t.action.startsWith('incident.'))
        .map((t: { action: string }) => t.action),
    ).toEqual(['incident.created', 'incident.resolve']);

    const esc = await openIncident(`escalate twice ${Date.now()}`);
    expect((await decide(esc, 'escalate', { reason: 'to tier 2' })).statusCode).toBe(200);
    const twice = await decide(esc, 'escalate', { reason: 'again' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('CONFLICT');
    expect((await decide(esc, 'resolve', { reason: 'tier 2 closed it' })).json().status).toBe('resolved');
  }, 120_000);

  it('a missing, empty or oversize reason, or an extra field, is 400 VALIDATION_ERROR', async () => {
    const id = ids[1]!;
    for (const payload of [
      undefined,
      {},
      { reason: '' },
      { reason: 'x'.repeat(2001) },
      { reason: null },
      { reason: ['a', 'b'] },
      { reason: 'ok', actor: 'admin' },
    ]) {
      const res = await decide(id, 'dismiss', payload);
      expect(res.statusCode, `${JSON.stringify(payload)}: ${res.body}`).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    const missing = (await decide(id, 'dismiss', {})).json();
    expect(missing.details).toContainEqual(expect.objectContaining({ path: 'body/reason' }));
    const d = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
    expect(d.status).not.toBe('dismissed');
  });
});

describe('OpenAPI and permissions', () => {
  /** Every method+path the app serves, from fastify's own route table (HEAD, docs and the spec itself excluded). */
  function servedRoutes(): string[] {
    const tree = rt.app.printRoutes({ commonPrefix: false });
    const out: string[] = [];
    const stack: string[] = []; // path segment per tree depth
    for (const line of tree.split('\n')) {
      const m = /^(.*?)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      stack.length = depth;
      stack.push(m[2]!);
      const path = stack.join('').replace(/:(\w+)/g, '{$1}');
      if (path.startsWith('/docs') || path === '/api/v1/openapi.json') continue;
      // The dashboard's pages and static files (hidden from the API document, docs/DASHBOARD.md).
      if (
        (DASHBOARD_PAGES as readonly string[]).includes(path.replace(/\{(\w+)\}/g, ':$1')) ||
        path === '/*' ||
        path.startsWith('/assets')
      )
        continue;
      for (const method of m[3]!.split(',').map((s) => s.trim()))
        if (method !== 'HEAD') out.push(`${method} ${path}`);
    }
    return out.sort();
  }

  it('/api/v1/openapi.json documents every route, with tags, responses and the Error schema', async () => {
    const res = await rt.app.inject({ url: '/api/v1/openapi.json', headers: asAdmin() });
    expect(res.statusCode).toBe(200);
    const spec = res.json();
    expect(spec.openapi).toMatch(/^3\./);
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const served = servedRoutes();
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /api/v1/incidents',
        'POST /api/v1/incidents',
        'GET /api/v1/incidents/{id}',
        'POST /api/v1/incidents/{id}/resolve',
        'POST /api/v1/incidents/{id}/dismiss',
        'POST /api/v1/incidents/{id}/escalate',
        'POST /api/v1/webhooks/{source}',
        'GET /api/v1/stream',
        'GET /live',
        'GET /ready',
        'GET /metrics',
      ]),
    );
    expect(documented).toEqual(served);
    for (const [path, ops] of Object.entries(
      spec.paths as Record<string, Record<string, { tags?: string[]; responses?: object }>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
      }
    }
    for (const [path, method, status] of [
      ['/api/v1/incidents', 'post', '400'],
      ['/api/v1/incidents/{id}', 'get', '404'],
      ['/api/v1/incidents/{id}/resolve', 'post', '409'],
      ['/api/v1/webhooks/{source}', 'post', '401'],
    ] as const) {
      const schema = spec.paths[path][method].responses[status].content['application/json'].schema;
      expect(schema.required.sort(), `${method} ${path} ${status}`).toEqual([
        'code',
        'message',
        'request_id',
      ]);
    }
    // The alias serves the same document.
    expect((await rt.app.inject({ url: '/api/openapi.json', headers: asAdmin() })).json().paths).toEqual(
      spec.paths,
    );
  });

  function deps(access: AccessPolicy = OPEN_ACCESS): ApiDeps {
    const page = {
      data: [],
      pagination: {
        page: 1,
        per_page: 20,
        total_items: 0,
        total_pages: 0,
        total_exact: true,
        next_cursor: null,
      },
    };
    return {
      config: testConfig(),
      store: { list: async () => page } as unknown as ApiDeps['store'],
      ingest: {} as ApiDeps['ingest'],
      decisions: {} as ApiDeps['decisions'],
      bus: {} as ApiDeps['bus'],
      counters: {} as ApiDeps['counters'],
      metrics: new Metrics(),
      access,
      readiness: async () => ({ ready: true, checks: {} }),
      webhookSources: {} as ApiDeps['webhookSources'],
      replays: {} as ApiDeps['replays'],
      isShuttingDown: () => false,
    };
  }
  const logger = () => createLogger({ level: 'silent', instance: 'test', role: 'api' }) as FastifyBaseLogger;

  it('a route without a permission (or with an unknown one) is refused when the app is built', async () => {
    const { app } = await buildApp(deps(), logger());
    try {
      expect(() => app.get('/api/v1/forgot', async () => 'x')).toThrow(/declares no permission/);
      expect(() =>
        app.get('/api/v1/typo', { config: { permission: 'incidents:raed' as never } }, async () => 'x'),
      ).toThrow(/declares no permission/);
      // Inside a plugin the refusal surfaces when the app boots.
      app.register(async (scope) => {
        scope.post('/api/v1/nested', async () => 'x');
      });
      await expect(app.ready()).rejects.toThrow(/POST \/api\/v1\/nested declares no permission/);
    } finally {
      await app.close().catch(() => undefined);
    }
    const { app: fine } = await buildApp(deps(), logger());
    fine.get('/api/v1/declared', { config: { permission: 'public' } }, async () => ({ ok: true }));
    await fine.ready();
    expect((await fine.inject('/api/v1/declared')).json()).toEqual({ ok: true });
    await fine.close();
  });

  it('the central access check answers 403 FORBIDDEN when the principal lacks the route permission', async () => {
    const readOnly: AccessPolicy = {
      async authenticate() {
        return { id: 'viewer', kind: 'user', permissions: new Set(['incidents:read'] as const) };
      },
    };
    const { app } = await buildApp(deps(readOnly), logger());
    await app.ready();
    try {
      expect((await app.inject({ url: '/api/v1/incidents', headers: asAdmin() })).statusCode).toBe(200);
      const res = await app.inject({
        headers: asAdmin(),
        method: 'POST',
        url: '/api/v1/incidents',
        payload: {},
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining('incidents:write'),
      });
      const hook = await app.inject({ method: 'POST', url: '/api/v1/webhooks/okta', payload: {} });
      expect(hook.json().code).toBe('FORBIDDEN');
      expect((await app.inject('/live')).statusCode).toBe(200); // public
    } finally {
      await app.close();
    }
  });
});
