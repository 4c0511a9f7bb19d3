import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessEventBackend, InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { buildApp } from '../../src/api/app.ts';
import type { ApiDeps } from '../../src/api/deps.ts';
import { OPEN_ACCESS } from '../../src/api/plugins/access.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { IncidentDetail } from '../../src/ports/index.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';

/**
 * The per-process detail cache behind GET /incidents/:id: a repeated read is served without the
 * store, and any event naming the incident (from any process: here a second bus on the same
 * backend plays the orchestrator) or a decision taken here makes the next read go to the store.
 */
const ID = '6f1f7f3e-8a43-4c3b-9d7e-2f51a3d6c001';

function detail(status: IncidentDetail['status'], version: number): IncidentDetail {
  const t = '2026-11-30T00:00:00.000Z';
  return {
    id: ID,
    incident_type: 'phishing',
    source: 'manual',
    severity: 'high',
    status,
    title: 'Lure',
    description: null,
    fingerprint: 'f',
    occurrence_count: 1,
    first_seen: t,
    last_seen: t,
    created_at: t,
    updated_at: t,
    version,
    tags: [],
    assets: [],
    mitre_techniques: [],
    vendor_confidence: null,
    classification: null,
    confidence: null,
    triaged_at: null,
    closed_at: null,
    resolution_reason: null,
    related_incident_id: null,
    triage_attempts: 0,
    triage_error: null,
    triage_failed_at: null,
    assignee: null,
    assigned_at: null,
    original_severity: null,
    original_incident_type: null,
    alerts: [],
    indicators: [],
    enrichments: [],
    verdict: null,
    timeline: [],
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setup(server: Record<string, unknown> = {}, waitLive = true) {
  const backend = new InProcessEventBackend();
  const apiBus = new InProcessEventBus({ backend });
  const otherProcess = new InProcessEventBus({ backend });
  const state = { current: detail('new', 1), reads: 0 };
  const deps: ApiDeps = {
    config: testConfig({ server }),
    store: {
      getDetail: async (id: string) => {
        state.reads++;
        return id === ID ? state.current : null;
      },
    } as unknown as ApiDeps['store'],
    ingest: {
      ingest: async () => {
        state.current = { ...state.current, occurrence_count: state.current.occurrence_count + 1 };
        return { incident: state.current, created: false, queued: false };
      },
    } as unknown as ApiDeps['ingest'],
    decisions: {
      decide: async () => {
        state.current = detail('resolved', state.current.version + 1);
        return state.current;
      },
    } as unknown as ApiDeps['decisions'],
    bus: apiBus,
    counters: {} as ApiDeps['counters'],
    metrics: new Metrics(),
    access: OPEN_ACCESS,
    readiness: async () => ({ ready: true, checks: {} }),
    webhookSources: {} as ApiDeps['webhookSources'],
    replays: {} as ApiDeps['replays'],
    isShuttingDown: () => false,
  };
  const logger = createLogger({ level: 'silent', instance: 'test', role: 'api' }) as FastifyBaseLogger;
  const built = await buildApp(deps, logger);
  app = built.app;
  await app.ready();
  const get = async () => {
    const res = await built.app.inject({ url: `/api/v1/incidents/${ID}`, headers: asAdmin() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    return res.json() as IncidentDetail;
  };
  // The subscription goes live asynchronously; wait until a repeated read is served from memory.
  if (waitLive)
    await eventually(async () => {
      const before = state.reads;
      await get();
      await get();
      return state.reads === before + 1 || undefined;
    }, 'the detail cache to go live');
  return { state, get, otherProcess, app: built.app };
}

describe('GET /incidents/:id detail cache', () => {
  it('serves a repeated read from memory, with the same body', async () => {
    const { state, get } = await setup();
    const reads = state.reads;
    const first = await get();
    const second = await get();
    expect(second).toEqual(first);
    expect(first).toEqual(detail('new', 1));
    expect(state.reads).toBe(reads);
  });

  it('drops the entry when another process publishes an event naming the incident', async () => {
    const { state, get, otherProcess } = await setup();
    state.current = detail('analyzing', 2);
    expect((await get()).status).toBe('new'); // not yet told
    await otherProcess.publish('status_changed', {
      incident_id: ID,
      from: 'new',
      to: 'analyzing',
      by: 'orch',
    });
    await eventually(async () => ((await get()).status === 'analyzing' ? true : undefined), 'fresh read');
  });

  it('a decision taken on this process is visible to its next read at once', async () => {
    const { get, app } = await setup();
    expect((await get()).status).toBe('new');
    const res = await app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: `/api/v1/incidents/${ID}/resolve`,
      payload: { reason: 'benign test mail' },
    });
    expect(res.statusCode).toBe(200);
    expect((await get()).status).toBe('resolved');
  });

  it('an alert folded into the incident through this process is visible to its next read at once', async () => {
    const { get, app } = await setup();
    expect((await get()).occurrence_count).toBe(1);
    const res = await app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: '/api/v1/incidents',
      payload: { incident_type: 'phishing', source: 'manual', severity: 'high', title: 'Lure' },
    });
    expect(res.statusCode).toBe(202);
    expect((await get()).occurrence_count).toBe(2);
  });

  it('a missing incident is a 404 and is not cached', async () => {
    const { state, app } = await setup();
    const other = '6f1f7f3e-8a43-4c3b-9d7e-2f51a3d6c002';
    const before = state.reads;
    for (let i = 0; i < 2; i++) {
      expect((await app.inject({ url: `/api/v1/incidents/${other}`, headers: asAdmin() })).statusCode).toBe(
        404,
      );
    }
    expect(state.reads).toBe(before + 2);
  });

  it('detail_cache_ttl: 0 turns it off: every read goes to the store', async () => {
    const { state, get } = await setup({ detail_cache_ttl: 0 }, false);
    await new Promise((r) => setTimeout(r, 100)); // a live subscription would have turned it on by now
    const before = state.reads;
    for (let i = 0; i < 3; i++) await get();
    expect(state.reads).toBe(before + 3);
  });
});
